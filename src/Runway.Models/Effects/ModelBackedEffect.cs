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

    /// <summary>Stage names this effect reports through <see cref="InferenceClock"/> (RenderInfo stages).</summary>
    public const string StageAcquire = "model: acquire pack", StageMatte = "model: matte finishing";

    public EffectDefinition Definition => fallback.Definition;

    /// <summary>Salient-matte packs' mattes per instance, carried to nearby interactive frames instead of a model run.</summary>
    private readonly CarriedMattes _carried = new();

    /// <summary>The classical engine used when no pack serves.</summary>
    public IEffect Fallback => fallback;

    public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
    {
        if (!registry.Serves(Definition.Id)) return fallback.Render(frame, cancellationToken);
        // The inpaint contract with no mask (or an empty one) is the identity; the classical engine says so cheaply.
        if ((Definition.Id is InpaintDefinition.Id or ModelContracts.GenerativeFillEffect) && frame.Mask is null) return fallback.Render(frame, cancellationToken);

        var failures = new List<string>();
        // The best pack for this frame, not only by priority (PackSelector): e.g. a promptable pack for prompted frames.
        var acquire = InferenceClock.Stage(StageAcquire);
        using var selection = PackSelector.Acquire(registry, Definition.Id, frame, failures, cancellationToken);
        acquire.Dispose();
        if (selection is null) return FallBack(frame, failures, cancellationToken);
        var lease = selection.Lease;
        var pack = lease.Pack;
        RecurrentSlot? slot = null;
        var fingerprint = "";
        try
        {
            var notes = new List<string>();
            if (selection.Note is { } chosen) notes.Add(chosen);
            frame.Clips.TryGetValue(ModelContracts.ReferenceClip, out var reference);
            if (pack.Contract == ModelContracts.StyleArbitrary && reference is null)
                return FallBack(frame, [$"model pack '{pack.Id}' ({pack.Contract}) needs the {ModelContracts.ReferenceClip} clip connected"], cancellationToken);
            if (pack.Contract == ModelContracts.FrameExtrapolation)
                return Extrapolate(lease.Model, frame, cancellationToken);
            if (pack.Contract is ModelContracts.SalientMatte or ModelContracts.VideoMatting && Hints(frame) is { } hints)
                return FallBack(frame, [$"rotoscope hints given ({hints}): the classical engine follows them; model pack '{pack.Id}' mattes hint-less shots only"], cancellationToken);
            var draft = DraftSize(pack, frame);
            // Interactive frames of a salient-matte pack: a model matte of a nearby frame, carried by the classical
            // propagation, costs a draft instead of a model run (ISNet: ~1.2 s per 1080p frame). Final renders always run it.
            if (pack.Contract == ModelContracts.SalientMatte && frame.Interactive && HasMatteFinishing(frame.Params))
            {
                if (CarryMatte(frame, lease.Model, notes, cancellationToken))
                {
                    if (!pack.Licence.CommercialUse) notes.Add($"model licence {pack.Licence.Spdx}: not for commercial use");
                    return new EffectResult(EngineName(lease.Model), notes);
                }
            }
            IReadOnlyList<PromptPoint> points = [];
            PromptBox? box = null;
            if (pack.Contract == ModelContracts.PromptableSegmentation)
            {
                // A hint matte is the stronger hint (a drawn subject): the classical engine keys from it and propagates.
                if (frame.Mask is not null)
                    return FallBack(frame, [$"hint matte given at this frame: the classical engine keys from it; model pack '{pack.Id}' renders frames prompted by the rectangle or points"], cancellationToken);
                (points, box) = Prompts(frame, draft);
                if (points.Count == 0 && box is null)
                    return FallBack(frame, [$"no rectangle or points enabled to prompt model pack '{pack.Id}'"], cancellationToken);
                notes.Add(PromptNote(pack, points, box));
            }
            if (pack.Recurrent.Count > 0)
            {
                fingerprint = Fingerprint(frame);
                slot = registry.States.Take(pack.Id, frame.InstanceId, frame.Time, fingerprint);
                notes.Add(slot.ResetReason is { } why ? $"recurrent state reset ({why})"
                    : slot.Frames == 0 ? "recurrent state starts from zeros (first frame of this instance)"
                    : $"recurrent state carried from frame {slot.Time.ToString(System.Globalization.CultureInfo.InvariantCulture)} ({slot.Frames} frame(s) since reset)");
            }
            var feeds = new ModelFeeds
            {
                Mask = frame.Mask, Reference = reference, Seed = Seed(frame.Params), Prompt = Prompt(frame.Params), State = slot,
                Points = points, Box = box,
            };
            if (draft is { } d) notes.Add($"draft: model run at {d.Width}x{d.Height}");
            switch (pack.Contract)
            {
                case ModelContracts.Inpaint or ModelContracts.GenerativeFill:
                    if (!RenderInpaint(lease.Model, frame, feeds, draft, cancellationToken))
                        return fallback.Render(frame, cancellationToken);
                    break;
                default:
                    // salient-matte / video-matting: the picture is the source (or the model's foreground) and the matte
                    // is the alpha; style-* and contract-less packs: the model's picture. ImageRunner composes both.
                    RunModel(lease.Model, frame.Source, feeds, frame.Output, draft, cancellationToken);
                    break;
            }
            if (pack.Contract is ModelContracts.SalientMatte or ModelContracts.VideoMatting or ModelContracts.PromptableSegmentation)
            {
                // A video-matting pack's foreground output is the subject's colour with the background's spill removed.
                var foreground = pack.Contract == ModelContracts.VideoMatting && pack.Outputs.Any(t => t.Role == TensorRole.Image);
                var remember = pack.Contract == ModelContracts.SalientMatte ? CarryKey(frame, pack) : null;
                using (InferenceClock.Stage(StageMatte)) notes.Add(FinishMatte(frame, foreground, draft is not null, remember, cancellationToken));
            }
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

    /// <summary>
    /// Frame-extrapolation contract (extend shot): frames inside the source range and the hold/loop/ping-pong modes stay
    /// with the classical engine (identity or copies); a frame k steps past the end is the model's prediction from the
    /// end frame and the history frames its inputs declare, taken from the frame's neighbours. Too few neighbours, or
    /// k &gt; 1 for a pack without a step input, fall back with the reason in the notes. The source's alpha is kept.
    /// </summary>
    private EffectResult Extrapolate(ResidentModel model, EffectFrame frame, CancellationToken ct)
    {
        var pack = model.Pack;
        if (frame.SourceRange is not { } range || range.Contains(frame.Time)) return fallback.Render(frame, ct);
        var p = frame.Params;
        if (p.Choice(ExtendShotDefinition.ParamMode) != ExtendShotDefinition.ModeExtrapolate) return fallback.Render(frame, ct);
        var after = p.Choice(ExtendShotDefinition.ParamDirection) != TimeExtension.Before;
        var end = after ? range.Last : range.First;
        var k = Math.Clamp((int)Math.Round(Math.Abs(frame.Time - end)), 1, p.Integer(ExtendShotDefinition.ParamFrames));
        if (k > 1 && !FrameExtrapolationContract.TakesStep(pack))
            return FallBack(frame, [$"model pack '{pack.Id}' predicts the next frame only (no step input), this is frame {k}"], ct);
        var needed = FrameExtrapolationContract.HistoryFrames(pack);
        var history = new List<FloatImage>(needed);
        for (var i = 1; i <= needed; i++)
        {
            var time = after ? end - i : end + i;
            var match = frame.Neighbours.FirstOrDefault(n => Math.Abs(n.Time - time) < 1e-6
                && n.Source.Width == frame.Source.Width && n.Source.Height == frame.Source.Height);
            if (match is null)
                return FallBack(frame, [$"model pack '{pack.Id}' needs {needed} history frame(s); the frame at time {time.ToString(System.Globalization.CultureInfo.InvariantCulture)} was not given"], ct);
            history.Add(match.Source);
        }
        model.RunWith(frame.Source, new ModelFeeds { History = history, Step = k }, frame.Output, ct);
        var src = frame.Source.Pixels;
        var dst = frame.Output.Pixels;
        for (var i = 3; i < dst.Length; i += 4) dst[i] = src[i];
        var notes = new List<string> { $"model extrapolated frame {k} from the end frame and {needed} history frame(s)" };
        if (p.Double(ExtendShotDefinition.ParamTailBlend) > 0) notes.Add("blend to tail is applied by the classical engine only; ignored");
        if (!pack.Licence.CommercialUse) notes.Add($"model licence {pack.Licence.Spdx}: not for commercial use");
        return new EffectResult(EngineName(model), notes);
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
    /// <remarks>With <paramref name="rememberKey"/>, the model's matte is also kept for <see cref="CarryMatte"/>.</remarks>
    private string FinishMatte(EffectFrame frame, bool foreground, bool draft, string? rememberKey, CancellationToken ct)
    {
        var p = frame.Params;
        bool Has(string name) => p.Definition.Params.Any(d => d.Name == name);
        if (!Has(RotoscopeDefinition.ParamChoke) || !Has(RotoscopeDefinition.ParamHoldOut))
            return foreground ? "model matte written to alpha (straight), colour from the model's foreground; this effect has no matte finishing params"
                : "model matte written to alpha (straight); this effect has no matte finishing params";
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
            if (rememberKey is not null) _carried.Remember(rememberKey, frame.Time, source, probability.AsSpan(0, pixels));
            var scale = frame.RenderScale > 0 && double.IsFinite(frame.RenderScale) ? frame.RenderScale : 1.0;
            var settings = new MatteRefineSettings(
                // A draft's matte came from a run at most this size, so fitting the edge filter any larger adds no
                // detail; the filter is still applied against the full-resolution picture.
                MaxWorkingSide: draft ? DraftLongSide : new MatteRefineSettings().MaxWorkingSide,
                ColourModel: false,
                EdgeRadius: Has(RotoscopeDefinition.ParamRefineRadius) ? p.Double(RotoscopeDefinition.ParamRefineRadius) * scale : 0,
                Choke: p.Double(RotoscopeDefinition.ParamChoke) * scale,
                Feather: Has(RotoscopeDefinition.ParamFeather) ? p.Double(RotoscopeDefinition.ParamFeather) * scale : 0);
            MatteRefiner.Refine(source, probability.AsSpan(0, pixels), source.Width, source.Height, settings, matte.AsSpan(0, pixels), ct);
            var asLuminance = Has(RotoscopeDefinition.ParamOutput) && p.Choice(RotoscopeDefinition.ParamOutput) == RotoscopeDefinition.OutputMatte;
            var holdOut = p.Boolean(RotoscopeDefinition.ParamHoldOut);
            // The foreground colour is only meaningful where the subject is kept: hold-out shows the background (the
            // source's colour) and the luminance output has no colour at all.
            var useForeground = foreground && !holdOut && !asLuminance;
            if (useForeground)
            {
                // The model's foreground is in the output's colour; the source's alpha goes with it into Write.
                using var colour = new FloatImage(source.Width, source.Height);
                var c = colour.Pixels;
                o.CopyTo(c);
                for (var i = 3; i < c.Length; i += 4) c[i] = s[i];
                MatteRefiner.Write(colour, matte.AsSpan(0, pixels), holdOut, asLuminance, frame.Output);
            }
            else
            {
                MatteRefiner.Write(source, matte.AsSpan(0, pixels), holdOut, asLuminance, frame.Output);
            }
            return FormattableString.Invariant($"model matte finished by the rotoscope refiner (edge radius {settings.EdgeRadius:0.#} px, choke {settings.Choke:0.#} px, feather {settings.Feather:0.#} px{(holdOut ? ", hold-out" : "")}){(useForeground ? "; colour from the model's foreground" : "")}");
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(probability);
            System.Buffers.ArrayPool<float>.Shared.Return(matte);
        }
    }

    /// <summary>Whether the effect has the rotoscope's matte finishing params (the carried matte is finished with them).</summary>
    private static bool HasMatteFinishing(ParamSet p) =>
        p.Definition.Params.Any(d => d.Name == RotoscopeDefinition.ParamChoke) && p.Definition.Params.Any(d => d.Name == RotoscopeDefinition.ParamHoldOut);

    /// <summary>Instance, frame size and pack: whose remembered mattes may be carried to this frame.</summary>
    private static string CarryKey(EffectFrame frame, ModelPack pack) =>
        $"{frame.InstanceId}|{frame.Source.Width}x{frame.Source.Height}|{pack.Id}@{pack.Version}";

    /// <summary>
    /// Writes an interactive frame from a model matte of this instance at a nearby frame (see <see cref="CarriedMattes"/>),
    /// finished and written as <see cref="FinishMatte"/> does; false (with a note) when none is within reach, and the
    /// model runs.
    /// </summary>
    private bool CarryMatte(EffectFrame frame, ResidentModel model, List<string> notes, CancellationToken ct)
    {
        var source = frame.Source;
        var pixels = source.Width * source.Height;
        var matte = System.Buffers.ArrayPool<float>.Shared.Rent(pixels);
        try
        {
            var p = frame.Params;
            bool Has(string name) => p.Definition.Params.Any(d => d.Name == name);
            var scale = frame.RenderScale > 0 && double.IsFinite(frame.RenderScale) ? frame.RenderScale : 1.0;
            var settings = new MatteRefineSettings(
                ColourModel: false,
                EdgeRadius: Has(RotoscopeDefinition.ParamRefineRadius) ? p.Double(RotoscopeDefinition.ParamRefineRadius) * scale : 0,
                Choke: p.Double(RotoscopeDefinition.ParamChoke) * scale,
                Feather: Has(RotoscopeDefinition.ParamFeather) ? p.Double(RotoscopeDefinition.ParamFeather) * scale : 0);
            string? carried;
            using (InferenceClock.Stage(StageMatte))
                carried = _carried.Carry(CarryKey(frame, model.Pack), frame.Time, source, frame.Neighbours, settings, matte.AsSpan(0, pixels), ct);
            if (carried is null)
            {
                notes.Add($"draft: no matte of model pack '{model.Pack.Id}' for this instance within {CarriedMattes.Reach} frames: model run");
                return false;
            }
            notes.Add(carried);
            var asLuminance = Has(RotoscopeDefinition.ParamOutput) && p.Choice(RotoscopeDefinition.ParamOutput) == RotoscopeDefinition.OutputMatte;
            var holdOut = p.Boolean(RotoscopeDefinition.ParamHoldOut);
            MatteRefiner.Write(source, matte.AsSpan(0, pixels), holdOut, asLuminance, frame.Output);
            notes.Add(FormattableString.Invariant($"matte finished by the rotoscope refiner (edge radius {settings.EdgeRadius:0.#} px, choke {settings.Choke:0.#} px, feather {settings.Feather:0.#} px{(holdOut ? ", hold-out" : "")})"));
            return true;
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(matte);
        }
    }

    /// <summary>Longest side of the picture a model pack sees on an interactive (draft) frame, when its size is free.</summary>
    public const int DraftLongSide = 512;

    /// <summary>The reduced run size of a draft frame.</summary>
    private readonly record struct DraftRun(int Width, int Height);

    /// <summary>
    /// Interactive frames of packs with free spatial size run with the long side at most <see cref="DraftLongSide"/>
    /// (rounded down to the packs' multiple-of); fixed-size packs resize to their size anyway and are left alone.
    /// </summary>
    private static DraftRun? DraftSize(ModelPack pack, EffectFrame frame)
    {
        var image = pack.Inputs.First(t => t.Role == TensorRole.Image);
        var (w, h) = (frame.Source.Width, frame.Source.Height);
        if (!frame.Interactive || image.FixedSpatial || Math.Max(w, h) <= DraftLongSide) return null;
        var multiple = pack.Inputs.Where(t => TensorRoles.IsSpatial(t.Role)).Max(t => t.MultipleOf);
        var scale = DraftLongSide / (double)Math.Max(w, h);
        int Size(int full) => Math.Max(multiple, (int)Math.Round(full * scale) / multiple * multiple);
        return new DraftRun(Size(w), Size(h));
    }

    /// <summary>
    /// Runs the pack over the whole frame; on a draft, over a reduced copy (area-averaged) whose result is upsampled
    /// bilinearly into <paramref name="output"/>. A matte-only pack keeps the source's own colour at full resolution;
    /// its upsampled matte then goes through the rotoscope's guided filter at full resolution (see FinishMatte).
    /// </summary>
    private static void RunModel(ResidentModel model, FloatImage source, ModelFeeds feeds, FloatImage output, DraftRun? draft, CancellationToken ct)
    {
        if (draft is not { } d)
        {
            model.RunWith(source, feeds, output, ct);
            return;
        }
        using var small = Resize(source, d.Width, d.Height, InterpolationFlags.Area);
        using var smallMask = feeds.Mask is { } mask ? Resize(mask, d.Width, d.Height, InterpolationFlags.Area) : null;
        using var smallOutput = new FloatImage(d.Width, d.Height);
        model.RunWith(small, feeds with { Mask = smallMask }, smallOutput, ct);
        ResizeInto(smallOutput, output, InterpolationFlags.Linear);
        var pack = model.Pack;
        var image = pack.Outputs.FirstOrDefault(t => t.Role == TensorRole.Image);
        var hasAlpha = pack.Outputs.Any(t => t.Role == TensorRole.Alpha) || image?.Channels == 4;
        var src = source.Pixels;
        var dst = output.Pixels;
        for (var i = 0; i < dst.Length; i += 4)
        {
            // What the model did not make comes from the full-resolution source, not a blurred copy of it.
            if (image is null) src.Slice(i, 3).CopyTo(dst.Slice(i, 3));
            if (!hasAlpha) dst[i + 3] = src[i + 3];
        }
    }

    private static FloatImage Resize(FloatImage image, int width, int height, InterpolationFlags how)
    {
        var resized = new FloatImage(width, height);
        try
        {
            ResizeInto(image, resized, how);
            return resized;
        }
        catch
        {
            resized.Dispose();
            throw;
        }
    }

    private static unsafe void ResizeInto(FloatImage from, FloatImage to, InterpolationFlags how)
    {
        fixed (float* f = from.Buffer)
        fixed (float* t = to.Buffer)
        {
            using var src = Mat.FromPixelData(from.Height, from.Width, MatType.CV_32FC4, (IntPtr)f);
            using var dst = Mat.FromPixelData(to.Height, to.Width, MatType.CV_32FC4, (IntPtr)t);
            Cv2.Resize(src, dst, new Size(to.Width, to.Height), 0, 0, how);
        }
    }

    /// <summary>
    /// The rotoscope's enabled points (positive first, then negative) and rectangle, from full-resolution frame pixels
    /// (what the params hold) to pixels of the picture the model runs on (render scale, then the draft's reduction).
    /// </summary>
    private static (IReadOnlyList<PromptPoint> Points, PromptBox? Box) Prompts(EffectFrame frame, DraftRun? draft)
    {
        var p = frame.Params;
        bool On(string name) => p.Definition.Params.Any(d => d.Name == name && d.Kind == ParamKind.Boolean) && p.Boolean(name);
        var scale = frame.RenderScale > 0 && double.IsFinite(frame.RenderScale) ? frame.RenderScale : 1.0;
        var sx = scale * (draft is { } d ? d.Width / (double)frame.Source.Width : 1.0);
        var sy = scale * (draft is { } e ? e.Height / (double)frame.Source.Height : 1.0);
        var points = new List<PromptPoint>();
        foreach (var subject in new[] { true, false })
        {
            for (var i = 1; i <= RotoscopeDefinition.PointCount; i++)
            {
                if (!On(subject ? RotoscopeDefinition.ParamPositiveEnable(i) : RotoscopeDefinition.ParamNegativeEnable(i))) continue;
                var v = p.Doubles(subject ? RotoscopeDefinition.ParamPositivePoint(i) : RotoscopeDefinition.ParamNegativePoint(i));
                points.Add(new PromptPoint((float)(v[0] * sx), (float)(v[1] * sy), subject));
            }
        }
        PromptBox? box = null;
        if (On(RotoscopeDefinition.ParamUseRect))
        {
            var c = p.Doubles(RotoscopeDefinition.ParamRectCentre);
            var size = p.Doubles(RotoscopeDefinition.ParamRectSize);
            var (hw, hh) = (Math.Abs(size[0]) / 2, Math.Abs(size[1]) / 2);
            box = new PromptBox((float)((c[0] - hw) * sx), (float)((c[1] - hh) * sy), (float)((c[0] + hw) * sx), (float)((c[1] + hh) * sy));
        }
        return (points, box);
    }

    /// <summary>What the pack was prompted with, and which given prompts it has no input for.</summary>
    private static string PromptNote(ModelPack pack, IReadOnlyList<PromptPoint> points, PromptBox? box)
    {
        var takesPoints = pack.Inputs.FirstOrDefault(t => t.Role == TensorRole.Points);
        var takesBox = pack.Inputs.Any(t => t.Role == TensorRole.Box);
        var parts = new List<string>();
        if (points.Count > 0)
        {
            var subject = points.Count(q => q.Subject);
            var text = $"{subject} subject and {points.Count - subject} background point(s)";
            if (takesPoints is null) parts.Add(text + " ignored (the pack takes no points)");
            else
            {
                var slots = ImageRunner.PointSlots(takesPoints, points.Count);
                parts.Add(slots < points.Count ? $"{text}, the first {slots} sent (the pack takes {slots})" : text);
            }
        }
        if (box is not null) parts.Add(takesBox ? "the rectangle as a box" : "the rectangle ignored (the pack takes no box)");
        return $"promptable segmentation: prompted with {string.Join(", ", parts)}; propagation between prompted frames stays with the classical engine";
    }

    /// <summary>Params and frame size: recurrent state made under other ones must not carry over.</summary>
    private static string Fingerprint(EffectFrame frame) =>
        string.Join("|", frame.Params.All.Select(kv => $"{kv.Key}={Format(kv.Value)}")
            .Prepend($"{frame.Source.Width}x{frame.Source.Height}{(frame.Interactive ? " draft" : "")}"));

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
    private static bool RenderInpaint(ResidentModel model, EffectFrame frame, ModelFeeds feeds, DraftRun? draft, CancellationToken ct)
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
        RunModel(model, source, feeds with { Mask = hole }, frame.Output, draft, ct);
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
