using System.Numerics;
using OpenCvSharp;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Synthesis;
using Runway.Effects.Engines.Temporal;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Extend;

/// <summary>Engine switches that tests and benchmarks flip; users never see them (the catalog uses the defaults).</summary>
/// <param name="FillRevealed">Fill regions the motion brings into view with <see cref="PatchFill"/>; off = the
/// warp's edge pixels are stretched into them (the draft behaviour).</param>
/// <param name="Residual">Extrapolate residual dense flow on top of the camera motion.</param>
public sealed record ExtendShotOptions(bool FillRevealed = true, bool Residual = true);

/// <summary>
/// Extend shot's classical engine: renders the frame k steps past the clip's end from the end frame and the history
/// frames before it, in closed form (frame k never needs frames 1…k−1, so hosts may render in any order).
/// </summary>
/// <remarks>
/// <para>Extrapolate:</para>
/// <list type="number">
/// <item>The history frames (the end frame last) are reduced to perceptual greys; their content hash, the instance and
/// the quality key a <see cref="MotionCache"/> entry, so scrubbing or rendering a whole tail measures motion once.</item>
/// <item><see cref="MotionEstimator"/>: mean camera similarity per frame from RANSAC-filtered feature tracks, plus the
/// residual per-frame motion of the end frame's content from dense flow.</item>
/// <item>Damping d gives the effective number of motion steps at frame k as c(k) = Σᵢ₌₁ᵏ (1−d)ⁱ, a closed form; the end
/// frame is warped by the camera step to the power c(k) (exact for similarities, see <see cref="Similarity.Power"/>)
/// and by c(k) times the residual, sampled backwards through one remap at full resolution.</item>
/// <item>Pixels whose source lies outside the end frame (new view) are filled with <see cref="PatchFill"/> in final
/// renders; interactive renders stretch the edge instead, and use coarser greys and at most
/// <see cref="ExtendShotDefinition.InteractiveHistory"/> history frames.</item>
/// <item>Blend To Tail cross-fades, over the far end of the extension, into the held end frame.</item>
/// </list>
/// <para>Hold, Loop and Ping-pong pick a history frame (or the end frame) and copy it.</para>
/// <para>Values above 1 pass through the bilinear warp untouched; alpha moves with the picture.</para>
/// </remarks>
public sealed class ExtendShotEngine : IEffect
{
    /// <summary>Engine name reported in results.</summary>
    public const string Name = "classical/opencv";

    /// <summary>Note when the render time lies inside the source range.</summary>
    public const string NoteInside = "inside the source range: source returned";

    /// <summary>Note when the caller did not say where the source range is.</summary>
    public const string NoteNoRange = "source range unknown: source returned";

    private readonly ExtendShotOptions _options;
    private readonly MotionCache _cache = new();

    public ExtendShotEngine() : this(new ExtendShotOptions())
    {
    }

    /// <summary>An engine with non-default switches (tests, benchmarks).</summary>
    public ExtendShotEngine(ExtendShotOptions options) => _options = options;

    public EffectDefinition Definition => ExtendShotDefinition.Definition;

    /// <summary>Motion estimates held by this engine's cache (for tests and stats).</summary>
    public int CachedEstimates => _cache.Count;

    public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
    {
        var source = frame.Source;
        var output = frame.Output;
        if (output.Width != source.Width || output.Height != source.Height)
            throw new ArgumentException($"output is {output.Width}x{output.Height}, source is {source.Width}x{source.Height}", nameof(frame));
        cancellationToken.ThrowIfCancellationRequested();
        if (frame.SourceRange is not { } range)
        {
            source.CopyTo(output);
            return EffectResult.From(Name, NoteNoRange);
        }
        if (range.Contains(frame.Time))
        {
            source.CopyTo(output);
            return EffectResult.From(Name, NoteInside);
        }

        var p = frame.Params;
        var after = p.Choice(ExtendShotDefinition.ParamDirection) != TimeExtension.Before;
        var frames = p.Integer(ExtendShotDefinition.ParamFrames);
        var end = after ? range.Last : range.First;
        // Step k ≥ 1 past the end, on the extended side; a time on the other side is treated as its mirror.
        var k = Math.Clamp((int)Math.Round(Math.Abs(frame.Time - end)), 1, frames);
        var history = p.Integer(ExtendShotDefinition.ParamHistory);
        var notes = new List<string>();
        if (frame.Interactive && history > ExtendShotDefinition.InteractiveHistory)
        {
            history = ExtendShotDefinition.InteractiveHistory;
            notes.Add($"interactive render: history {history}");
        }
        var sequence = History(frame, end, after, history);
        var mode = p.Choice(ExtendShotDefinition.ParamMode);
        switch (mode)
        {
            case ExtendShotDefinition.ModeHold:
                source.CopyTo(output);
                notes.Insert(0, $"hold: frame {k} shows the end frame");
                return new EffectResult(Name, notes);
            case ExtendShotDefinition.ModeLoop:
            {
                // Loop the history window in playback order: k = 1 shows its first frame, k = n its last (the end).
                var index = (k - 1) % sequence.Count;
                sequence[index].Source.CopyTo(output);
                notes.Insert(0, $"loop over {sequence.Count} frames: frame {k} shows time {sequence[index].Time}");
                return new EffectResult(Name, notes);
            }
            case ExtendShotDefinition.ModePingPong:
            {
                var n = sequence.Count - 1;
                var back = 0;
                if (n > 0)
                {
                    var phase = k % (2 * n);
                    back = phase <= n ? phase : 2 * n - phase;
                }
                var chosen = sequence[n - back];
                chosen.Source.CopyTo(output);
                notes.Insert(0, $"ping-pong over {sequence.Count} frames: frame {k} shows time {chosen.Time}");
                return new EffectResult(Name, notes);
            }
        }

        Extrapolate(frame, sequence, k, frames, notes, cancellationToken);
        return new EffectResult(Name, notes);
    }

    /// <summary>The history frames ordered towards the clip's end, the end frame (Source) last; one per time.</summary>
    private static List<TimedImage> History(EffectFrame frame, double end, bool after, int history)
    {
        var source = frame.Source;
        var list = frame.Neighbours
            .Where(n => n.Source.Width == source.Width && n.Source.Height == source.Height)
            .Where(n => after ? n.Time < end - 1e-6 && n.Time >= end - history - 1e-6 : n.Time > end + 1e-6 && n.Time <= end + history + 1e-6)
            .GroupBy(n => n.Time).Select(g => g.First())
            .OrderByDescending(n => Math.Abs(n.Time - end))
            .ToList();
        list.Add(new TimedImage(end, source, null));
        return list;
    }

    private void Extrapolate(EffectFrame frame, List<TimedImage> sequence, int k, int frames, List<string> notes, CancellationToken ct)
    {
        var source = frame.Source;
        var output = frame.Output;
        var p = frame.Params;
        var damping = p.Double(ExtendShotDefinition.ParamDamping);
        var settings = frame.Interactive ? MotionSettings.Draft : MotionSettings.Final;
        if (!_options.Residual) settings = settings with { Residual = false };

        var greySize = FlowEstimator.FlowSize(source.Width, source.Height, settings.Flow);
        var greys = new Mat[sequence.Count];
        MotionEstimate motion;
        bool hit;
        try
        {
            Parallel.For(0, greys.Length, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount },
                (int i) => { greys[i] = FlowEstimator.Grey(sequence[i].Source, greySize); });
            var key = $"{frame.InstanceId}|{source.Width}x{source.Height}|{settings.Flow.MaxSide}|{settings.Residual}|{MotionCache.ContentKey(greys)}";
            motion = _cache.GetOrAdd(key, () => MotionEstimator.Estimate(greys, source.Width, source.Height, settings, ct), out hit);
        }
        finally
        {
            foreach (var g in greys) g?.Dispose();
        }
        ct.ThrowIfCancellationRequested();

        var steps = EffectiveSteps(k, damping);
        var warp = motion.Step.Power(steps);
        var revealed = Warp(source, output, warp, motion, steps, frame.Interactive, ct);
        notes.Add($"extrapolated frame {k}: {steps:0.##} motion steps from {motion.Pairs} frame pairs ({motion.Tracks} tracks)" +
            (hit ? ", motion cached" : ""));
        notes.Add($"camera per frame: shift ({motion.Step.B.Real:0.##}, {motion.Step.B.Imaginary:0.##}) px, " +
            $"scale {motion.Step.A.Magnitude:0.####}, rotation {motion.Step.A.Phase * 180 / Math.PI:0.###}°" +
            (motion.Residual.Length > 0 ? ", residual flow" : ""));

        if (revealed > 0)
        {
            if (frame.Interactive || !_options.FillRevealed)
            {
                notes.Add($"{revealed} revealed pixels: edge stretched{(frame.Interactive ? " (interactive render)" : "")}");
            }
            else
            {
                using var hole = RevealedMask(source, warp, motion, steps);
                PatchFill.Fill(output, hole, source, new PatchFillOptions(Seed: k, Draft: false), ct);
                notes.Add($"{revealed} revealed pixels filled by patch synthesis");
            }
        }

        var tail = p.Double(ExtendShotDefinition.ParamTailBlend);
        if (tail > 0)
        {
            var start = frames * (1 - tail);
            var t = Math.Clamp((k - start) / Math.Max(1e-9, frames - start), 0, 1);
            var w = (float)(t * t * (3 - 2 * t));
            if (w > 0)
            {
                Blend(output, source, w);
                notes.Add($"blended {w:0.##} towards the held end frame");
            }
        }
    }

    /// <summary>Motion steps taken by frame k when each frame keeps (1 − damping) of the last one's motion.</summary>
    public static double EffectiveSteps(int k, double damping)
    {
        var r = 1 - Math.Clamp(damping, 0, 1);
        if (r >= 1 - 1e-12) return k;
        return r * (1 - Math.Pow(r, k)) / (1 - r);
    }

    /// <summary>Full-resolution sampling position in the end frame for output pixel (x, y).</summary>
    private static (float X, float Y) SourcePosition(Similarity inverse, MotionEstimate motion, double steps, double x, double y,
        double cx, double cy, int width, int height)
    {
        var q = inverse.Apply(new Complex(x - cx, y - cy));
        var qx = (float)(q.Real + cx);
        var qy = (float)(q.Imaginary + cy);
        var (rx, ry) = motion.SampleResidual(qx, qy, width, height);
        return (qx - (float)steps * rx, qy - (float)steps * ry);
    }

    /// <summary>
    /// Warps <paramref name="source"/> into <paramref name="output"/>; returns about how many output pixels sample
    /// outside the source (revealed by the motion). The sampling map is computed on a coarse grid and resized: the
    /// camera part is affine, so bilinear interpolation of it is exact, and the residual is smooth by construction.
    /// </summary>
    private static unsafe int Warp(FloatImage source, FloatImage output, Similarity warp, MotionEstimate motion, double steps, bool draft,
        CancellationToken ct)
    {
        var width = source.Width;
        var height = source.Height;
        using var map = FullMap(warp, motion, steps, width, height, draft ? 8 : 4, out var revealed);
        // Bicubic keeps the warped frame as sharp as the held one (bilinear visibly softens it: lower SSIM on real
        // clips); drafts take bilinear, about half the cost.
        var interpolation = draft ? InterpolationFlags.Linear : InterpolationFlags.Cubic;
        ct.ThrowIfCancellationRequested();
        fixed (float* src = source.Buffer)
        fixed (float* dst = output.Buffer)
        {
            using var srcMat = Mat.FromPixelData(height, width, MatType.CV_32FC4, (IntPtr)src);
            using var dstMat = Mat.FromPixelData(height, width, MatType.CV_32FC4, (IntPtr)dst);
            using var none = new Mat();
            Cv2.Remap(srcMat, dstMat, map, none, interpolation, BorderTypes.Replicate);
        }
        return revealed;
    }

    /// <summary>
    /// The full-resolution sampling map, from a grid 1/<paramref name="cell"/> of the resolution per side (fine enough
    /// for the residual's smoothness; 16× or 64× fewer evaluations); <paramref name="revealed"/> estimates from the
    /// grid how many output pixels sample outside the source.
    /// </summary>
    private static Mat FullMap(Similarity warp, MotionEstimate motion, double steps, int width, int height, int cell, out int revealed)
    {
        var gw = Math.Max(2, (width + cell - 1) / cell);
        var gh = Math.Max(2, (height + cell - 1) / cell);
        var outside = 0;
        var inverse = warp.Inverse();
        var cx = (width - 1) / 2.0;
        var cy = (height - 1) / 2.0;
        using var grid = new Mat(gh, gw, MatType.CV_32FC2);
        var view = new MatView(grid);
        for (var j = 0; j < gh; j++)
        {
            var row = view.Row<float>(j, 2);
            var y = (j + 0.5) * height / gh - 0.5;
            for (var i = 0; i < gw; i++)
            {
                var x = (i + 0.5) * width / gw - 0.5;
                var (sx, sy) = SourcePosition(inverse, motion, steps, x, y, cx, cy, width, height);
                row[i * 2] = sx;
                row[i * 2 + 1] = sy;
                if (!(sx >= -0.5f && sy >= -0.5f && sx <= width - 0.5f && sy <= height - 0.5f)) outside++;
            }
        }
        revealed = (int)Math.Round(outside * (double)width * height / (gw * gh));
        var map = new Mat();
        Cv2.Resize(grid, map, new Size(width, height), 0, 0, InterpolationFlags.Linear);
        return map;
    }

    /// <summary>Marks 255 in <paramref name="mask"/> the map entries sampling outside the source; returns how many.</summary>
    private static int MarkOutside(Mat map, int width, int height, Mat mask)
    {
        var view = new MatView(map);
        var maskView = new MatView(mask);
        var count = 0;
        // Half a pixel of slack: bilinear taps at the very edge are still real pixels under replicate.
        float maxX = width - 0.5f, maxY = height - 0.5f;
        for (var y = 0; y < height; y++)
        {
            var row = view.Row<float>(y, 2);
            var m = maskView.Row<byte>(y);
            for (var x = 0; x < width; x++)
            {
                var sx = row[x * 2];
                var sy = row[x * 2 + 1];
                if (sx >= -0.5f && sy >= -0.5f && sx <= maxX && sy <= maxY) continue;
                count++;
                m[x] = 255;
            }
        }
        return count;
    }

    private static Mat RevealedMask(FloatImage source, Similarity warp, MotionEstimate motion, double steps)
    {
        using var map = FullMap(warp, motion, steps, source.Width, source.Height, 4, out _);
        var mask = new Mat(source.Height, source.Width, MatType.CV_8UC1, Scalar.All(0));
        MarkOutside(map, source.Width, source.Height, mask);
        return mask;
    }

    /// <summary>output = lerp(output, target, w), all four channels.</summary>
    private static void Blend(FloatImage output, FloatImage target, float w)
    {
        var o = output.Pixels;
        var t = target.Pixels;
        for (var i = 0; i < o.Length; i++) o[i] += w * (t[i] - o[i]);
    }
}
