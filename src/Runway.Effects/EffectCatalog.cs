using System.Text;
using System.Text.Json;
using Runway.Effects.Definitions;
using Runway.Effects.Engines;
using Runway.Effects.Engines.Classical;
using Runway.Effects.Engines.Extend;
using Runway.Effects.Engines.Looks;
using Runway.Effects.Engines.Rotoscope;
using Runway.Effects.Engines.Style;
using Runway.Effects.Engines.Synthesis;

namespace Runway.Effects;

/// <summary>
/// Every effect this build knows, with one shared engine instance each (engines are thread-safe), and the writer of
/// <c>effects.json</c> — the file the OFX shim describes plugins from without a daemon running.
/// </summary>
public static class EffectCatalog
{
    /// <summary>Version of the effects.json layout.</summary>
    public const int SchemaVersion = 1;

    // Registration order is the order hosts list the effects in.
    private static readonly IEffect[] Engines = [new InpaintEngine(), new LearnedLookEngine(), new ExtendShotEngine(), new StyleTransferEngine(), new GenerativeFillEngine(), new RotoscopeEngine(), new PassthroughEngine()];

    private static readonly Dictionary<string, IEffect> ById = Engines.ToDictionary(e => e.Definition.Id, StringComparer.Ordinal);

    /// <summary>All definitions, visible and hidden.</summary>
    public static IReadOnlyList<EffectDefinition> All { get; } = Engines.Select(e => e.Definition).ToArray();

    /// <summary>The definitions described to hosts and listed to users (hidden ones left out).</summary>
    public static IReadOnlyList<EffectDefinition> Visible { get; } = All.Where(d => !d.Hidden).ToArray();

    /// <summary>The definition with this identifier, or null.</summary>
    public static EffectDefinition? Find(string id) => ById.TryGetValue(id, out var e) ? e.Definition : null;

    /// <summary>The (shared, thread-safe) effect with this identifier.</summary>
    /// <exception cref="ArgumentException">No effect has that identifier.</exception>
    public static IEffect Create(string id) => ById.TryGetValue(id, out var e)
        ? e
        : throw new ArgumentException($"unknown effect '{id}'; known: {string.Join(", ", ById.Keys)}", nameof(id));

    /// <summary>
    /// Writes effects.json (indented UTF-8 text, hidden effects omitted) in the schema the OFX shim reads. Per effect:
    /// id, label, group, description, version, contexts, threadSafety, identityWithoutMask, framesNeeded, optionally
    /// <c>"extends": {"framesParam", "directionParam"}</c> (only for effects with <see cref="EffectDefinition.Extends"/>;
    /// absent means the effect never renders outside its source range), clips and params (Double2D params also say what
/// their numbers mean: <c>"coordinates"</c> and <c>"defaultNormalised"</c>, see <see cref="CoordinatesName"/>), and
    /// optionally <c>"overlays"</c>: the on-screen handles of <see cref="EffectDefinition.Overlays"/> (shape, position,
    /// size, role, visibleWhen {param, values}).
    /// </summary>
    public static string ToJson()
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", SchemaVersion);
            w.WriteStartArray("effects");
            foreach (var effect in Visible) WriteEffect(w, effect);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n";
    }

    private static void WriteEffect(Utf8JsonWriter w, EffectDefinition e)
    {
        w.WriteStartObject();
        w.WriteString("id", e.Id);
        w.WriteString("label", e.Label);
        w.WriteString("group", e.Group);
        w.WriteString("description", e.Description);
        w.WriteStartObject("version");
        w.WriteNumber("major", e.VersionMajor);
        w.WriteNumber("minor", e.VersionMinor);
        w.WriteEndObject();
        w.WriteStartArray("contexts");
        foreach (var c in e.Contexts) w.WriteStringValue(c.ToString());
        w.WriteEndArray();
        w.WriteString("threadSafety", e.ThreadSafety.ToString());
        w.WriteBoolean("identityWithoutMask", e.IdentityWithoutMask);
        w.WriteStartObject("framesNeeded");
        w.WriteNumber("before", e.FramesNeeded.Before);
        w.WriteNumber("after", e.FramesNeeded.After);
        if (e.FramesNeeded.LimitParam is { } limit) w.WriteString("limitParam", limit);
        if (e.FramesNeeded.InteractiveLimit is { } interactive) w.WriteNumber("interactiveLimit", interactive);
        w.WriteEndObject();
        // Only effects that make frames outside their source range carry "extends"; the shim reads its absence as "no".
        if (e.Extends is { } extends)
        {
            w.WriteStartObject("extends");
            w.WriteString("framesParam", extends.FramesParam);
            w.WriteString("directionParam", extends.DirectionParam);
            w.WriteEndObject();
        }

        w.WriteStartArray("clips");
        foreach (var clip in e.Clips)
        {
            w.WriteStartObject();
            w.WriteString("name", clip.Name);
            w.WriteString("label", clip.Label);
            w.WriteBoolean("optional", clip.Optional);
            w.WriteBoolean("isMask", clip.IsMask);
            w.WriteStartArray("components");
            foreach (var comp in clip.Components) w.WriteStringValue(comp);
            w.WriteEndArray();
            w.WriteString("hint", clip.Hint);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("params");
        foreach (var p in e.Params) WriteParam(w, p);
        w.WriteEndArray();
        // Only effects with on-screen handles carry "overlays"; the shim offers no overlay interact without it.
        if (e.Overlays is { Count: > 0 } overlays)
        {
            w.WriteStartArray("overlays");
            foreach (var o in overlays) WriteOverlay(w, o);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteOverlay(Utf8JsonWriter w, OverlayHandle o)
    {
        w.WriteStartObject();
        w.WriteString("shape", o.Shape.ToString().ToLowerInvariant());
        w.WriteString("position", o.PositionParam);
        if (o.SizeParam is { } size) w.WriteString("size", size);
        w.WriteString("role", o.Role.ToString().ToLowerInvariant());
        if (o.VisibleWhen is { } when)
        {
            w.WriteStartObject("visibleWhen");
            w.WriteString("param", when.Param);
            w.WriteStartArray("values");
            foreach (var v in when.Values) w.WriteStringValue(v);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteParam(Utf8JsonWriter w, ParamDefinition p)
    {
        w.WriteStartObject();
        w.WriteString("name", p.Name);
        w.WriteString("label", p.Label);
        w.WriteString("kind", KindName(p.Kind));
        w.WriteString("hint", p.Hint);
        w.WritePropertyName("default");
        WriteValue(w, p.Default);
        WriteOptionalNumber(w, "min", p.Min);
        WriteOptionalNumber(w, "max", p.Max);
        WriteOptionalNumber(w, "displayMin", p.DisplayMin);
        WriteOptionalNumber(w, "displayMax", p.DisplayMax);
        if (p.Kind == ParamKind.Choice)
        {
            w.WriteStartArray("options");
            foreach (var o in p.Options ?? [])
            {
                w.WriteStartObject();
                w.WriteString("value", o.Value);
                w.WriteString("label", o.Label);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteBoolean("spatial", p.Spatial);
        if (p.Kind == ParamKind.Double2D)
        {
            w.WriteString("coordinates", CoordinatesName(p.Coordinates));
            if (p.NormalisedDefault is { } normalised)
            {
                w.WritePropertyName("defaultNormalised");
                WriteValue(w, normalised);
            }
        }
        w.WriteBoolean("animates", p.Animates);
        w.WriteString("page", p.Page);
        w.WriteEndObject();
    }

    /// <summary>The "kind" string of effects.json for a param kind.</summary>
    public static string KindName(ParamKind kind) => kind switch
    {
        ParamKind.Double => "double",
        ParamKind.Integer => "integer",
        ParamKind.Boolean => "boolean",
        ParamKind.Choice => "choice",
        ParamKind.String => "string",
        ParamKind.Double2D => "double2d",
        ParamKind.Rgba => "rgba",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown param kind"),
    };

    /// <summary>
    /// The "coordinates" string of effects.json for a Double2D param: "plain", "position" or "size". Double2D params
    /// also carry "defaultNormalised" ([x, y] fractions of the default frame, top-left origin) unless plain.
    /// </summary>
    public static string CoordinatesName(ParamCoordinates coordinates) => coordinates switch
    {
        ParamCoordinates.Plain => "plain",
        ParamCoordinates.Position => "position",
        ParamCoordinates.Size => "size",
        _ => throw new ArgumentOutOfRangeException(nameof(coordinates), coordinates, "unknown param coordinates"),
    };

    private static void WriteOptionalNumber(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
    }

    private static void WriteValue(Utf8JsonWriter w, object value)
    {
        switch (value)
        {
            case bool b: w.WriteBooleanValue(b); break;
            case string s: w.WriteStringValue(s); break;
            case double d: w.WriteNumberValue(d); break;
            case float f: w.WriteNumberValue(f); break;
            case long l: w.WriteNumberValue(l); break;
            case int i: w.WriteNumberValue(i); break;
            case double[] arr:
                w.WriteStartArray();
                foreach (var d in arr) w.WriteNumberValue(d);
                w.WriteEndArray();
                break;
            default: throw new InvalidOperationException($"param default of type {value.GetType().Name} has no JSON form");
        }
    }
}
