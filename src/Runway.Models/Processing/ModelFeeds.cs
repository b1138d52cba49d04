using Runway.Effects.Pixels;
using Runway.Models.Runtime;

namespace Runway.Models.Processing;

/// <summary>
/// Everything besides the source picture a model run may take, by tensor role. A pack that declares no tensor of a
/// role simply does not get it; a declared one with nothing given gets a neutral value (see each property).
/// </summary>
public sealed record ModelFeeds
{
    /// <summary>Mask role: hole value in the red channel; null feeds zeros (nothing masked).</summary>
    public FloatImage? Mask { get; init; }

    /// <summary>Reference role (style or fill reference), resized whole to the run; null feeds the source instead.</summary>
    public FloatImage? Reference { get; init; }

    /// <summary>Seed role: the int64 seed.</summary>
    public long Seed { get; init; }

    /// <summary>Prompt role: the text prompt (empty string when none).</summary>
    public string Prompt { get; init; } = "";

    /// <summary>State roles read their previous-frame values here and the run writes the new ones; null: zeros, discarded.</summary>
    public RecurrentSlot? State { get; init; }
}
