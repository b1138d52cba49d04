namespace Runway.Models.Packs;

/// <summary>
/// The frame-extrapolation contract (extend shot): a pack that predicts the frame k steps past a clip's end from the
/// end frame and the frames before it.
/// </summary>
/// <remarks>
/// <para>Inputs: exactly one <c>image</c> (the end frame); one or more <c>history</c> inputs, each one earlier frame laid
/// out like the image (same layout, channels and size, tiled with it), the i-th in declaration order being the frame
/// i steps before the end frame; at most one <c>step</c> (float32, shape [] or [1]) receiving k ≥ 1. A pack without a
/// step input predicts only the next frame, so it serves k = 1 and the classical engine renders the rest.</para>
/// <para>Output: one <c>image</c>, the predicted frame; the source's alpha is kept.</para>
/// <para>Separate history inputs (rather than one stacked [1, 3·N, H, W] tensor) keep every picture tensor a normal
/// 1/3/4-channel image, so encodings, tiling and draft resizing apply to each exactly as to the image input.</para>
/// </remarks>
public static class FrameExtrapolationContract
{
    /// <summary>The contract's name in model.json.</summary>
    public const string Name = "frame-extrapolation";

    /// <summary>The effect frame-extrapolation packs serve.</summary>
    public const string Effect = Runway.Effects.Definitions.ExtendShotDefinition.Id;

    /// <summary>History frames a pack takes (its history inputs).</summary>
    public static int HistoryFrames(ModelPack pack) => pack.Inputs.Count(t => t.Role == TensorRole.History);

    /// <summary>Whether the pack takes the step k (else it predicts the next frame only).</summary>
    public static bool TakesStep(ModelPack pack) => pack.Inputs.Any(t => t.Role == TensorRole.Step);

    /// <summary>What is wrong with a frame-extrapolation declaration, one message per problem (empty: valid).</summary>
    public static IEnumerable<string> Problems(IReadOnlyList<TensorDeclaration> inputs, IReadOnlyList<TensorDeclaration> outputs)
    {
        var images = inputs.Where(t => t.Role == TensorRole.Image).ToList();
        var history = inputs.Where(t => t.Role == TensorRole.History).ToList();
        if (images.Count != 1) yield return $"the {Name} contract needs exactly one 'image' input (the end frame), got {images.Count}";
        if (history.Count == 0) yield return $"the {Name} contract needs at least one 'history' input (the frame before the end frame first)";
        if (inputs.Count(t => t.Role == TensorRole.Step) > 1) yield return $"the {Name} contract takes at most one 'step' input";
        foreach (var t in inputs.Where(t => t.Role is not (TensorRole.Image or TensorRole.History or TensorRole.Step)))
            yield return $"the {Name} contract takes no input with role '{t.Role.ToString().ToLowerInvariant()}' ('{t.Name}'); allowed: image, history, step";
        if (images.Count == 1)
        {
            var image = images[0];
            foreach (var h in history)
            {
                if (h.Layout != image.Layout || h.Shape.Count != image.Shape.Count)
                    yield return $"history input '{h.Name}' must have the image input '{image.Name}''s layout and rank";
                else if (!h.Shape[h.ChannelAxis].Equals(image.Shape[image.ChannelAxis]))
                    yield return $"history input '{h.Name}' has {h.Shape[h.ChannelAxis]} channels, the image input '{image.Name}' {image.Shape[image.ChannelAxis]}; they must match";
            }
        }
        if (outputs.Count(t => t.Role == TensorRole.Image) != 1 || outputs.Any(t => t.Role != TensorRole.Image))
            yield return $"the {Name} contract has exactly one output, with role 'image' (the predicted frame)";
    }
}
