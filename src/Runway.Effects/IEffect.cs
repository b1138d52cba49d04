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
