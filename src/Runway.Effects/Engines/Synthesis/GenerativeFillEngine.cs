using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using OpenCvSharp;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Temporal;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Synthesis;

/// <summary>
/// Classical generative fill: exemplar synthesis with <see cref="PatchFill"/> over the region a Mask clip, a rectangle
/// or an ellipse marks, from the rest of the frame and the optional Reference clip.
/// </summary>
/// <remarks>
/// <para>How a frame is rendered:</para>
/// <list type="number">
/// <item>The region: the Mask clip (alpha when it varies, else luminance, above 0.5) or the rectangle/ellipse params,
/// all spatial values multiplied by the render scale. No mask (in clip mode) or an empty region returns the source.</item>
/// <item>One distance transform, over the region's box grown by dilate + feather only (not the whole frame), gives the
/// dilated region (distance ≤ dilate) and the feather band around it. Both are synthesised; the band is blended into
/// the source with a smoothstep weight over that box; pixels farther out are the source, bit for bit. Alpha is always
/// the source's alpha.</item>
/// <item>Still recipe — final renders without a reference of a frame filled on its own (temporal mode off, or a still:
/// no previous frame among the neighbours and no source range longer than one frame): the fill's low frequencies are replaced by a smooth structure layer (a membrane
/// fill, <see cref="MembraneFill"/>, with <see cref="NavierStokesShare"/> of OpenCV's Navier–Stokes inpainting) and
/// the "detail" param sets how much synthesised fine detail goes on top. At detail 1 the patch search is guided by the
/// structure and detail strength the hole's border predicts (<see cref="StructureGuidance"/>,
/// <see cref="TextureGuidance"/>), votes sharply (<see cref="VoteSharpness"/>) and all of its detail above σ
/// <see cref="DetailSigma"/> is kept: a textured fill whose large shapes follow the surroundings. At detail 0 the search
/// is the plain one and only <see cref="SmoothDetailAmplitude"/> of its detail above σ <see cref="SmoothDetailSigma"/>
/// is kept: the smoother fill closest to the truth on average. In between, the guided fill's two detail layers are
/// blended (one search); see StructureAndTexture.</item>
/// <item>Sequence recipe — temporal mode on, with the previous frame among the neighbours or a source range longer than
/// one frame (so the clip's first frame does not jump from one recipe to the other): the plain patch fill (no
/// guidance, no structure layer), which flickers far less from frame to frame than re-synthesised texture, plus the
/// temporal blend below. Drafts and renders with a reference always take the plain fill.</item>
/// <item>Temporal (when on and the previous frame is among the neighbours): the previous frame's own fill (what
/// rendering it alone gives; every temporal render leaves its own fill in a small content-keyed cache, and a final
/// render computes it on a miss) is carried to this frame along the background motion — optical flow this → previous
/// with the motion inside both frames' regions replaced by a Telea diffusion of the motion around them, since the flow
/// there follows the object being removed — and blended in with weight <see cref="TemporalBlend"/>. Each frame depends
/// only on itself and the frame before, so renders in any order give the same pixels. (Starting this frame's
/// nearest-neighbour search from the previous field moved by flow, the earlier design, measured 111% of the per-frame
/// flicker on real video, against 94% without it, so it is no longer done.)</item>
/// </list>
/// <para>Interactive temporal renders estimate the flow at <see cref="DraftFlowMaxSide"/> pixels and key the previous
/// frame's cached fill by its region and the source pixels the fill can read, not the whole frame. They blend it only
/// when it is cached (playback and scrubbing find it) and never fill the previous frame first, which would cost more
/// than the draft budget; so a draft can depend on what was rendered before it, final renders never do.</para>
/// <para>Interactive renders take <see cref="PatchFill"/>'s draft path (working region at most
/// <see cref="PatchFill.DraftMaxSide"/> pixels, <see cref="PatchFill.DraftIterations"/> rounds per level, fill upsampled).</para>
/// </remarks>
public sealed class GenerativeFillEngine : IEffect
{
    /// <summary>Engine name reported in results.</summary>
    public const string Name = "classical/patchmatch";

    /// <summary>Note when mask source is the clip and no Mask clip is connected.</summary>
    public const string NoteNoMask = "no mask connected: source returned";

    /// <summary>Note when the region is empty.</summary>
    public const string NoteMaskEmpty = "region empty: source returned";

    /// <summary>Note prefix when a prompt is set: the classical engine does not read it.</summary>
    public const string NotePromptIgnored = "prompt ignored by the classical engine";

    /// <summary>Note of a draft in temporal mode whose previous frame's own fill was not cached, so it filled on its own.</summary>
    public const string NoteDraftTemporalSkipped = "draft: temporal blend skipped (the previous frame's fill is not cached)";

    /// <summary>Note prefix of a render that took the still recipe (structure layer + the "detail" param's share of fine detail).</summary>
    public const string NoteStillRecipe = "still recipe";

    /// <summary>Note of a final temporal render with the previous frame at hand: the plain patch fill, detail not read.</summary>
    public const string NoteSequenceRecipe = "sequence recipe: plain patch fill (texture detail not applied)";

    /// <summary>Own fills of previous frames kept per engine (all instances share the budget; oldest dropped first).</summary>
    public const int FieldCacheSize = 16;

    /// <summary>Longest side of the flow field a draft temporal render estimates.</summary>
    public const int DraftFlowMaxSide = 128;

    /// <summary>
    /// Share of the Navier–Stokes inpainting in the structure layer; the rest is the membrane (harmonic) fill,
    /// <see cref="MembraneFill"/>.
    /// </summary>
    public const double NavierStokesShare = 0.3;

    /// <summary>
    /// Amplitude of the patch fill's detail (fill minus its Gaussian blur) added on top of the structure layer: all of it,
    /// so the fill is as textured as the patches it copies (see GenerativeFillQualityTests for the sweep).
    /// </summary>
    public const double DetailAmplitude = 1.0;

    /// <summary>Amplitude of the plain fill's detail (fill minus its Gaussian blur of σ <see cref="SmoothDetailSigma"/>) at detail 0.</summary>
    public const double SmoothDetailAmplitude = 0.2;

    /// <summary>Gaussian σ, in pixels, of the detail kept at detail 0.</summary>
    public const double SmoothDetailSigma = 1.5;

    /// <summary>Gaussian σ, in pixels, splitting the patch fill into low frequencies (replaced by the structure layer) and detail.</summary>
    public const double DetailSigma = 3.0;

    /// <summary>
    /// <see cref="PatchFillOptions.StructureGuidance"/> of final renders without a reference: the patches follow the
    /// membrane structure of the border, so their low frequencies already agree with the structure layer.
    /// </summary>
    public const double StructureGuidance = 1.0;

    /// <summary>
    /// <see cref="PatchFillOptions.TextureGuidance"/> of final renders without a reference: hole pixels expect the detail
    /// strength of the border, so flat patches (the "flat polygons" of the unguided fill) lose where the surroundings
    /// are textured.
    /// </summary>
    public const double TextureGuidance = 4.0;

    /// <summary>
    /// <see cref="PatchFillOptions.VoteSharpness"/> of final renders without a reference: voting close to the best
    /// patch only, so overlapping, slightly misaligned patches do not average their texture away.
    /// </summary>
    public const double VoteSharpness = 8.0;

    // cv::inpaint assumes 8-bit code values in its gradient terms (see InpaintEngine): fill in 0..255 units.
    private const float CodeScale = 255f;

    // Inpainting neighbourhood radius in pixels, as the inpaint effect's default.
    private const double InpaintRadius = 5.0;

    /// <summary>
    /// Weight of the previous frame's own fill, carried to this frame by the background motion, blended into this
    /// frame's plain fill in the sequence recipe. Measured on real video (GenerativeFillTemporalTests; warped flicker
    /// inside the hole ÷ each frame's plain fill on its own): 0.35 → 92%, 0.5 → 94%, 0.65 → 100%; a heavier blend
    /// carries more of the flow's misalignment than it removes. (The textured recipe in sequences measured 0.35 → 77%,
    /// 0.5 → 74%, but 3.5× the absolute flicker of the plain fill, so sequences do not use it.)
    /// </summary>
    public const double TemporalBlend = 0.35;

    // A frame's own (non-temporal) fill: its output pixels over the box it changed.
    private sealed record OwnFill(Rect Roi, float[] Pixels);

    private readonly ConcurrentDictionary<string, OwnFill> _fields = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _fieldOrder = new();

    public EffectDefinition Definition => GenerativeFillDefinition.Definition;

    public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
    {
        var source = frame.Source;
        var output = frame.Output;
        if (output.Width != source.Width || output.Height != source.Height)
            throw new ArgumentException($"output is {output.Width}x{output.Height}, source is {source.Width}x{source.Height}", nameof(frame));
        var p = frame.Params;
        var notes = new List<string>();
        var scale = frame.RenderScale > 0 && double.IsFinite(frame.RenderScale) ? frame.RenderScale : 1.0;
        var maskSource = p.Choice(GenerativeFillDefinition.ParamMaskSource);
        if (maskSource == GenerativeFillDefinition.MaskFromClip && frame.Mask is null)
        {
            source.CopyTo(output);
            return EffectResult.From(Name, NoteNoMask);
        }
        if (frame.Mask is { } m && (m.Width != source.Width || m.Height != source.Height))
            throw new ArgumentException($"mask is {m.Width}x{m.Height}, source is {source.Width}x{source.Height}; they must match", nameof(frame));

        cancellationToken.ThrowIfCancellationRequested();
        using var region = new Mat(source.Height, source.Width, MatType.CV_8UC1, Scalar.All(0));
        BuildRegion(p, frame.Mask, scale, region);
        if (Cv2.CountNonZero(region) == 0)
        {
            source.CopyTo(output);
            return EffectResult.From(Name, NoteMaskEmpty);
        }

        var dilate = (float)(p.Double(GenerativeFillDefinition.ParamDilate) * scale);
        var feather = (float)(p.Double(GenerativeFillDefinition.ParamFeather) * scale);
        var roi = Around(region, dilate + feather);
        using var fillMask = new Mat(source.Height, source.Width, MatType.CV_8UC1, Scalar.All(0));
        using var weights = new Mat(roi.Height, roi.Width, MatType.CV_32FC1);
        BuildWeights(region, roi, dilate, feather, fillMask, weights);

        frame.Clips.TryGetValue(GenerativeFillDefinition.ClipReference, out var reference);
        var temporal = p.Boolean(GenerativeFillDefinition.ParamTemporal);
        // Sequence recipe in temporal mode on a clip of more than one frame, even where the previous frame is absent (the
        // clip's first frame): switching recipe there jumps visibly (warped in-hole flicker 0.075 between the first two
        // frames against 0.0054 along the clip). The still recipe is for frames filled on their own.
        var previous = temporal ? Previous(frame) : null;
        var sequence = temporal && (previous is not null || frame.SourceRange is { } range && range.Last > range.First);
        var detail = Math.Clamp(p.Double(GenerativeFillDefinition.ParamDetail), 0.0, 1.0);
        var layered = !frame.Interactive && reference is null && !sequence;
        var options = Options(p, frame.Interactive, guided: layered && detail > 0);

        OwnFill? previousFill = null;
        TimedImage? previousFrame = null;
        Mat? backgroundFlow = null;
        Mat? previousRegion = null;
        try
        {
            if (previous is not null)
            {
                // Drafts never fill the previous frame first (that alone costs more than the draft budget): they use its
                // own fill only when it is cached — e.g. left there by rendering that frame — and otherwise fill on their own.
                previousFill = PreviousFill(frame, previous, reference, options, dilate, feather, scale, computeOnMiss: !options.Draft,
                    out previousRegion, cancellationToken);
                if (previousFill is null && options.Draft) notes.Add(NoteDraftTemporalSkipped);
                if (previousFill is not null)
                {
                    // Drafts estimate the flow at a quarter of the fast size: it only moves a blend weight's worth of a
                    // fill that is itself upsampled from at most PatchFill.DraftMaxSide pixels.
                    var flowSettings = options.Draft ? FlowSettings.Fast with { MaxSide = DraftFlowMaxSide } : FlowSettings.Fast;
                    backgroundFlow = BackgroundFlow(source, previous.Source, region, previousRegion!, flowSettings);
                    previousFrame = previous;
                }
            }

            source.CopyTo(output);
            var result = PatchFill.Run(output, fillMask, reference, options, cancellationToken);
            // Structure + texture (still recipe): the fill's detail, as much as the detail param asks, on the smooth
            // structure layer. Drafts skip it for speed; with a reference the patches are usually right as they are (a
            // clean plate is exact); sequences keep the plain fill, whose frame-to-frame flicker is far lower.
            if (layered) StructureAndTexture(source, output, fillMask, roi, detail, cancellationToken);
            // This frame's own fill, before anything carried from the previous frame: kept for the next frame's blend.
            // Only the plain fill is kept: it is what the next frame computes for this one on a cache miss (it cannot
            // know whether this frame had a previous frame), so render order never changes the pixels.
            var own = temporal && !layered && result.Filled > 0 ? Crop(output, roi) : null;
            if (previousFill is not null)
            {
                CarryPrevious(output, fillMask, roi, previousFill, previousFrame!.Source, backgroundFlow!, (float)TemporalBlend);
                notes.Add($"temporal: blended {TemporalBlend:P0} of frame {previousFrame.Time:0.###}'s own fill along the background motion");
            }
            Blend(source, output, weights, roi);
            if (own is not null)
            {
                // Exactly what rendering this frame on its own gives over roi (the same feather blend, row by row), so the
                // next frame reads the same pixels whether this frame or the next was rendered first.
                var w = new MatView(weights);
                for (var y = 0; y < roi.Height; y++)
                    BlendRow(source.Row(roi.Y + y).Slice(roi.X * 4, roi.Width * 4), own.AsSpan(y * roi.Width * 4, roi.Width * 4), w.Row<float>(y));
                Remember(FieldKey(frame, source, region, roi, reference, options, scale), new OwnFill(roi, own));
            }

            notes.Insert(0, $"synthesised {result.Filled} pixels, patch {options.PatchSize}, {result.Levels} level(s) at {result.WorkingScale:0.###} scale" +
                (reference is not null ? ", with reference" : "") + $", seed {options.Seed}, variation {options.Variation:0.##}");
            if (layered)
                notes.Add($"{NoteStillRecipe}: {(options.StructureGuidance > 0 ? "guided" : "plain")} patch search, membrane + {NavierStokesShare:P0} Navier–Stokes " +
                          $"structure layer, texture detail {detail:0.##} ({DetailLayers(detail)})");
            else if (sequence && !options.Draft && reference is null)
                notes.Add(NoteSequenceRecipe);
            else
                notes.Add("plain patch fill");
            if (options.Draft) notes.Add($"interactive render: draft fill (≤{PatchFill.DraftMaxSide} px working region, {PatchFill.DraftIterations} rounds)");
            if (p.String(GenerativeFillDefinition.ParamPrompt) is { Length: > 0 } prompt) notes.Add($"{NotePromptIgnored}: \"{prompt}\"");
            return new EffectResult(Name, notes);
        }
        finally
        {
            backgroundFlow?.Dispose();
            previousRegion?.Dispose();
        }
    }

    // Which detail layers the still recipe keeps at this detail, for the result notes.
    private static string DetailLayers(double detail) => detail switch
    {
        <= 0 => $"{SmoothDetailAmplitude:P0} of the fill's detail above σ {SmoothDetailSigma:0.#} px",
        >= 1 => $"{DetailAmplitude:P0} of the fill's detail above σ {DetailSigma:0.#} px",
        _ => $"{1 - detail:P0} × {SmoothDetailAmplitude:P0} above σ {SmoothDetailSigma:0.#} px + {detail:P0} × {DetailAmplitude:P0} above σ {DetailSigma:0.#} px",
    };

    // Guided (see StructureGuidance) only for the still recipe with some detail asked for: drafts stay plain for speed,
    // with a reference the patches are usually right as they are (a clean plate is exact), sequences keep the plain fill
    // for steadiness, and at detail 0 the smooth recipe was measured with the plain search.
    private static PatchFillOptions Options(ParamSet p, bool interactive, bool guided)
    {
        return new(p.Integer(GenerativeFillDefinition.ParamSeed), p.Double(GenerativeFillDefinition.ParamVariation), interactive)
        {
            PatchSize = p.Integer(GenerativeFillDefinition.ParamPatchSize),
            StructureGuidance = guided ? StructureGuidance : 0,
            TextureGuidance = guided ? TextureGuidance : 0,
            VoteSharpness = guided ? VoteSharpness : 1,
            Iterations = p.Choice(GenerativeFillDefinition.ParamQuality) switch
            {
                GenerativeFillDefinition.QualityFast => 2,
                GenerativeFillDefinition.QualityBest => 8,
                _ => 4,
            },
        };
    }

    // The neighbour one frame earlier (host times are frames; small tolerance for fractional times).
    private static TimedImage? Previous(EffectFrame frame) =>
        frame.Neighbours.Where(n => n.Time < frame.Time && frame.Time - n.Time <= 1 + 1e-6 &&
                                    n.Source.Width == frame.Source.Width && n.Source.Height == frame.Source.Height)
            .OrderByDescending(n => n.Time).FirstOrDefault();

    /// <summary>
    /// The previous frame's own (non-temporal) plain fill, from the cache or computed. The key holds the instance, every
    /// param but texture detail, the render mode and a hash of the previous frame's source, mask and reference pixels, so a changed input
    /// never reuses a stale fill. <paramref name="previousRegion"/> is the previous frame's region (null when it has none).
    /// </summary>
    private OwnFill? PreviousFill(EffectFrame frame, TimedImage previous, FloatImage? reference, PatchFillOptions options,
        float dilate, float feather, double scale, bool computeOnMiss, out Mat? previousRegion, CancellationToken ct)
    {
        previousRegion = null;
        var p = frame.Params;
        var maskSource = p.Choice(GenerativeFillDefinition.ParamMaskSource);
        var prevMask = maskSource == GenerativeFillDefinition.MaskFromClip ? previous.Mask : null;
        if (maskSource == GenerativeFillDefinition.MaskFromClip && prevMask is null) return null;

        var region = new Mat(previous.Source.Height, previous.Source.Width, MatType.CV_8UC1, Scalar.All(0));
        // Shape params are read at this frame's time: close enough for a one-frame step.
        BuildRegion(p, prevMask, scale, region);
        if (Cv2.CountNonZero(region) == 0)
        {
            region.Dispose();
            return null;
        }
        previousRegion = region;
        var roi = Around(region, dilate + feather);

        var key = FieldKey(frame, previous.Source, region, roi, reference, options, scale);
        if (_fields.TryGetValue(key, out var cached)) return cached;
        if (!computeOnMiss) return null;

        // Exactly the plain fill that frame keeps for its successor (see Render), so the blend below reads the same pixels
        // whichever frame was rendered first.
        using var fillMask = new Mat(region.Size(), MatType.CV_8UC1, Scalar.All(0));
        using var weights = new Mat(roi.Height, roi.Width, MatType.CV_32FC1);
        BuildWeights(region, roi, dilate, feather, fillMask, weights);
        using var work = new FloatImage(previous.Source.Width, previous.Source.Height);
        previous.Source.CopyTo(work);
        if (PatchFill.Run(work, fillMask, reference, options with { Initial = null }, ct).Filled == 0) return null;
        Blend(previous.Source, work, weights, roi);
        var own = new OwnFill(roi, Crop(work, roi));
        Remember(key, own);
        return own;
    }

    /// <summary>
    /// Optical flow from this frame to the previous one (flow resolution, pixels at that size) with the motion inside
    /// both frames' regions replaced by a diffusion of the motion around them: the flow there follows whatever the hole
    /// covers (a moving object to remove), while the fill must follow the background behind it.
    /// </summary>
    private static Mat BackgroundFlow(FloatImage current, FloatImage previous, Mat region, Mat previousRegion, FlowSettings settings)
    {
        var size = FlowEstimator.FlowSize(current.Width, current.Height, settings);
        using var greyNow = FlowEstimator.Grey(current, size);
        using var greyPrev = FlowEstimator.Grey(previous, size);
        var flow = FlowEstimator.Compute(greyNow, greyPrev, settings);
        using var both = new Mat();
        Cv2.BitwiseOr(region, previousRegion, both);
        using var small = new Mat();
        Cv2.Resize(both, small, size, 0, 0, InterpolationFlags.Area);
        using var hole = new Mat();
        Cv2.Threshold(small, hole, 0, 255, ThresholdTypes.Binary);
        // Farnebäck averages over its window, so the object's motion bleeds about half a window past its outline.
        using var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(settings.WindowSize | 1, settings.WindowSize | 1));
        Cv2.Dilate(hole, hole, kernel);
        if (Cv2.CountNonZero(hole) == 0) return flow;
        var parts = Cv2.Split(flow);
        try
        {
            using var filled = new Mat();
            for (var i = 0; i < parts.Length; i++)
            {
                Cv2.Inpaint(parts[i], hole, filled, FlowInpaintRadius, InpaintTypes.Telea);
                filled.CopyTo(parts[i]);
            }
            Cv2.Merge(parts, flow);
        }
        finally
        {
            foreach (var m in parts) m.Dispose();
        }
        return flow;
    }

    // Telea radius, in flow pixels, for the background motion inside the hole: wide enough to average the ring around it.
    private const double FlowInpaintRadius = 5.0;

    /// <summary>
    /// Blends into <paramref name="output"/> (where <paramref name="fillMask"/> is set inside <paramref name="roi"/>) the
    /// previous frame's own output, read at each pixel's position moved by <paramref name="flow"/> (this frame → previous,
    /// flow resolution): its fill inside its box, its source elsewhere, with weight <paramref name="weight"/>. Pixels
    /// moved outside the previous frame keep this frame's fill.
    /// </summary>
    private static void CarryPrevious(FloatImage output, Mat fillMask, Rect roi, OwnFill previous, FloatImage previousSource, Mat flow, float weight)
    {
        var (w, h) = (output.Width, output.Height);
        var fv = new MatView(flow);
        var mv = new MatView(fillMask);
        var sx = flow.Cols / (float)w;
        var sy = flow.Rows / (float)h;
        // Rows are independent: on 2 cores they split, which keeps the draft's blend well inside its budget.
        Parallel.For(roi.Y, roi.Bottom, y =>
        {
            Span<float> sample = stackalloc float[3];
            var m = mv.Row<byte>(y);
            var o = output.Row(y);
            var ly = Math.Clamp((y + 0.5f) * sy - 0.5f, 0f, flow.Rows - 1f);
            for (var x = roi.X; x < roi.Right; x++)
            {
                if (m[x] == 0) continue;
                var lx = Math.Clamp((x + 0.5f) * sx - 0.5f, 0f, flow.Cols - 1f);
                var (fx, fy) = FlowEstimator.Sample(fv, lx, ly);
                var px = x + fx / sx;
                var py = y + fy / sy;
                if (!(px >= 0) || !(py >= 0) || px > w - 1 || py > h - 1) continue;
                SamplePrevious(previous, previousSource, px, py, sample);
                var i = x * 4;
                for (var c = 0; c < 3; c++) o[i + c] += weight * (sample[c] - o[i + c]);
            }
        });
    }

    // Bilinear RGB of the previous frame's own output at (px, py), inside the frame: its stored fill inside its box.
    private static void SamplePrevious(OwnFill previous, FloatImage previousSource, float px, float py, Span<float> rgb)
    {
        var x0 = (int)px;
        var y0 = (int)py;
        var x1 = Math.Min(x0 + 1, previousSource.Width - 1);
        var y1 = Math.Min(y0 + 1, previousSource.Height - 1);
        var ax = px - x0;
        var ay = py - y0;
        for (var c = 0; c < 3; c++)
        {
            var a = At(x0, y0, c) + ax * (At(x1, y0, c) - At(x0, y0, c));
            var b = At(x0, y1, c) + ax * (At(x1, y1, c) - At(x0, y1, c));
            rgb[c] = a + ay * (b - a);
        }

        float At(int x, int y, int c)
        {
            var r = previous.Roi;
            return x >= r.X && x < r.Right && y >= r.Y && y < r.Bottom
                ? previous.Pixels[((y - r.Y) * r.Width + (x - r.X)) * 4 + c]
                : previousSource.Row(y)[x * 4 + c];
        }
    }

    private static float[] Crop(FloatImage image, Rect roi)
    {
        var pixels = new float[roi.Width * roi.Height * 4];
        for (var y = 0; y < roi.Height; y++)
            image.Row(roi.Y + y).Slice(roi.X * 4, roi.Width * 4).CopyTo(pixels.AsSpan(y * roi.Width * 4));
        return pixels;
    }

    /// <summary>
    /// Cache key of a frame's own (non-temporal) fill field: the instance, every param but texture detail, the render mode, the region
    /// itself (all the mask contributes) and the source pixels the fill can read (PatchFill searches the hole's box
    /// grown by half its size plus two patches; a little more is hashed), not the whole frame.
    /// </summary>
    private static string FieldKey(EffectFrame frame, FloatImage image, Mat region, Rect roi, FloatImage? reference,
        PatchFillOptions options, double scale)
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes(region));
        var read = HoleRegions.Grow(roi, Math.Max(roi.Width, roi.Height) / 2 + 2 * 31, image.Width, image.Height);
        for (var y = read.Y; y < read.Bottom; y++)
            hash.AddBytes(MemoryMarshal.AsBytes(image.Row(y).Slice(read.X * 4, read.Width * 4)));
        if (reference is not null) hash.AddBytes(MemoryMarshal.AsBytes(reference.Pixels));
        return string.Join('|', frame.InstanceId, options.Draft, scale.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Texture detail is left out: kept fills are always the plain fill, which it does not touch, so keyframing it
            // does not force the previous frame to be filled again.
            string.Join(';', frame.Params.All.Where(kv => kv.Key != GenerativeFillDefinition.ParamDetail)
                .Select(kv => kv.Value is double[] a ? string.Join(',', a) : kv.Value.ToString())), hash.ToHashCode());
    }

    private void Remember(string key, OwnFill field)
    {
        if (!_fields.TryAdd(key, field)) return;
        _fieldOrder.Enqueue(key);
        while (_fieldOrder.Count > FieldCacheSize && _fieldOrder.TryDequeue(out var old)) _fields.TryRemove(old, out _);
    }

    /// <summary>
    /// Rebuilds the fill (in <paramref name="output"/>, where <paramref name="fillMask"/> is set) as a structure layer plus
    /// texture: <see cref="NavierStokesShare"/> of OpenCV's Navier–Stokes inpainting of the source's known pixels and the
    /// rest a membrane fill of them (<see cref="MembraneFill"/>), plus the fill's fine detail: at <paramref name="detail"/>
    /// 1, <see cref="DetailAmplitude"/> × (fill minus its Gaussian blur of σ <see cref="DetailSigma"/>); at 0,
    /// <see cref="SmoothDetailAmplitude"/> × (fill minus its blur of σ <see cref="SmoothDetailSigma"/>); in between, the
    /// two blended linearly (both from the one fill already computed).
    /// </summary>
    /// <remarks>
    /// Why: measured on real photos with large holes (GenerativeFillQualityTests), the smoothest estimate (the membrane)
    /// is closest to the truth on PSNR and SSIM but is a blur (texture ratio 0.15 where the surroundings score 1), and
    /// the unguided patch fill is textured but 3.3 dB behind Telea, with flat polygons. The guided fill's own low
    /// frequencies already follow the structure; replacing them with the structure layer's gains about 0.85 dB and
    /// 0.01 SSIM while keeping all of its detail (texture ratio 0.67 on the tuned photos, 0.71 held out). Navier–Stokes
    /// continues edges a little way in (gradient structure). The smooth end (a fifth of the plain fill's finest detail)
    /// is the earlier recipe, which wins most on PSNR/SSIM; the detail param lets the user pick along that trade. Values
    /// above 1 pass through: nothing here clamps, and the inpainting runs on 0..255-scaled floats.
    /// </remarks>
    private static unsafe void StructureAndTexture(FloatImage source, FloatImage output, Mat fillMask, Rect roi, double detail, CancellationToken ct)
    {
        using var holeRoi = new Mat(fillMask, roi);
        using var hole = holeRoi.Clone();
        var n = roi.Width * roi.Height;
        var hp = (byte*)hole.DataPointer;

        // Membrane fill of the three colour channels together (interleaved), from the source's known pixels.
        var membrane = ArrayPool<float>.Shared.Rent(n * MembraneFill.Channels);
        var known = ArrayPool<byte>.Shared.Rent(n);
        try
        {
            for (var y = 0; y < roi.Height; y++)
            {
                var s = source.Row(roi.Y + y).Slice(roi.X * 4, roi.Width * 4);
                for (var x = 0; x < roi.Width; x++)
                {
                    var i = y * roi.Width + x;
                    known[i] = hp[i] == 0 ? (byte)1 : (byte)0;
                    membrane[i * 3] = s[x * 4];
                    membrane[i * 3 + 1] = s[x * 4 + 1];
                    membrane[i * 3 + 2] = s[x * 4 + 2];
                }
            }
            MembraneFill.Fill(membrane, known, roi.Width, roi.Height, ct);

            using var channel = new Mat(roi.Height, roi.Width, MatType.CV_32FC1);
            using var navierStokes = new Mat();
            using var patches = new Mat(roi.Height, roi.Width, MatType.CV_32FC1);
            using var low = new Mat();
            using var smoothLow = new Mat();
            var share = (float)NavierStokesShare;
            // fill − (a·low + b·smoothLow) with a + b = amp + smoothAmp: the blend of the two detail layers, per pixel.
            var amp = (float)(detail * DetailAmplitude);
            var smoothAmp = (float)((1 - detail) * SmoothDetailAmplitude);
            for (var c = 0; c < 3; c++)
            {
                ct.ThrowIfCancellationRequested();
                var cp = (float*)channel.DataPointer;
                var pp = (float*)patches.DataPointer;
                for (var y = 0; y < roi.Height; y++)
                {
                    var s = source.Row(roi.Y + y).Slice(roi.X * 4, roi.Width * 4);
                    var o = output.Row(roi.Y + y).Slice(roi.X * 4, roi.Width * 4);
                    var row = y * roi.Width;
                    for (var x = 0; x < roi.Width; x++)
                    {
                        cp[row + x] = s[x * 4 + c] * CodeScale;
                        pp[row + x] = o[x * 4 + c];
                    }
                }
                Cv2.Inpaint(channel, hole, navierStokes, InpaintRadius, InpaintTypes.NS);
                // Only the blurs a layer with nonzero weight needs (detail 0 and 1 take one each).
                if (amp > 0) Cv2.GaussianBlur(patches, low, new Size(0, 0), DetailSigma, DetailSigma, BorderTypes.Reflect101);
                if (smoothAmp > 0) Cv2.GaussianBlur(patches, smoothLow, new Size(0, 0), SmoothDetailSigma, SmoothDetailSigma, BorderTypes.Reflect101);
                var tp = (float*)navierStokes.DataPointer;
                var lp = amp > 0 ? (float*)low.DataPointer : null;
                var sp = smoothAmp > 0 ? (float*)smoothLow.DataPointer : null;
                for (var y = 0; y < roi.Height; y++)
                {
                    var o = output.Row(roi.Y + y).Slice(roi.X * 4, roi.Width * 4);
                    var row = y * roi.Width;
                    for (var x = 0; x < roi.Width; x++)
                    {
                        var i = row + x;
                        if (hp[i] == 0) continue;
                        var harmonic = membrane[i * 3 + c];
                        var structure = harmonic + share * (tp[i] / CodeScale - harmonic);
                        var d = 0f;
                        if (lp != null) d += amp * (pp[i] - lp[i]);
                        if (sp != null) d += smoothAmp * (pp[i] - sp[i]);
                        o[x * 4 + c] = structure + d;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(membrane);
            ArrayPool<byte>.Shared.Return(known);
        }
    }

    /// <summary>Marks the region to fill (255) from the Mask clip or the shape params (spatial values × render scale).</summary>
    private static unsafe void BuildRegion(ParamSet p, FloatImage? mask, double scale, Mat region)
    {
        var kind = p.Choice(GenerativeFillDefinition.ParamMaskSource);
        if (kind == GenerativeFillDefinition.MaskFromClip)
        {
            if (mask is null) return;
            var useAlpha = AlphaVaries(mask);
            var view = new MatView(region);
            for (var y = 0; y < mask.Height; y++)
            {
                var src = mask.Row(y);
                var dst = view.Row<byte>(y);
                for (var x = 0; x < dst.Length; x++)
                {
                    var i = x * 4;
                    var v = useAlpha ? src[i + 3] : 0.2126f * src[i] + 0.7152f * src[i + 1] + 0.0722f * src[i + 2];
                    dst[x] = v > 0.5f ? (byte)255 : (byte)0;
                }
            }
            return;
        }
        var c = p.Doubles(GenerativeFillDefinition.ParamCenter);
        var s = p.Doubles(GenerativeFillDefinition.ParamSize);
        var cx = c[0] * scale;
        var cy = c[1] * scale;
        var w = s[0] * scale;
        var h = s[1] * scale;
        if (w <= 0 || h <= 0) return;
        if (kind == GenerativeFillDefinition.MaskRectangle)
        {
            var x0 = (int)Math.Round(cx - w / 2);
            var y0 = (int)Math.Round(cy - h / 2);
            var x1 = (int)Math.Round(cx + w / 2);
            var y1 = (int)Math.Round(cy + h / 2);
            x0 = Math.Clamp(x0, 0, region.Cols); x1 = Math.Clamp(x1, 0, region.Cols);
            y0 = Math.Clamp(y0, 0, region.Rows); y1 = Math.Clamp(y1, 0, region.Rows);
            if (x1 > x0 && y1 > y0) region[new Rect(x0, y0, x1 - x0, y1 - y0)].SetTo(Scalar.All(255));
            return;
        }
        Cv2.Ellipse(region, new RotatedRect(new Point2f((float)cx, (float)cy), new Size2f((float)w, (float)h), 0), Scalar.All(255), -1, LineTypes.Link8);
    }

    private static bool AlphaVaries(FloatImage mask)
    {
        var pixels = mask.Pixels;
        var first = pixels[3];
        for (var i = 7; i < pixels.Length; i += 4)
            if (pixels[i] != first) return true;
        return false;
    }

    /// <summary>The region's bounding box grown by <paramref name="reach"/> (dilate + feather) and a pixel, clipped: all a render changes.</summary>
    private static Rect Around(Mat region, float reach)
    {
        var box = Cv2.BoundingRect(region);
        return HoleRegions.Grow(box, (int)Math.Ceiling(reach) + 1, region.Cols, region.Rows);
    }

    private static unsafe ReadOnlySpan<byte> Bytes(Mat continuous8U) => new((void*)continuous8U.DataPointer, continuous8U.Rows * continuous8U.Cols);

    // Weight 1 in the dilated region, smoothstep down to 0 across the feather band; fillMask (full frame, zero outside
    // roi on entry) marks weight > 0. Only roi is transformed: every region pixel is inside it, and a pixel of roi
    // is nearest to a region pixel whatever lies outside, so distances there are exact; weights cover roi only.
    private static void BuildWeights(Mat region, Rect roi, float dilate, float feather, Mat fillMask, Mat weights)
    {
        using var known = new Mat();
        using (var regionRoi = new Mat(region, roi)) Cv2.BitwiseNot(regionRoi, known);
        using var distance = new Mat();
        Cv2.DistanceTransform(known, distance, DistanceTypes.L2, DistanceTransformMasks.Precise);
        using var maskRoi = new Mat(fillMask, roi);
        HoleRegions.FeatherWeights(distance, dilate, feather, maskRoi, weights);
    }

    // Output holds the fill inside the region; blend the band back towards the source and restore source alpha.
    // Weights cover roi only; everything outside it is the source already.
    private static void Blend(FloatImage source, FloatImage output, Mat weights, Rect roi)
    {
        var wv = new MatView(weights);
        for (var y = 0; y < roi.Height; y++)
            BlendRow(source.Row(roi.Y + y).Slice(roi.X * 4, roi.Width * 4), output.Row(roi.Y + y).Slice(roi.X * 4, roi.Width * 4), wv.Row<float>(y));
    }

    private static void BlendRow(ReadOnlySpan<float> s, Span<float> o, ReadOnlySpan<float> w)
    {
        for (var x = 0; x < w.Length; x++)
        {
            var weight = w[x];
            if (weight <= 0f) continue;
            var i = x * 4;
            if (weight < 1f)
            {
                o[i] = s[i] + weight * (o[i] - s[i]);
                o[i + 1] = s[i + 1] + weight * (o[i + 1] - s[i + 1]);
                o[i + 2] = s[i + 2] + weight * (o[i + 2] - s[i + 2]);
            }
            o[i + 3] = s[i + 3];
        }
    }
}
