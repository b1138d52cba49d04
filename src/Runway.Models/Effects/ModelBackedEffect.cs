using OpenCvSharp;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Pixels;
using Runway.Models.Packs;
using Runway.Models.Runtime;

namespace Runway.Models.Effects;

/// <summary>
/// An effect that renders with the best usable model pack for it and falls back to its classical engine when there is
/// none, when the pack cannot load, or when a run fails. The daemon registers every catalog effect wrapped in this;
/// the engine that actually rendered is the result's <see cref="EffectResult.Engine"/> (e.g.
/// <c>onnx/inpaint-fill@0.1.0 (cpu)</c>), so it shows in RenderInfo and Stats.
/// </summary>
public sealed class ModelBackedEffect(IEffect fallback, ModelRegistry registry, Action<string>? log = null) : IEffect
{
    /// <summary>Prefix of the engine name of model renders.</summary>
    public const string EnginePrefix = "onnx/";

    public EffectDefinition Definition => fallback.Definition;

    /// <summary>The classical engine used when no pack serves.</summary>
    public IEffect Fallback => fallback;

    public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
    {
        if (!registry.Serves(Definition.Id)) return fallback.Render(frame, cancellationToken);
        // The inpaint contract with no mask (or an empty one) is the identity; the classical engine says so cheaply.
        if (Definition.Id == InpaintDefinition.Id && frame.Mask is null) return fallback.Render(frame, cancellationToken);

        var failures = new List<string>();
        using var lease = registry.AcquireBest(Definition.Id, failures, cancellationToken);
        if (lease is null) return FallBack(frame, failures, cancellationToken);
        var pack = lease.Pack;
        try
        {
            var notes = new List<string>();
            if (pack.Contract == "inpaint")
            {
                if (!RenderInpaint(lease.Model, frame, cancellationToken))
                    return fallback.Render(frame, cancellationToken);
            }
            else
            {
                lease.Model.Run(frame.Source, frame.Mask, frame.Output, cancellationToken);
            }
            if (pack.Recurrent.Count > 0) notes.Add("recurrent state is not carried between frames yet: every frame starts from zero state");
            if (!pack.Licence.CommercialUse) notes.Add($"model licence {pack.Licence.Spdx}: not for commercial use");
            return new EffectResult(EngineName(lease.Model), notes);
        }
        catch (Exception e) when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException or ModelException)
        {
            log?.Invoke($"model pack '{pack.Id}' failed on a {frame.Source.Width}x{frame.Source.Height} frame: {e.Message}; classical engine used");
            return FallBack(frame, [$"model pack '{pack.Id}' failed: {e.Message}"], cancellationToken);
        }
    }

    /// <summary>The engine name a render by <paramref name="model"/> reports.</summary>
    public static string EngineName(ResidentModel model) => $"{EnginePrefix}{model.Pack.Id}@{model.Pack.Version} ({model.Provider})";

    private EffectResult FallBack(EffectFrame frame, List<string> why, CancellationToken ct)
    {
        var result = fallback.Render(frame, ct);
        return result with { Notes = [.. why.Select(w => $"{w}; classical engine used"), .. result.Notes] };
    }

    /// <summary>
    /// Inpaint contract: the hole (mask channel over threshold, optionally inverted, grown by dilate) goes to the
    /// model's mask input as 1; the model's picture replaces the source inside the hole only, so every pixel outside
    /// stays the source bit for bit. False when the hole is empty (the caller returns the source).
    /// </summary>
    private static bool RenderInpaint(ResidentModel model, EffectFrame frame, CancellationToken ct)
    {
        var source = frame.Source;
        var p = frame.Params;
        var scale = frame.RenderScale > 0 && double.IsFinite(frame.RenderScale) ? frame.RenderScale : 1.0;
        using var hole = new FloatImage(source.Width, source.Height);
        if (!BuildHole(frame.Mask!, hole, p.Choice(InpaintDefinition.ParamMaskChannel), (float)p.Double(InpaintDefinition.ParamMaskThreshold),
                p.Boolean(InpaintDefinition.ParamInvertMask), (int)Math.Round(p.Double(InpaintDefinition.ParamDilate) * scale)))
            return false;
        model.Run(source, hole, frame.Output, ct);
        var src = source.Pixels;
        var dst = frame.Output.Pixels;
        var h = hole.Pixels;
        for (var i = 0; i < src.Length; i += 4)
        {
            if (h[i] < 0.5f) src.Slice(i, 4).CopyTo(dst.Slice(i, 4));
            else dst[i + 3] = src[i + 3];
        }
        return true;
    }

    /// <summary>Writes the binary hole into every colour channel of <paramref name="hole"/>; false when it is empty.</summary>
    internal static unsafe bool BuildHole(FloatImage mask, FloatImage hole, string channel, float threshold, bool invert, int dilate)
    {
        var m = mask.Pixels;
        var useAlpha = channel == InpaintDefinition.MaskChannelAlpha
            || (channel == InpaintDefinition.MaskChannelAuto && AlphaVaries(m));
        using var bytes = new Mat(mask.Height, mask.Width, MatType.CV_8UC1);
        var plane = new Span<byte>(bytes.DataPointer, mask.Width * mask.Height);
        var any = false;
        for (int i = 0, p = 0; p < plane.Length; i += 4, p++)
        {
            var v = useAlpha ? m[i + 3] : 0.2126f * m[i] + 0.7152f * m[i + 1] + 0.0722f * m[i + 2];
            var inHole = (v > threshold) != invert;
            plane[p] = inHole ? (byte)255 : (byte)0;
            any |= inHole;
        }
        if (!any) return false;
        if (dilate > 0)
        {
            using var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * dilate + 1, 2 * dilate + 1));
            Cv2.Dilate(bytes, bytes, kernel);
        }
        var h = hole.Pixels;
        for (int i = 0, p = 0; p < plane.Length; i += 4, p++)
        {
            var v = plane[p] != 0 ? 1f : 0f;
            h[i] = v;
            h[i + 1] = v;
            h[i + 2] = v;
            h[i + 3] = 1f;
        }
        return true;
    }

    private static bool AlphaVaries(ReadOnlySpan<float> m)
    {
        var first = m[3];
        for (var i = 7; i < m.Length; i += 4)
        {
            if (m[i] != first) return true;
        }
        return false;
    }
}
