using Runway.Effects.Definitions;
using Runway.Effects.Pixels;

namespace Runway.Effects;

/// <summary>Everything an engine needs to render one frame. Images are owned by the caller.</summary>
/// <param name="Source">Source frame, working format (see <see cref="FloatImage"/>).</param>
/// <param name="Mask">Mask clip frame in working format, or null when none is connected.</param>
/// <param name="Output">Destination, same size as <paramref name="Source"/>; the engine writes every pixel.</param>
/// <param name="RenderScale">Host render scale (1 = full resolution); spatial params are multiplied by it.</param>
/// <param name="Interactive">Interactive/draft request: engines take their fast path.</param>
/// <param name="InstanceId">Plugin instance or job, for per-clip temporal state.</param>
public sealed record EffectFrame(
    FloatImage Source,
    FloatImage? Mask,
    FloatImage Output,
    ParamSet Params,
    double Time,
    double RenderScale,
    bool Interactive,
    string InstanceId)
{
    /// <summary>
    /// Source (and mask) frames at other times, as the effect's frames-needed asked for them; empty when the caller
    /// has none (a still, or a host that sends only the current frame). Same size and working format as
    /// <see cref="Source"/>; owned by the caller. Order carries no meaning: engines sort by time themselves, so a
    /// render never depends on the order frames were fetched in.
    /// </summary>
    public IReadOnlyList<TimedImage> Neighbours { get; init; } = [];

    /// <summary>
    /// The effect's other input clips at the render time (e.g. "Reference"), keyed by <see cref="ClipDefinition.Name"/>;
    /// a clip that is not connected is absent. Source and Mask are never in here. Working format, any size (a reference
    /// need not match the source); owned by the caller.
    /// </summary>
    public IReadOnlyDictionary<string, FloatImage> Clips { get; init; } = EmptyClips;

    /// <summary>
    /// First and last frame times of the Source clip, when the caller knows them (hosts do; a still does not). Effects
    /// that extend a clip (<see cref="EffectDefinition.Extends"/>) are rendered at times outside this range.
    /// </summary>
    public ClipRange? SourceRange { get; init; }

    private static readonly IReadOnlyDictionary<string, FloatImage> EmptyClips = new Dictionary<string, FloatImage>();
}

/// <summary>First and last frame times of a clip, inclusive, in the host's time units (frames).</summary>
public sealed record ClipRange(double First, double Last)
{
    /// <summary>Whether <paramref name="time"/> lies inside the range.</summary>
    public bool Contains(double time) => time >= First && time <= Last;
}

/// <summary>A source frame at another time, with its mask frame when the Mask clip is connected.</summary>
/// <param name="Time">Frame time in the host's units (the same units as <see cref="EffectFrame.Time"/>).</param>
/// <param name="Source">Source at that time, working format.</param>
/// <param name="Mask">Mask at that time, or null when no mask is connected.</param>
public sealed record TimedImage(double Time, FloatImage Source, FloatImage? Mask);

/// <summary>What an engine reports about a render.</summary>
/// <param name="Engine">Engine that produced the frame, e.g. "classical/opencv".</param>
/// <param name="Notes">Human notes for the result metadata, e.g. "mask empty: source returned".</param>
public sealed record EffectResult(string Engine, IReadOnlyList<string> Notes)
{
    public static EffectResult From(string engine, params string[] notes) => new(engine, notes);
}

/// <summary>An effect: its definition and the engine that renders it. Implementations are thread-safe.</summary>
public interface IEffect
{
    EffectDefinition Definition { get; }

    /// <summary>Renders <see cref="EffectFrame.Output"/>; throws <see cref="OperationCanceledException"/> when cancelled.</summary>
    EffectResult Render(EffectFrame frame, CancellationToken cancellationToken);
}
