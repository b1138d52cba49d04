using System.Text.Json.Nodes;
using Runway.Timeline.Schema;

namespace Runway.Timeline.Serialization;

/// <summary>
/// Gives a schema type its fields one by one, converting and type-checking each with the JSON path in every error.
/// Each field taken is removed, so what remains afterwards is the object's unknown fields.
/// </summary>
internal sealed class FieldReader(JsonObject fields, string path, ObjectReader objects)
{
    private JsonNode? Take(string key, out bool present)
    {
        present = fields.TryGetPropertyValue(key, out var value);
        if (present) fields.Remove(key);
        return value;
    }

    private string PathOf(string key) => $"{path}.{key}";

    /// <summary>The error for a field, for <c>throw reader.Fail(...)</c>.</summary>
    public OtioFormatException Fail(string key, string problem) => new(PathOf(key), problem);

    private OtioFormatException Expected(string key, string what, JsonNode? found) =>
        Fail(key, $"expected {what}, found {ObjectReader.Describe(found)}");

    /// <summary>A string; JSON null reads as "" (as in OTIO); absent reads as <paramref name="fallback"/>.</summary>
    public string String(string key, string fallback = "")
    {
        var node = Take(key, out var present);
        if (!present) return fallback;
        if (node is null) return "";
        return node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Expected(key, "a string", node);
    }

    /// <summary>A double; integers are accepted.</summary>
    public double Double(string key, double fallback)
    {
        var node = Take(key, out var present);
        if (!present) return fallback;
        return ObjectReader.ToDouble(node, PathOf(key)) ?? throw Expected(key, "a number", node);
    }

    /// <summary>An int64.</summary>
    public long Long(string key, long fallback)
    {
        var node = Take(key, out var present);
        if (!present) return fallback;
        return node is JsonValue v && v.TryGetValue<long>(out var l) ? l : throw Expected(key, "an integer", node);
    }

    /// <summary>A boolean.</summary>
    public bool Bool(string key, bool fallback)
    {
        var node = Take(key, out var present);
        if (!present) return fallback;
        return node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw Expected(key, "true or false", node);
    }

    /// <summary>A RationalTime.1 or null.</summary>
    public RationalTime? OptionalTime(string key) =>
        Take(key, out _) is { } node ? ObjectReader.ReadTime(node, objects.PathFor(node, PathOf(key))) : null;

    /// <summary>A RationalTime.1; null or absent reads as <paramref name="fallback"/>.</summary>
    public RationalTime Time(string key, RationalTime fallback) => OptionalTime(key) ?? fallback;

    /// <summary>A TimeRange.1 or null.</summary>
    public TimeRange? OptionalRange(string key) =>
        Take(key, out _) is { } node ? ObjectReader.ReadRange(node, objects.PathFor(node, PathOf(key))) : null;

    /// <summary>A Color.1 or null.</summary>
    public OtioColor? OptionalColor(string key) =>
        Take(key, out _) is { } node ? ObjectReader.ReadColor(node, objects.PathFor(node, PathOf(key))) : null;

    /// <summary>A Box2d.1 or null.</summary>
    public Box2d? OptionalBox(string key) =>
        Take(key, out _) is { } node ? ObjectReader.ReadBox(node, objects.PathFor(node, PathOf(key))) : null;

    /// <summary>A dictionary of JSON values (metadata, parameters), detached from the document; null reads as empty.</summary>
    public JsonObject Dictionary(string key)
    {
        var node = Take(key, out _);
        return node switch
        {
            null => new JsonObject(),
            JsonObject o => o,
            _ => throw Expected(key, "an object", node),
        };
    }

    /// <summary>A schema object of type <typeparamref name="T"/>, or null.</summary>
    public T? Object<T>(string key) where T : OtioObject => objects.ReadAs<T>(Take(key, out _), PathOf(key));

    /// <summary>A list of schema objects; null or absent reads as empty; null elements are errors.</summary>
    public List<T> List<T>(string key) where T : OtioObject
    {
        var node = Take(key, out _);
        if (node is null) return [];
        if (node is not JsonArray array) throw Expected(key, "an array", node);
        var result = new List<T>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            var itemPath = $"{PathOf(key)}[{i}]";
            if (array[i] is null) throw new OtioFormatException(itemPath, $"expected {typeof(T).Name}, found null");
            result.Add(objects.ReadAs<T>(array[i], itemPath)!);
        }
        return result;
    }

    /// <summary>A map of key → schema object (null values allowed), in file order.</summary>
    public List<KeyValuePair<string, T?>> Map<T>(string key) where T : OtioObject
    {
        var node = Take(key, out _);
        if (node is null) return [];
        if (node is not JsonObject map) throw Expected(key, "an object", node);
        return map.Select(p => new KeyValuePair<string, T?>(p.Key, objects.ReadAs<T>(p.Value, $"{PathOf(key)}.{p.Key}"))).ToList();
    }
}
