using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Runway.Timeline.Schema;

namespace Runway.Timeline.Serialization;

/// <summary>
/// Turns parsed JSON into schema objects: resolves aliases, applies the version steps from <see cref="SchemaTable"/>,
/// rejects versions newer than it can read, and keeps unknown schemas and unknown fields.
/// </summary>
internal sealed class ObjectReader
{
    // Where a node moved by a version step was in the file, so errors inside it name the file's path.
    private readonly Dictionary<JsonNode, string> _filePaths = new(ReferenceEqualityComparer.Instance);

    /// <summary>The node's path in the file when a version step moved it, else <paramref name="path"/>.</summary>
    public string PathFor(JsonNode? node, string path) =>
        node is not null && _filePaths.TryGetValue(node, out var original) ? original : path;

    public OtioObject ReadObject(JsonNode? node, string path)
    {
        path = PathFor(node, path);
        if (node is not JsonObject fields)
            throw new OtioFormatException(path, $"expected an object with OTIO_SCHEMA, found {Describe(node)}");
        var (name, version) = ParseSchema(fields, path);
        if (SchemaTable.Aliases.TryGetValue(name, out var current)) name = current;
        if (SchemaTable.ValueTypes.ContainsKey(name))
            throw new OtioFormatException(path, $"a {name} value cannot stand where a schema object is expected");
        fields.Remove("OTIO_SCHEMA");
        fields.Remove("OTIO_REF_ID");

        OtioObject result;
        if (!SchemaTable.Schemas.TryGetValue(name, out var entry))
        {
            result = new UnknownSchema(name, version);
        }
        else
        {
            if (version > entry.MaxReadVersion)
                throw new OtioFormatException(path + ".OTIO_SCHEMA",
                    $"schema {name}.{version} is newer than this library reads (up to {name}.{entry.MaxReadVersion}); the file was written by a newer OpenTimelineIO — update Runway or export for an older OTIO version");
            if (version != entry.WriteVersion)
                foreach (var (key, value) in fields)
                    if (value is JsonObject or JsonArray) _filePaths[value] = $"{path}.{key}";
            // Upgrade steps N with file version < N <= written version; downgrade steps N with written < N <= file.
            for (var n = version + 1; n <= entry.WriteVersion; n++)
                if (SchemaTable.Steps.TryGetValue((name, n), out var up)) up(fields);
            for (var n = version; n > entry.WriteVersion; n--)
                if (SchemaTable.Steps.TryGetValue((name, n), out var down)) down(fields);
            result = entry.Create();
            result.ReadFields(new FieldReader(fields, path, this));
        }

        foreach (var key in fields.Select(p => p.Key).ToList())
        {
            var value = fields[key];
            fields.Remove(key);
            result.UnknownFields[key] = value;
        }
        return result;
    }

    public T? ReadAs<T>(JsonNode? node, string path) where T : OtioObject
    {
        if (node is null) return null;
        path = PathFor(node, path);
        var read = ReadObject(node, path);
        return read as T ?? throw new OtioFormatException(path,
            $"expected {typeof(T).Name}, found {read.SchemaName}.{read.SchemaVersion}");
    }

    public static (string Name, int Version) ParseSchema(JsonObject fields, string path)
    {
        if (!fields.TryGetPropertyValue("OTIO_SCHEMA", out var schemaNode))
            throw new OtioFormatException(path, "object has no OTIO_SCHEMA");
        if (schemaNode is not JsonValue v || !v.TryGetValue<string>(out var schema))
            throw new OtioFormatException(path + ".OTIO_SCHEMA", $"expected a string like \"Clip.2\", found {Describe(schemaNode)}");
        var dot = schema.LastIndexOf('.');
        if (dot <= 0 || !int.TryParse(schema.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
            throw new OtioFormatException(path + ".OTIO_SCHEMA", $"'{schema}' is not Name.Version");
        return (schema[..dot], version);
    }

    public static RationalTime ReadTime(JsonNode? node, string path)
    {
        var fields = ValueObject(node, path, "RationalTime");
        return new RationalTime(Number(fields, "value", 0, path), Number(fields, "rate", 1, path));
    }

    public static TimeRange ReadRange(JsonNode? node, string path)
    {
        var fields = ValueObject(node, path, "TimeRange");
        var start = fields["start_time"] is { } s ? ReadTime(s, path + ".start_time") : RationalTime.Zero;
        var duration = fields["duration"] is { } d ? ReadTime(d, path + ".duration") : RationalTime.Zero;
        return new TimeRange(start, duration);
    }

    public static OtioColor ReadColor(JsonNode? node, string path)
    {
        var fields = ValueObject(node, path, "Color");
        var name = fields["name"] switch
        {
            null => "",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            var other => throw new OtioFormatException(path + ".name", $"expected a string, found {Describe(other)}"),
        };
        return new OtioColor(Number(fields, "r", 1, path), Number(fields, "g", 1, path), Number(fields, "b", 1, path),
            Number(fields, "a", 1, path), name);
    }

    public static Box2d ReadBox(JsonNode? node, string path)
    {
        var fields = ValueObject(node, path, "Box2d");
        return new Box2d(ReadV2d(fields["min"], path + ".min"), ReadV2d(fields["max"], path + ".max"));
    }

    private static V2d ReadV2d(JsonNode? node, string path)
    {
        if (node is null) return default;
        var fields = ValueObject(node, path, "V2d");
        return new V2d(Number(fields, "x", 0, path), Number(fields, "y", 0, path));
    }

    private static JsonObject ValueObject(JsonNode? node, string path, string schema)
    {
        if (node is not JsonObject fields)
            throw new OtioFormatException(path, $"expected a {schema}.1 object, found {Describe(node)}");
        if (fields.ContainsKey("OTIO_SCHEMA"))
        {
            var (name, version) = ParseSchema(fields, path);
            if (name != schema)
                throw new OtioFormatException(path + ".OTIO_SCHEMA", $"expected {schema}.1, found {name}.{version}");
            if (version > 1)
                throw new OtioFormatException(path + ".OTIO_SCHEMA", $"schema {name}.{version} is newer than this library reads ({schema}.1)");
        }
        return fields;
    }

    private static double Number(JsonObject fields, string key, double fallback, string path) =>
        fields.TryGetPropertyValue(key, out var node) ? ToDouble(node, $"{path}.{key}") ?? fallback : fallback;

    /// <summary>A JSON number (integer or double) as a double; null for JSON null.</summary>
    public static double? ToDouble(JsonNode? node, string path)
    {
        if (node is null) return null;
        if (node is JsonValue v)
        {
            if (v.TryGetValue<double>(out var d)) return d;
            if (v.TryGetValue<long>(out var l)) return l;
        }
        throw new OtioFormatException(path, $"expected a number, found {Describe(node)}");
    }

    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject o when o["OTIO_SCHEMA"] is JsonValue s && s.TryGetValue<string>(out var name) => $"a {name} object",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "a value",
        },
        _ => "a value",
    };
}
