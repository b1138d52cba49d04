using Runway.Client.Pixels;
using Runway.Protocol.V1;

namespace Runway.Client;

/// <summary>What to render, apart from the images (which are passed alongside as host or managed images).</summary>
/// <param name="EffectId">Effect identifier, e.g. "com.runwayml.inpaint".</param>
public sealed record RenderRequest(string EffectId)
{
    /// <summary>Stable id of the plugin instance or CLI job (per-clip temporal state); null = none.</summary>
    public string? InstanceId { get; init; }

    /// <summary>Frame time in the host's units.</summary>
    public double Time { get; init; }

    /// <summary>Pixels to write in the output image (render window); null = the output's bounds.</summary>
    public PixelRect? Window { get; init; }

    /// <summary>Host render scale, x.</summary>
    public double RenderScaleX { get; init; } = 1;

    /// <summary>Host render scale, y.</summary>
    public double RenderScaleY { get; init; } = 1;

    /// <summary>Pixel aspect ratio (0 is read as 1).</summary>
    public double PixelAspect { get; init; } = 1;

    /// <summary>Interactive or draft render; also implied by a render scale below 1.</summary>
    public bool Interactive { get; init; }

    /// <summary>Effect parameters by name; build values with <see cref="RunwayParams"/>.</summary>
    public IReadOnlyDictionary<string, ParamValue>? Params { get; init; }

    /// <summary>The host's unique id of the source image, used by the daemon's cache; null = none.</summary>
    public string? SourceContentId { get; init; }

    /// <summary>Limit for this render; null = <see cref="RunwayClientOptions.RenderTimeout"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Frame transport for this render; null = <see cref="RunwayClientOptions.Transport"/>.</summary>
    public FrameTransport? Transport { get; init; }

    /// <summary>
    /// Source (and mask) frames at other times for temporal effects (the effect's frames needed); empty for most
    /// renders. Each is laid out like the source: aligned to the source's bounds, zero where it has no pixels.
    /// </summary>
    public IReadOnlyList<NeighbourFrame> Neighbours { get; init; } = [];

    /// <summary>
    /// The effect's other input clips at <see cref="Time"/> (e.g. "Reference"), by the clip names its definition
    /// declares; never "Source" or "Mask". Each is sent whole at its own size: a reference need not match the source.
    /// </summary>
    public IReadOnlyList<NamedClip> Clips { get; init; } = [];

    /// <summary>First and last frame times of the Source clip, when known; null for a still.</summary>
    public ClipFrameRange? SourceRange { get; init; }
}

/// <summary>One named input clip's frame (e.g. "Reference"), sent at its own size.</summary>
/// <param name="Name">Clip name as the effect's definition declares it.</param>
/// <param name="Image">The clip's image; the same components, depth and alpha as any host image.</param>
public sealed record NamedClip(string Name, HostImage Image);

/// <summary>First and last frame times of a clip, inclusive, in the host's units.</summary>
public sealed record ClipFrameRange(double First, double Last);

/// <summary>A source frame at another time, with the mask at that time when a mask is connected.</summary>
/// <param name="Time">Frame time in the host's units.</param>
/// <param name="Source">The source image at that time; the same components, depth and alpha as any host image.</param>
/// <param name="Mask">The mask at that time, or null.</param>
public sealed record NeighbourFrame(double Time, HostImage Source, HostImage? Mask);

/// <summary>What the daemon reported about a finished render.</summary>
/// <param name="Output">The layout the daemon wrote the result in (source-sized).</param>
/// <param name="Info">Engine, timings, cache hit, notes.</param>
/// <param name="Elapsed">Wall time of the whole call on the client, copies included.</param>
public sealed record RenderResult(FrameDescriptor Output, RenderInfo Info, TimeSpan Elapsed);

/// <summary>Typed parameter values for <see cref="RenderRequest.Params"/>.</summary>
public static class RunwayParams
{
    /// <summary>A double param.</summary>
    public static ParamValue Double(double value) => new() { DoubleValue = value };

    /// <summary>An integer param.</summary>
    public static ParamValue Int(long value) => new() { IntValue = value };

    /// <summary>A boolean param.</summary>
    public static ParamValue Bool(bool value) => new() { BoolValue = value };

    /// <summary>A string or choice param (choices by option value).</summary>
    public static ParamValue String(string value) => new() { StringValue = value };

    /// <summary>A 2D/RGB/RGBA param.</summary>
    public static ParamValue Doubles(params double[] values)
    {
        var list = new DoubleList();
        list.Values.Add(values);
        return new ParamValue { Doubles = list };
    }

    /// <summary>
    /// The wire value of a raw param value as bound params hold it (double, long/int, bool, string, double[]).
    /// </summary>
    /// <exception cref="ArgumentException">The value is of none of those types.</exception>
    public static ParamValue From(object raw) => raw switch
    {
        double d => Double(d),
        long l => Int(l),
        int i => Int(i),
        bool b => Bool(b),
        string s => String(s),
        double[] a => Doubles(a),
        _ => throw new ArgumentException($"unsupported param value {raw} ({raw.GetType().Name})", nameof(raw)),
    };

    /// <summary>
    /// Parses "value" text for a param as the CLI's --set gives it: true/false, integers, numbers,
    /// comma-separated numbers, else a string.
    /// </summary>
    public static ParamValue Parse(string text)
    {
        var t = text.Trim();
        if (bool.TryParse(t, out var b)) return Bool(b);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (long.TryParse(t, System.Globalization.NumberStyles.Integer, inv, out var l)) return Int(l);
        if (double.TryParse(t, System.Globalization.NumberStyles.Float, inv, out var d)) return Double(d);
        var parts = t.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length is >= 2 and <= 4)
        {
            var values = new double[parts.Length];
            var ok = true;
            for (var i = 0; i < parts.Length && ok; i++)
                ok = double.TryParse(parts[i], System.Globalization.NumberStyles.Float, inv, out values[i]);
            if (ok) return Doubles(values);
        }
        return String(text);
    }
}
