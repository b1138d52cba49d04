using System.Text.Json.Nodes;

namespace Runway.Timeline.Tests;

/// <summary>
/// Checks that JSON written by the library says the same as the JSON it read, allowing only the changes OTIO itself
/// makes on a round trip: Clip.1 → Clip.2 (reference under DEFAULT_MEDIA), legacy names → current names, a null
/// string → "", integers in double fields → doubles, and fields added with their defaults (enabled, color, bounds…).
/// Written independently of the library's upgrade table so it can catch mistakes there.
/// </summary>
internal static class JsonEquivalence
{
    private static readonly Dictionary<string, string> Renamed = new()
    {
        ["Sequence.1"] = "Track.1", ["Filler.1"] = "Gap.1", ["SerializeableCollection.1"] = "SerializableCollection.1",
        ["Clip.1"] = "Clip.2", ["Marker.1"] = "Marker.2",
    };

    // Fields OTIO adds when absent, with the value it adds.
    private static readonly Dictionary<string, string> Defaults = new()
    {
        ["enabled"] = "true", ["color"] = "null", ["available_image_bounds"] = "null", ["available_range"] = "null",
        ["global_start_time"] = "null", ["source_range"] = "null", ["effects"] = "[]", ["markers"] = "[]",
        ["metadata"] = "{}", ["name"] = "\"\"", ["comment"] = "\"\"",
    };

    public static void AssertEquivalent(JsonNode? original, JsonNode? written, string path = "$")
    {
        switch (original)
        {
            case null:
                Assert.True(written is null || written.ToJsonString() == "\"\"", $"{path}: null became {written?.ToJsonString()}");
                return;
            case JsonArray a:
                var b = Assert.IsType<JsonArray>(written);
                Assert.True(a.Count == b.Count, $"{path}: {a.Count} items became {b.Count}");
                for (var i = 0; i < a.Count; i++) AssertEquivalent(a[i], b[i], $"{path}[{i}]");
                return;
            case JsonObject o:
                AssertObject(o, Assert.IsType<JsonObject>(written), path);
                return;
            case JsonValue v:
                var w = Assert.IsAssignableFrom<JsonValue>(written);
                if (Number(v) is { } x)
                {
                    var y = Number(w) ?? throw new Xunit.Sdk.XunitException($"{path}: number became {w.ToJsonString()}");
                    Assert.True(x.Equals(y) || Math.Abs(x - y) <= Math.Abs(x) * 1e-15, $"{path}: {x} became {y}");
                }
                else Assert.True(v.ToJsonString() == w.ToJsonString(), $"{path}: {v.ToJsonString()} became {w.ToJsonString()}");
                return;
        }
    }

    private static void AssertObject(JsonObject original, JsonObject written, string path)
    {
        var schema = original["OTIO_SCHEMA"]?.GetValue<string>();
        var expected = new Dictionary<string, JsonNode?>();
        foreach (var (k, val) in original) expected[k] = val;
        if (schema is not null)
        {
            expected["OTIO_SCHEMA"] = Renamed.GetValueOrDefault(schema, schema);
            if (schema == "Clip.1")
            {
                expected.Remove("media_reference", out var reference);
                expected["media_references"] = new JsonObject
                {
                    ["DEFAULT_MEDIA"] = reference?.DeepClone() ?? new JsonObject { ["OTIO_SCHEMA"] = "MissingReference.1" },
                };
                expected["active_media_reference_key"] = "DEFAULT_MEDIA";
            }
            Assert.Equal("OTIO_SCHEMA", written.First().Key);
        }
        foreach (var (key, value) in expected)
        {
            Assert.True(written.ContainsKey(key), $"{path}: field '{key}' was dropped");
            AssertEquivalent(value, written[key], $"{path}.{key}");
        }
        foreach (var (key, value) in written)
        {
            if (expected.ContainsKey(key)) continue;
            Assert.True(schema is not null && Defaults.TryGetValue(key, out var d) && d == (value?.ToJsonString() ?? "null"),
                $"{path}: unexpected field '{key}' = {value?.ToJsonString()}");
        }
    }

    private static double? Number(JsonValue v)
    {
        if (v.GetValueKind() != System.Text.Json.JsonValueKind.Number) return null;
        if (v.TryGetValue<double>(out var d)) return d;
        if (v.TryGetValue<long>(out var l)) return l;
        return v.GetValue<double>();
    }
}
