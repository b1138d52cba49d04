using System.Text.Json.Nodes;
using Runway.Timeline.Schema;

namespace Runway.Timeline.Serialization;

using Timeline = Runway.Timeline.Schema.Timeline;

/// <summary>
/// Every schema this library knows, with the version it writes, the newest version it can read, legacy aliases and
/// the version steps, all as data in one place. Step N turns version N−1 into N (an upgrade) and is applied only when
/// file version &lt; N ≤ written version; a step keyed by a version above the written one turns N into N−1 (a
/// downgrade used to read a newer version this library understands).
/// </summary>
internal static class SchemaTable
{
    internal sealed record Entry(int WriteVersion, int MaxReadVersion, Func<OtioObject> Create);

    internal static readonly IReadOnlyDictionary<string, Entry> Schemas = new Dictionary<string, Entry>(StringComparer.Ordinal)
    {
        [Timeline.Schema] = new(Timeline.Version, Timeline.Version, () => new Timeline()),
        [Stack.Schema] = new(Stack.Version, Stack.Version, () => new Stack()),
        [Track.Schema] = new(Track.Version, Track.Version, () => new Track()),
        [Clip.Schema] = new(Clip.Version, Clip.Version, () => new Clip()),
        [Gap.Schema] = new(Gap.Version, Gap.Version, () => new Gap()),
        [Transition.Schema] = new(Transition.Version, Transition.Version, () => new Transition()),
        [SerializableCollection.Schema] = new(SerializableCollection.Version, SerializableCollection.Version, () => new SerializableCollection()),
        [ExternalReference.Schema] = new(ExternalReference.Version, ExternalReference.Version, () => new ExternalReference()),
        [MissingReference.Schema] = new(MissingReference.Version, MissingReference.Version, () => new MissingReference()),
        [GeneratorReference.Schema] = new(GeneratorReference.Version, GeneratorReference.Version, () => new GeneratorReference()),
        [ImageSequenceReference.Schema] = new(ImageSequenceReference.Version, ImageSequenceReference.Version, () => new ImageSequenceReference()),
        [Marker.Schema] = new(Marker.Version, 3, () => new Marker()),
        [Effect.Schema] = new(Effect.Version, Effect.Version, () => new Effect()),
        [LinearTimeWarp.Schema] = new(LinearTimeWarp.Version, LinearTimeWarp.Version, () => new LinearTimeWarp()),
        [FreezeFrame.Schema] = new(FreezeFrame.Version, FreezeFrame.Version, () => new FreezeFrame()),
    };

    /// <summary>Old names OTIO still reads, as "Name.N" → current name (same version).</summary>
    internal static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Filler"] = Gap.Schema,
        ["Sequence"] = Track.Schema,
        ["SerializeableCollection"] = SerializableCollection.Schema,
    };

    /// <summary>Value types (no metadata) and the one version each has.</summary>
    internal static readonly IReadOnlyDictionary<string, int> ValueTypes = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["RationalTime"] = 1, ["TimeRange"] = 1, ["TimeTransform"] = 1, ["Color"] = 1, ["V2d"] = 1, ["Box2d"] = 1,
    };

    /// <summary>Version steps: (schema, N) → edit of the raw fields.</summary>
    internal static readonly IReadOnlyDictionary<(string Schema, int Version), Action<JsonObject>> Steps =
        new Dictionary<(string, int), Action<JsonObject>>
        {
            // Clip 1 → 2: the single reference moves under DEFAULT_MEDIA.
            [(Clip.Schema, 2)] = fields =>
            {
                var reference = Take(fields, "media_reference");
                fields["media_references"] = new JsonObject { [Clip.DefaultMediaKey] = reference };
                fields["active_media_reference_key"] = Clip.DefaultMediaKey;
            },
            // Marker 1 → 2: range is renamed marked_range.
            [(Marker.Schema, 2)] = fields =>
            {
                if (fields.ContainsKey("range")) fields["marked_range"] = Take(fields, "range");
            },
            // Marker 3 → 2 (downgrade on read): a Color.1 colour becomes the nearest marker colour name.
            [(Marker.Schema, 3)] = fields =>
            {
                if (Take(fields, "color") is JsonObject color) fields["color"] = MarkerColorName(color);
                else fields["color"] = "RED";
            },
        };

    private static JsonNode? Take(JsonObject fields, string key)
    {
        fields.TryGetPropertyValue(key, out var value);
        fields.Remove(key);
        return value;
    }

    private static readonly (string Name, double R, double G, double B)[] MarkerPalette =
    [
        ("PINK", 1, 0.75, 0.8), ("RED", 1, 0, 0), ("ORANGE", 1, 0.65, 0), ("YELLOW", 1, 1, 0), ("GREEN", 0, 1, 0),
        ("CYAN", 0, 1, 1), ("BLUE", 0, 0, 1), ("PURPLE", 0.5, 0, 0.5), ("MAGENTA", 1, 0, 1), ("BLACK", 0, 0, 0),
        ("WHITE", 1, 1, 1),
    ];

    private static string MarkerColorName(JsonObject color)
    {
        var name = color["name"] is JsonValue n && n.TryGetValue<string>(out var s) ? s.ToUpperInvariant() : "";
        if (Marker.ColorNames.Contains(name)) return name;
        double Channel(string key) => color[key] is JsonValue v && (v.TryGetValue<double>(out var d) || (v.TryGetValue<long>(out var l) && (d = l) == d)) ? d : 0;
        var (r, g, b) = (Channel("r"), Channel("g"), Channel("b"));
        return MarkerPalette.MinBy(p => (p.R - r) * (p.R - r) + (p.G - g) * (p.G - g) + (p.B - b) * (p.B - b)).Name;
    }
}
