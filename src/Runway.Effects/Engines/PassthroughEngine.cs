using Runway.Effects.Definitions;

namespace Runway.Effects.Engines;

/// <summary>
/// Copies Source to Output. The daemon short-circuits this effect at the byte level when input and output layouts
/// match; this engine is the general fallback (e.g. when the output format differs from the input's).
/// </summary>
public sealed class PassthroughEngine : IEffect
{
    /// <summary>Engine name reported in results.</summary>
    public const string Name = "passthrough";

    public EffectDefinition Definition => PassthroughDefinition.Definition;

    public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        frame.Source.CopyTo(frame.Output);
        return EffectResult.From(Name);
    }
}
