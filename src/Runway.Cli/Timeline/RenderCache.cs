using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Runway.Cli.Timeline;

/// <summary>How a timeline batch writes each clip's result.</summary>
public enum OutputFormat
{
    /// <summary>16-bit RGBA PNG sequence (default).</summary>
    Png16,
    /// <summary>32-bit float RGBA EXR sequence (values above 1.0 kept).</summary>
    Exr,
    /// <summary>One 8-bit video file per clip (.mp4).</summary>
    Video,
}

/// <summary>What a finished clip folder holds, written last into it so a folder with a manifest is complete.</summary>
/// <param name="Key">The cache key the folder was rendered for.</param>
/// <param name="Effect">Effect id.</param>
/// <param name="Start">First rendered media frame.</param>
/// <param name="Count">Frames rendered.</param>
/// <param name="Rate">Media frame rate.</param>
/// <param name="Engine">Engine the daemon reported.</param>
/// <param name="Notes">Distinct notes the engine gave.</param>
public sealed record ClipManifest(string Key, string Effect, long Start, long Count, double Rate, string Engine, IReadOnlyList<string> Notes);

/// <summary>
/// The content-addressed cache of clip renders: a key over everything that decides a clip's pixels, and the rule that a
/// clip folder whose manifest carries the same key is reused without contacting the daemon.
/// </summary>
public static class RenderCache
{
    /// <summary>The manifest's file name inside a clip folder.</summary>
    public const string ManifestName = "runway-render.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>
    /// SHA-256 (hex) of the effect id and version, every bound param, the draft flag, the output format, the rendered and
    /// read ranges, and the identity (path, size, modification time) of every media file those frames come from and of
    /// the mask — so editing a param, trimming the clip or replacing a file re-renders, and nothing else does.
    /// </summary>
    public static string Key(ClipPlan plan, PlanOptions options, OutputFormat format, string? maskPath)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.Append("runway-timeline-cache/1\n");
        text.Append(inv, $"effect {options.Effect.Id} {options.Effect.VersionMajor}.{options.Effect.VersionMinor}\n");
        foreach (var (name, value) in options.Params.All) text.Append(inv, $"param {name}={Format(value)}\n");
        text.Append(inv, $"draft {options.Interactive}\nformat {format}\n");
        text.Append(inv, $"rate {plan.Rate:R}\nrender {plan.Render.Start} {plan.Render.Count}\nread {plan.Read.Start} {plan.Read.Count}\n");
        text.Append(inv, $"media {plan.Media.Kind}\n");
        foreach (var file in plan.Media.FilesFor(plan.Read, plan.Rate)) text.Append("file ").Append(Identity(file)).Append('\n');
        text.Append("mask ").Append(maskPath is null ? "none" : Identity(maskPath)).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The manifest of a complete clip folder rendered for <paramref name="key"/>, or null.</summary>
    public static ClipManifest? Find(string folder, string key)
    {
        var path = Path.Combine(folder, ManifestName);
        if (!File.Exists(path)) return null;
        try
        {
            var manifest = JsonSerializer.Deserialize<ClipManifest>(File.ReadAllText(path), Json);
            return manifest is not null && manifest.Key == key ? manifest : null;
        }
        catch (JsonException)
        {
            return null; // a damaged manifest is a miss: the clip is rendered again
        }
    }

    /// <summary>Writes the manifest into a (temporary) clip folder.</summary>
    public static Task WriteAsync(string folder, ClipManifest manifest, CancellationToken ct) =>
        File.WriteAllTextAsync(Path.Combine(folder, ManifestName), JsonSerializer.Serialize(manifest, Json), ct);

    private static string Identity(string file)
    {
        var info = new FileInfo(file);
        return info.Exists
            ? string.Create(CultureInfo.InvariantCulture, $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}")
            : $"{info.FullName}|missing";
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        double[] a => string.Join(",", a.Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
