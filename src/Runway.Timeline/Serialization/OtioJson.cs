using System.Buffers;
using System.Text;
using System.Text.Json;
using Runway.Timeline.Schema;

namespace Runway.Timeline.Serialization;

/// <summary>Options for reading .otio JSON.</summary>
public sealed record OtioReadOptions
{
    /// <summary>Deepest JSON nesting accepted (objects and arrays). A timeline nests about 8 levels per stack level.</summary>
    public int MaxDepth { get; init; } = 512;
}

/// <summary>Options for writing .otio JSON.</summary>
public sealed record OtioWriteOptions
{
    /// <summary>Spaces per indentation level (OTIO writes 4); 0 writes compact JSON.</summary>
    public int IndentSize { get; init; } = 4;
}

/// <summary>
/// Reads and writes OpenTimelineIO JSON (.otio). Reading upgrades old schema versions through one table, keeps unknown
/// fields and schemas, and fails with <see cref="OtioFormatException"/> naming the JSON path for anything it cannot
/// read. Writing produces the dialect OTIO 0.15–0.18 and Resolve 18.5+ read (Clip.2, Marker.2, others .1).
/// </summary>
public static class OtioJson
{
    private const int DepthCeiling = 4096;

    /// <summary>Reads any schema object from UTF-8 JSON.</summary>
    /// <exception cref="OtioFormatException">Invalid JSON, wrong types, too deep, or an unsupported schema version.</exception>
    public static OtioObject Read(ReadOnlySpan<byte> utf8, OtioReadOptions? options = null)
    {
        var depth = Math.Clamp((options ?? new OtioReadOptions()).MaxDepth, 1, DepthCeiling);
        var root = JsonTreeReader.Parse(utf8, depth);
        return new ObjectReader().ReadObject(root, "$");
    }

    /// <summary>Reads any schema object from a JSON string.</summary>
    public static OtioObject Read(string json, OtioReadOptions? options = null) => Read(Encoding.UTF8.GetBytes(json), options);

    /// <summary>Reads a document whose top-level object must be a <typeparamref name="T"/> (e.g. a Timeline).</summary>
    public static T Read<T>(ReadOnlySpan<byte> utf8, OtioReadOptions? options = null) where T : OtioObject
    {
        var value = Read(utf8, options);
        return value as T ?? throw new OtioFormatException("$", $"expected a {typeof(T).Name}, found {value.SchemaName}.{value.SchemaVersion}");
    }

    /// <summary>Reads a .otio file; the path is part of every error message.</summary>
    public static async Task<OtioObject> ReadFileAsync(string path, OtioReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return Read(bytes, options);
        }
        catch (OtioFormatException ex)
        {
            throw new OtioFormatException(ex.JsonPath, $"{ex.Problem} (in {path})", ex);
        }
    }

    /// <summary>Reads a .otio file whose top-level object must be a <typeparamref name="T"/>.</summary>
    public static async Task<T> ReadFileAsync<T>(string path, OtioReadOptions? options = null, CancellationToken cancellationToken = default)
        where T : OtioObject
    {
        var value = await ReadFileAsync(path, options, cancellationToken).ConfigureAwait(false);
        return value as T ?? throw new OtioFormatException("$", $"expected a {typeof(T).Name} in {path}, found {value.SchemaName}.{value.SchemaVersion}");
    }

    /// <summary>Writes an object as UTF-8 JSON.</summary>
    public static void Write(OtioObject value, IBufferWriter<byte> output, OtioWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        var indent = (options ?? new OtioWriteOptions()).IndentSize;
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions
        {
            Indented = indent > 0,
            IndentSize = Math.Clamp(indent, 1, 127),
            NewLine = "\n",
            Encoder = OtioJsonEncoder.Instance,
            // The model bounds nesting already; metadata written back was read under the reader's limit.
            MaxDepth = DepthCeiling,
        });
        new FieldWriter(json).WriteObject(value);
        json.Flush();
    }

    /// <summary>Writes an object as UTF-8 JSON bytes.</summary>
    public static byte[] WriteToUtf8(OtioObject value, OtioWriteOptions? options = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(value, buffer, options);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes an object as a JSON string.</summary>
    public static string WriteToString(OtioObject value, OtioWriteOptions? options = null) =>
        Encoding.UTF8.GetString(WriteToUtf8(value, options));

    /// <summary>
    /// Writes a .otio file atomically: to a temporary file beside it, then renamed over the target, so readers never
    /// see half a file.
    /// </summary>
    public static async Task WriteFileAsync(OtioObject value, string path, OtioWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var bytes = WriteToUtf8(value, options);
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await File.WriteAllBytesAsync(temp, bytes, cancellationToken).ConfigureAwait(false);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
