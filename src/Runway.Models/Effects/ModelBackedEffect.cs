using OpenCvSharp;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Rotoscope;
using Runway.Effects.Pixels;
using Runway.Models.Packs;
using Runway.Models.Processing;
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
        if ((Definition.Id is InpaintDefinition.Id or ModelContracts.GenerativeFillEffect) && frame.Mask is null) return fallback.Render(frame, cancellationToken);

        var failures = new List<string>();
        using var lease = registry.AcquireBest(Definition.Id, failures, cancellationToken);
        if (lease is null) return FallBack(frame, failures, cancellationToken);
        var pack = lease.Pack;
        RecurrentSlot? slot = null;
        var fingerprint = "";
        try
        {
            var notes = new List<string>();
            frame.Clips.TryGetValue(ModelContracts.ReferenceClip, out var reference);
            if (pack.Contract == ModelContracts.StyleArbitrary && reference is null)
                return FallBack(frame, [$"model pack '{pack.Id}' ({pack.Contract}) needs the {ModelContracts.ReferenceClip} clip connected"], cancellationToken);
            if (pack.Contract is ModelContracts.SalientMatte or ModelContracts.VideoMatting && Hints(frame) is { } hints)
                return FallBack(frame, [$"rotoscope hints given ({hints}): the classical engine follows them; model pack '{pack.Id}' mattes hint-less shots only"], cancellationToken);
            if (pack.Recurrent.Count > 0)
            {
                fingerprint = Fingerprint(frame);
                slot = registry.States.Take(pack.Id, frame.InstanceId, frame.Time, fingerprint);
                notes.Add(slot.ResetReason is { } why ? $"recurrent state reset ({why})"
                    : slot.Frames == 0 ? "recurrent state starts from zeros (first frame of this instance)"
                    : $"recurrent state carried from frame {slot.Time.ToString(System.Globalization.CultureInfo.InvariantCulture)} ({slot.Frames} frame(s) since reset)");
            }
            var feeds = new ModelFeeds { Mask = frame.Mask, Reference = reference, Seed = Seed(frame.Params), Prompt = Prompt(frame.Params), State = slot };
            switch (pack.Contract)
            {
                case ModelContracts.Inpaint or ModelContracts.GenerativeFill:
                    if (!RenderInpaint(lease.Model, frame, feeds, cancellationToken))
                        return fallback.Render(frame, cancellationToken);
                    break;
                default:
                    // salient-matte / video-matting: the picture is the source (or the model's foreground) and the matte
                    // is the alpha; style-* and contract-less packs: the model's picture. ImageRunner composes both.
                    lease.Model.RunWith(frame.Source, feeds, frame.Output, cancellationToken);
                    break;
            }
            if (pack.Contract is ModelContracts.SalientMatte or ModelContracts.VideoMatting)
                notes.Add(FinishMatte(frame, cancellationToken));
            if (slot is not null)
            {
                registry.States.Return(slot, frame.Time, fingerprint);
                slot = null;
            }
            if (!pack.Licence.CommercialUse) notes.Add($"model licence {pack.Licence.Spdx}: not for commercial use");
            return new EffectResult(EngineName(lease.Model), notes);
        }
        catch (Exception e) when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException or ModelException)
        {
            log?.Invoke($"model pack '{pack.Id}' failed on a {frame.Source.Width}x{frame.Source.Height} frame: {e.Message}; classical engine used");
            return FallBack(frame, [$"model pack '{pack.Id}' failed: {e.Message}"], cancellationToken);
        }
    }

    /// <summary>The rotoscope hints a frame carries (mask clip, rectangle, points), or null when it has none.</summary>
    private static string? Hints(EffectFrame frame)
    {
        var p = frame.Params;
        bool On(string name) => p.Definition.Params.Any(d => d.Name == name && d.Kind == ParamKind.Boolean) && p.Boolean(name);
        var given = new List<string>();
        if (frame.Mask is not null) given.Add("mask clip");
        if (On(RotoscopeDefinition.ParamUseRect)) given.Add("rectangle");
        for (var i = 1; i <= RotoscopeDefinition.PointCount; i++)
        {
            if (On(RotoscopeDefinition.ParamPositiveEnable(i)) || On(RotoscopeDefinition.ParamNegativeEnable(i)))
            {
                given.Add("points");
                break;
            }
        }
        return given.Count == 0 ? null : string.Join(", ", given);
    }

    /// <summary>
    /// The model's matte (now the output's alpha) replaces the rotoscope's hint-less matte: when the effect has the
    /// rotoscope's finishing params, its edge refine, choke, feather, hold-out and output mode apply through the
    /// rotoscope's own <see cref="MatteRefiner"/> (no colour re-fit: the model's contour is kept).
    /// </summary>
    private static string FinishMatte(EffectFrame frame, CancellationToken ct)
    {
        var p = frame.Params;
        bool Has(string name) => p.Definition.Params.Any(d => d.Name == name);
        if (!Has(RotoscopeDefinition.ParamChoke) || !Has(RotoscopeDefinition.ParamHoldOut))
            return "model matte written to alpha (straight); this effect has no matte finishing params";
        var source = frame.Source;
        var pixels = source.Width * source.Height;
        var probability = System.Buffers.ArrayPool<float>.Shared.Rent(pixels);
        var matte = System.Buffers.ArrayPool<float>.Shared.Rent(pixels);
        try
        {
            var o = frame.Output.Pixels;
            var s = source.Pixels;
            // Alpha is matte × source alpha; dividing it back out keeps semi-transparent sources from shrinking the matte.
            for (var i = 0; i < pixels; i++) probability[i] = s[i * 4 + 3] > 0 ? Math.Clamp(o[i * 4 + 3] / s[i * 4 + 3], 0f, 1f) : 0f;
            var scale = frame.RenderScale > 0 && double.IsFinite(frame.RenderScale) ? frame.RenderScale : 1.0;
            var settings = new MatteRefineSettings(
                ColourModel: false,
                EdgeRadius: Has(RotoscopeDefinition.ParamRefineRadius) ? p.Double(RotoscopeDefinition.ParamRefineRadius) * scale : 0,
                Choke: p.Double(RotoscopeDefinition.ParamChoke) * scale,
                Feather: Has(RotoscopeDefinition.ParamFeather) ? p.Double(RotoscopeDefinition.ParamFeather) * scale : 0);
            MatteRefiner.Refine(source, probability.AsSpan(0, pixels), source.Width, source.Height, settings, matte.AsSpan(0, pixels), ct);
            var asLuminance = Has(RotoscopeDefinition.ParamOutput) && p.Choice(RotoscopeDefinition.ParamOutput) == RotoscopeDefinition.OutputMatte;
            MatteRefiner.Write(source, matte.AsSpan(0, pixels), p.Boolean(RotoscopeDefinition.ParamHoldOut), asLuminance, frame.Output);
            return FormattableString.Invariant($"model matte finished by the rotoscope refiner (edge radius {settings.EdgeRadius:0.#} px, choke {settings.Choke:0.#} px, feather {settings.Feather:0.#} px{(p.Boolean(RotoscopeDefinition.ParamHoldOut) ? ", hold-out" : "")})");
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(probability);
            System.Buffers.ArrayPool<float>.Shared.Return(matte);
        }
    }

    /// <summary>Params and frame size: recurrent state made under other ones must not carry over.</summary>
    private static string Fingerprint(EffectFrame frame) =>
        string.Join("|", frame.Params.All.Select(kv => $"{kv.Key}={Format(kv.Value)}").Prepend($"{frame.Source.Width}x{frame.Source.Height}"));

    private static string Format(object value) => value switch
    {
        double[] a => string.Join(",", a.Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture))),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>The effect's "seed" param when it has one (generative effects), else 0.</summary>
    private static long Seed(ParamSet p) => p.Definition.Params.Any(d => d.Name == SeedParam) ? p.Integer(SeedParam) : 0;

    /// <summary>The effect's "prompt" param when it has one, else empty.</summary>
    private static string Prompt(ParamSet p) => p.Definition.Params.Any(d => d.Name == PromptParam) ? p.String(PromptParam) : "";

    /// <summary>Param name a seed tensor is read from (generative fill's).</summary>
    public const string SeedParam = GenerativeFillDefinition.ParamSeed;

    /// <summary>Param name a prompt tensor is read from (generative fill's).</summary>
    public const string PromptParam = GenerativeFillDefinition.ParamPrompt;

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
    private static bool RenderInpaint(ResidentModel model, EffectFrame frame, ModelFeeds feeds, CancellationToken ct)
    {
        var source = frame.Source;
        var p = frame.Params;
        var scale = frame.RenderScale > 0 && double.IsFinite(frame.RenderScale) ? frame.RenderScale : 1.0;
        // Generative fill may not share inpaint's mask params; where one is missing the plain default applies.
        bool Has(string name) => p.Definition.Params.Any(d => d.Name == name);
        var channel = Has(InpaintDefinition.ParamMaskChannel) ? p.Choice(InpaintDefinition.ParamMaskChannel) : InpaintDefinition.MaskChannelAuto;
        var threshold = Has(InpaintDefinition.ParamMaskThreshold) ? (float)p.Double(InpaintDefinition.ParamMaskThreshold) : 0.5f;
        var invert = Has(InpaintDefinition.ParamInvertMask) && p.Boolean(InpaintDefinition.ParamInvertMask);
        var dilate = Has(InpaintDefinition.ParamDilate) ? (int)Math.Round(p.Double(InpaintDefinition.ParamDilate) * scale) : 0;
        using var hole = new FloatImage(source.Width, source.Height);
        if (!BuildHole(frame.Mask!, hole, channel, threshold, invert, dilate))
            return false;
        model.RunWith(source, feeds with { Mask = hole }, frame.Output, ct);
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
