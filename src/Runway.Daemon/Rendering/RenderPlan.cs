using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Pixels;

namespace Runway.Daemon.Rendering;

/// <summary>Queue a render waits in; lower values are served first.</summary>
internal enum RenderClass { Interactive = 0, Final = 1, Batch = 2 }

/// <summary>
/// A request that passed every check that needs no pixels: the effect exists, params are bound, every frame layout
/// is usable and within limits, sizes agree. Built by <see cref="FrameRenderer.Plan"/> before any slot is touched.
/// </summary>
internal sealed record RenderPlan(
    EffectDefinition Effect,
    IEffect Engine,
    ParamSet Params,
    PixelLayout Source,
    PixelLayout? Mask,
    PixelLayout Output,
    double Time,
    double RenderScale,
    bool Interactive,
    RenderClass Class,
    string InstanceId,
    bool ByteCopy)
{
    /// <summary>Neighbouring frames of a temporal render, in request order (empty for most renders).</summary>
    public IReadOnlyList<NeighbourLayout> Neighbours { get; init; } = [];

    /// <summary>The effect's other named input clips, in request order (empty for most renders).</summary>
    public IReadOnlyList<ClipLayout> Clips { get; init; } = [];

    /// <summary>The Source clip's frame range when the client sent one.</summary>
    public ClipRange? SourceRange { get; init; }
}

/// <summary>Layout of one named input clip (any size: a reference need not match the source).</summary>
internal sealed record ClipLayout(string Name, PixelLayout Layout);

/// <summary>Layouts of one neighbouring frame: its time, source and mask (null when none was sent).</summary>
internal sealed record NeighbourLayout(double Time, PixelLayout Source, PixelLayout? Mask);

/// <summary>Bytes of one neighbouring frame for a render; the mask is empty when none was sent.</summary>
internal readonly record struct NeighbourPixels(PixelBuffer Source, PixelBuffer Mask);
