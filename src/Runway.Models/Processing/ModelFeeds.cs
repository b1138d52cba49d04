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

    /// <summary>
    /// Points and labels roles: point prompts in pixels of the picture given to the run (origin at its top-left corner),
    /// subject points first; mapped to the model input's pixels by the runner. Empty: one padding point labelled −1.
    /// </summary>
    public IReadOnlyList<PromptPoint> Points { get; init; } = [];

    /// <summary>Box role: a box prompt in pixels of the picture given to the run; null feeds the whole picture.</summary>
    public PromptBox? Box { get; init; }

    /// <summary>
    /// History role (frame-extrapolation): earlier frames at the source's size, nearest first; the i-th history input
    /// gets <c>History[i]</c>, tiled and encoded like the source. A missing one is fed the source (no motion).
    /// </summary>
    public IReadOnlyList<FloatImage> History { get; init; } = [];

    /// <summary>Step role (frame-extrapolation): frames past the end frame to predict.</summary>
    public float Step { get; init; } = 1f;
}

/// <summary>A point prompt in picture pixels; <paramref name="Subject"/> false marks background (label 0).</summary>
public readonly record struct PromptPoint(float X, float Y, bool Subject);

/// <summary>A box prompt in picture pixels: left, top, right, bottom edges.</summary>
public readonly record struct PromptBox(float X0, float Y0, float X1, float Y1);
