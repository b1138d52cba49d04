using System.Buffers;
using System.Globalization;
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
/// <param name="BlendHistory">Final renders: warp each history frame by its own extrapolated motion to the target time
/// and average it in where it agrees with the end frame (less noise), or use it where the end frame has no data.</param>
/// <param name="FillDisocclusions">Final renders: fill the pixels inside the frame that no end-frame pixel lands on
/// (uncovered behind a moving subject, see <see cref="ExtendShotEngine.MarkDisocclusions"/>) together with the revealed
/// pixels, in one frame-wide <see cref="PatchFill"/> with the end frame as reference. Off by default: it measured worse than
/// the warp (it borrows the subject's own texture next to the hole; see ExtendShotBlendTests); the local fill of
/// <paramref name="FillNeverSeen"/> replaced it. Detection always runs in final renders and is reported in the notes.</param>
/// <param name="DisocclusionsFromHistory">Final renders: take disoccluded pixels from the nearest older history frame that
/// shows background there, warped by the camera motion alone (see <see cref="ExtendShotEngine"/>); pixels no history
/// frame shows are synthesised (<paramref name="FillNeverSeen"/>) or keep the warp. On by default: where it
/// finds background (a subject narrower than its travel over the history, such as tennis's racket arm) it is nearer the
/// truth than the warp (tennis k = 2: 20.81 vs 17.78 dB on the 590 pixels it took; +0.03 dB on the whole frame at
/// k = 1, 2), and on the other real windows it takes 0–21 pixels (see ExtendShotQualityTests).</param>
/// <param name="FillNeverSeen">Final renders: the disoccluded pixels no history frame shows (what is left after
/// <paramref name="DisocclusionsFromHistory"/>) are synthesised by <see cref="PatchFill"/> from what lies around them, one
/// crop per cluster (the gap grown by max(24, width/32) px), instead of keeping the warp's sample from behind the subject,
/// which streaks the subject's edge into the gap. On by default: on the real camera windows of ExtendShotQualityTests
/// (k = 1..3) the whole frame stays within −0.016..+0.020 dB of the warp, inside the filled pixels PSNR goes −0.7..+2.5 dB
/// (5 of 8 frames better) and the detail there (mean luma gradient) comes nearer the truth's (tennis k = 2: 0.021 against
/// truth 0.027, warp 0.027; blackswan k = 3: 0.025 against 0.024, warp 0.034). Drafts do not look for disocclusions, so
/// they skip it. Ignored when <paramref name="FillDisocclusions"/> is on.</param>
/// <param name="NeverSeenExcludesSubject">With <paramref name="FillNeverSeen"/>: the moving subject next to the gap joins
/// the crop's hole so that no patch is copied from it. Off by default: it wins on a synthetic dark square (band RMSE
/// 0.247 against 0.283) but loses 0.03–0.25 dB on the real windows (tennis k = 2: 20.756 against 20.886 dB), where the
/// residual marks much of the background as moving and the fill then copies from busier regions further away.</param>
public sealed record ExtendShotOptions(bool FillRevealed = true, bool Residual = true, bool BlendHistory = true, bool FillDisocclusions = false,
    bool DisocclusionsFromHistory = true, bool FillNeverSeen = true, bool NeverSeenExcludesSubject = false);

/// <summary>
/// Extend shot's classical engine: renders the frame k steps past the clip's end from the end frame and the history
/// frames before it, in closed form (frame k never needs frames 1…k−1, so hosts may render in any order).
/// </summary>
/// <remarks>
/// <para>Extrapolate:</para>
/// <list type="number">
/// <item>The history frames (the end frame last) are reduced to perceptual greys; their content hash and the quality
/// key a <see cref="MotionCache"/> entry, so scrubbing or rendering a whole tail measures motion once, whichever instance
/// or job asks.</item>
/// <item>Final renders look the frame up in a <see cref="TailCache"/> first, keyed by the full-resolution pixels the
/// render reads, the params and <see cref="Version"/>: a tail rendered ahead of time by <c>runway extend</c> serves the
/// plugin's requests for the same frames and params.</item>
/// <item><see cref="MotionEstimator"/>: mean camera similarity per frame from RANSAC-filtered feature tracks, plus the
/// residual per-frame motion of the end frame's content from dense flow.</item>
/// <item>Damping d gives the effective number of motion steps at frame k as c(k) = Σᵢ₌₁ᵏ (1−d)ⁱ, a closed form; the end
/// frame is warped by the camera step to the power c(k) (exact for similarities, see <see cref="Similarity.Power"/>)
/// and by c(k) times the residual, sampled backwards through one remap at full resolution.</item>
/// <item>Final renders blend the history frames in: history frame m steps before the end is warped by its own
/// extrapolated motion (m + c(k) camera steps, m + c(k) residual steps) and averaged in per pixel with a weight that falls
/// to zero as it disagrees with the warped end frame (so moving or mis-registered content is ignored); where the end
/// frame has no data (new view) the nearest history frame that has some becomes the anchor instead.</item>
/// <item>Final renders find disocclusions inside the frame: end-frame pixels are splatted forward along c(k) times the
/// residual on the residual grid, and cells nothing lands on (background uncovered behind a moving subject) are taken
/// from the nearest older history frame that shows background there (the end frame's moving cells carried back along
/// their own motion do not cover the spot), warped by the camera motion alone; the rest keep the warp's sample from
/// behind the subject, or join the hole when <see cref="ExtendShotOptions.FillDisocclusions"/> is on.</item>
/// <item>Disoccluded pixels no frame shows are synthesised from around them by <see cref="PatchFill"/>, one crop per
/// cluster (<see cref="ExtendShotOptions.FillNeverSeen"/>).</item>
/// <item>Pixels whose source lies outside every frame (new view) are filled with <see cref="PatchFill"/> in final
/// renders; interactive renders stretch the edge instead, take neither history blending
/// nor disocclusion filling, and use coarser greys and at most <see cref="ExtendShotDefinition.InteractiveHistory"/>
/// history frames.</item>
/// <item>Blend To Tail cross-fades, over the far end of the extension, into the held end frame.</item>
/// </list>
/// <para>Hold, Loop and Ping-pong pick a history frame (or the end frame) and copy it.</para>
/// <para>Values above 1 pass through the bilinear warp untouched; alpha moves with the picture.</para>
/// </remarks>
public sealed class ExtendShotEngine : IEffect
{
    /// <summary>Engine name reported in results.</summary>
    public const string Name = "classical/opencv";

    /// <summary>
    /// Version of the extrapolation, part of every <see cref="TailCache"/> key: bump it when a change alters rendered
    /// frames, so a resident daemon never serves frames of the previous algorithm.
    /// </summary>
    public const string Version = "extrapolate/4";

    /// <summary>Note prefix when a final frame is served from the <see cref="TailCache"/>.</summary>
    public const string NoteTailCached = "tail cached";

    /// <summary>Note when the render time lies inside the source range.</summary>
    public const string NoteInside = "inside the source range: source returned";

    /// <summary>Note when the caller did not say where the source range is.</summary>
    public const string NoteNoRange = "source range unknown: source returned";

    private readonly ExtendShotOptions _options;
    private readonly MotionCache _cache = new();
    private readonly TailCache _tails;

    public ExtendShotEngine() : this(new ExtendShotOptions())
    {
    }

    /// <summary>An engine with non-default switches (tests, benchmarks) and a memory-only tail cache budget.</summary>
    public ExtendShotEngine(ExtendShotOptions options, long tailCacheBytes = TailCache.DefaultCapacityBytes)
        : this(options, new TailCacheSettings(tailCacheBytes))
    {
    }

    /// <summary>
    /// An engine whose tail cache has the given budgets and, optionally, a cache directory (the daemon's, so a tail
    /// rendered ahead of time outlives a restart).
    /// </summary>
    public ExtendShotEngine(ExtendShotOptions options, TailCacheSettings tailCache)
    {
        _options = options;
        _tails = new TailCache(tailCache);
    }

    public EffectDefinition Definition => ExtendShotDefinition.Definition;

    /// <summary>Motion estimates held by this engine's cache (for tests and stats).</summary>
    public int CachedEstimates => _cache.Count;

    /// <summary>Final frames held by this engine's tail cache in memory (for tests and stats).</summary>
    public int CachedFrames => _tails.Count;

    /// <summary>This engine's tail cache (for tests and stats).</summary>
    public TailCache Tails => _tails;

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
        string? tailKey = null;
        string? cacheProblem = null;
        try
        {
            Parallel.For(0, greys.Length, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount },
                (int i) => { greys[i] = FlowEstimator.Grey(sequence[i].Source, greySize); });
            // Content only (no instance id): the motion is a function of these greys, whoever asks for it.
            var key = $"{source.Width}x{source.Height}|{settings.Flow.MaxSide}|{settings.Residual}|{MotionCache.ContentKey(greys)}";
            if (!frame.Interactive)
            {
                // Drafts skip the tail cache: hashing the full-resolution frames would eat a large part of their budget.
                tailKey = TailKey(frame, sequence, k, key, ct);
                var cached = _tails.Find(tailKey, output);
                if (cached.Hit)
                {
                    notes.Add($"{NoteTailCached}{(cached.Source == TailSource.Disk ? " (disk)" : "")}: frame {k} rendered before from the same frames and params");
                    notes.AddRange(cached.Notes);
                    return;
                }
                // Reported after the frame is stored, so later hits do not repeat it.
                cacheProblem = cached.Problem;
            }
            motion = _cache.GetOrAdd(key, () => MotionEstimator.Estimate(greys, source.Width, source.Height, settings, ct), out hit);
        }
        finally
        {
            foreach (var g in greys) g?.Dispose();
        }
        ct.ThrowIfCancellationRequested();

        var steps = EffectiveSteps(k, damping);
        var warp = motion.Step.Power(steps);
        var draft = frame.Interactive;
        var width = source.Width;
        var height = source.Height;
        using var endMap = FullMap(warp, motion, steps, 0, width, height, draft ? 8 : 4, out var revealed);
        // Bicubic keeps the warped frame as sharp as the held one (bilinear visibly softens it: lower SSIM on real
        // clips); drafts take bilinear, about half the cost.
        var interpolation = draft ? InterpolationFlags.Linear : InterpolationFlags.Cubic;
        Remap(source, output, endMap, interpolation, ct);
        notes.Add($"extrapolated frame {k}: {steps:0.##} motion steps from {motion.Pairs} frame pairs ({motion.Tracks} tracks)" +
            (hit ? ", motion cached" : ""));
        notes.Add($"camera per frame: shift ({motion.Step.B.Real:0.##}, {motion.Step.B.Imaginary:0.##}) px, " +
            $"scale {motion.Step.A.Magnitude:0.####}, rotation {motion.Step.A.Phase * 180 / Math.PI:0.###}°" +
            (motion.Residual.Length > 0 ? ", residual flow" : ""));

        if (draft)
        {
            if (revealed > 0) notes.Add($"{revealed} revealed pixels: edge stretched (interactive render)");
        }
        else
        {
            using var hole = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
            var outside = MarkOutside(endMap, width, height, hole);
            if (_options.BlendHistory && sequence.Count > 1)
            {
                var (used, recovered) = BlendHistory(sequence, output, hole, warp, motion, steps, interpolation, ct);
                notes.Add($"blended {used} history frame(s) where they agree with the end frame" +
                    (recovered > 0 ? $"; {recovered} new-view pixels taken from history" : ""));
                outside -= recovered;
            }
            var disoccluded = 0;
            using var neverSeen = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
            var neverSeenCount = 0;
            using (var uncovered = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0)))
            {
                var found = MarkDisocclusions(motion, steps, warp, width, height, uncovered);
                var fromHistory = 0;
                if (found > 0 && _options.DisocclusionsFromHistory && sequence.Count > 1)
                {
                    fromHistory = DisocclusionsFromHistory(sequence, output, uncovered, hole, warp, motion, ct);
                    notes.Add($"{found} disoccluded pixels: {fromHistory} taken from older history frames that show background there");
                }
                if (_options.FillDisocclusions)
                {
                    using var fresh = new Mat();
                    Cv2.BitwiseNot(hole, fresh);
                    Cv2.BitwiseAnd(fresh, uncovered, fresh);
                    disoccluded = Cv2.CountNonZero(fresh);
                    Cv2.BitwiseOr(hole, uncovered, hole);
                }
                else if (found - fromHistory > 0 && _options.FillNeverSeen)
                {
                    // What no frame shows: kept for the fill below, after the revealed pixels (so its sources hold no
                    // stretched edge).
                    Cv2.BitwiseNot(hole, neverSeen);
                    Cv2.BitwiseAnd(neverSeen, uncovered, neverSeen);
                    neverSeenCount = Cv2.CountNonZero(neverSeen);
                }
                else if (found - fromHistory > 0)
                {
                    notes.Add($"{found - fromHistory} disoccluded pixels: background sampled from behind the subject by the warp");
                }
            }
            if (outside > 0 || disoccluded > 0)
            {
                if (_options.FillRevealed)
                {
                    PatchFill.Fill(output, hole, source, new PatchFillOptions(Seed: k, Draft: false), ct);
                    notes.Add($"{outside} revealed and {disoccluded} disoccluded pixels filled by patch synthesis");
                }
                else
                {
                    notes.Add($"{outside} revealed and {disoccluded} disoccluded pixels: warp kept (fill switched off)");
                }
            }
            if (neverSeenCount > 0)
            {
                var subject = FillNeverSeen(output, neverSeen, motion, steps, warp, k, _options.NeverSeenExcludesSubject, ct);
                notes.Add(subject >= 0
                    ? $"{neverSeenCount} disoccluded pixels no frame shows: synthesised from the background around them by patch fill" +
                      (_options.NeverSeenExcludesSubject ? $" ({subject} px of moving subject left out of the sources)" : "")
                    : $"{neverSeenCount} disoccluded pixels no frame shows: background sampled from behind the subject by the warp " +
                      "(too little background around them to copy from)");
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
        if (tailKey is not null && _tails.Add(tailKey, output, notes) is { } unsaved) notes.Add(unsaved);
        if (cacheProblem is not null) notes.Add(cacheProblem);
    }

    /// <summary>
    /// The <see cref="TailCache"/> key of final frame <paramref name="k"/>: engine version and switches, size, every
    /// param, the motion key (the greys of all history frames) and the full-resolution content of the frames whose pixels
    /// the render reads (the end frame and the <see cref="MaxBlended"/> nearest history frames), with their times
    /// relative to the end.
    /// </summary>
    private string TailKey(EffectFrame frame, List<TimedImage> sequence, int k, string motionKey, CancellationToken ct)
    {
        var end = sequence[^1].Time;
        var read = sequence.Count - 1 - Math.Min(MaxBlended, sequence.Count - 1);
        var hashes = new string[sequence.Count - read];
        // One frame per core: a 1080p float frame hashes in a few milliseconds.
        Parallel.For(0, hashes.Length, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => hashes[i] = TailCache.Hash(sequence[read + i].Source.Pixels));
        var key = new System.Text.StringBuilder();
        key.Append(Version).Append('|').Append(_options).Append('|').Append(frame.Source.Width).Append('x').Append(frame.Source.Height)
            .Append("|k=").Append(k);
        foreach (var (name, value) in frame.Params.All)
        {
            var text = value is double[] list
                ? string.Join(",", list.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))
                : Convert.ToString(value, CultureInfo.InvariantCulture);
            key.Append('|').Append(name).Append('=').Append(text);
        }
        key.Append("|motion=").Append(motionKey);
        for (var i = 0; i < hashes.Length; i++)
            key.Append('|').Append((sequence[read + i].Time - end).ToString("R", CultureInfo.InvariantCulture)).Append(':').Append(hashes[i]);
        return key.ToString();
    }

    /// <summary>Motion steps taken by frame k when each frame keeps (1 − damping) of the last one's motion.</summary>
    public static double EffectiveSteps(int k, double damping)
    {
        var r = 1 - Math.Clamp(damping, 0, 1);
        if (r >= 1 - 1e-12) return k;
        return r * (1 - Math.Pow(r, k)) / (1 - r);
    }

    /// <summary>
    /// Full-resolution sampling position, for output pixel (x, y), in the frame <paramref name="back"/> steps before the
    /// end frame: the end-frame position (camera inverse, then <paramref name="steps"/> residual steps back), then that
    /// content's own motion over the last <paramref name="back"/> frames undone (camera and residual, as measured).
    /// </summary>
    private static (float X, float Y) SourcePosition(Similarity inverse, Similarity backInverse, double back, MotionEstimate motion,
        double steps, double x, double y, double cx, double cy, int width, int height)
    {
        var q = inverse.Apply(new Complex(x - cx, y - cy));
        var qx = (float)(q.Real + cx);
        var qy = (float)(q.Imaginary + cy);
        var (rx, ry) = motion.SampleResidual(qx, qy, width, height);
        var ex = qx - (float)steps * rx;
        var ey = qy - (float)steps * ry;
        if (back <= 0) return (ex, ey);
        var (hx, hy) = motion.SampleResidual(ex, ey, width, height);
        var h = backInverse.Apply(new Complex(ex - cx, ey - cy));
        return ((float)(h.Real + cx) - (float)back * hx, (float)(h.Imaginary + cy) - (float)back * hy);
    }

    /// <summary>Samples <paramref name="source"/> through <paramref name="map"/> into <paramref name="output"/>.</summary>
    private static unsafe void Remap(FloatImage source, FloatImage output, Mat map, InterpolationFlags interpolation, CancellationToken ct)
    {
        var width = source.Width;
        var height = source.Height;
        ct.ThrowIfCancellationRequested();
        fixed (float* src = source.Buffer)
        fixed (float* dst = output.Buffer)
        {
            using var srcMat = Mat.FromPixelData(height, width, MatType.CV_32FC4, (IntPtr)src);
            using var dstMat = Mat.FromPixelData(height, width, MatType.CV_32FC4, (IntPtr)dst);
            using var none = new Mat();
            Cv2.Remap(srcMat, dstMat, map, none, interpolation, BorderTypes.Replicate);
        }
    }

    /// <summary>
    /// The full-resolution sampling map into the frame <paramref name="back"/> steps before the end frame (0 = the end
    /// frame), from a grid 1/<paramref name="cell"/> of the resolution per side (the camera part is affine, so bilinear
    /// interpolation of it is exact, and the residual is smooth by construction; 16× or 64× fewer evaluations);
    /// <paramref name="revealed"/> estimates from the grid how many output pixels sample outside the frame.
    /// </summary>
    private static Mat FullMap(Similarity warp, MotionEstimate motion, double steps, double back, int width, int height, int cell,
        out int revealed)
    {
        var gw = Math.Max(2, (width + cell - 1) / cell);
        var gh = Math.Max(2, (height + cell - 1) / cell);
        var outside = 0;
        var inverse = warp.Inverse();
        var backInverse = motion.Step.Power(back).Inverse();
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
                var (sx, sy) = SourcePosition(inverse, backInverse, back, motion, steps, x, y, cx, cy, width, height);
                row[i * 2] = sx;
                row[i * 2 + 1] = sy;
                if (!Inside(sx, sy, width, height)) outside++;
            }
        }
        revealed = (int)Math.Round(outside * (double)width * height / (gw * gh));
        var map = new Mat();
        Cv2.Resize(grid, map, new Size(width, height), 0, 0, InterpolationFlags.Linear);
        return map;
    }

    // Half a pixel of slack: bilinear taps at the very edge are still real pixels under replicate.
    private static bool Inside(float sx, float sy, int width, int height) =>
        sx >= -0.5f && sy >= -0.5f && sx <= width - 0.5f && sy <= height - 0.5f;

    /// <summary>Marks 255 in <paramref name="mask"/> the map entries sampling outside the source; returns how many.</summary>
    private static int MarkOutside(Mat map, int width, int height, Mat mask)
    {
        var view = new MatView(map);
        var maskView = new MatView(mask);
        var count = 0;
        for (var y = 0; y < height; y++)
        {
            var row = view.Row<float>(y, 2);
            var m = maskView.Row<byte>(y);
            for (var x = 0; x < width; x++)
            {
                if (Inside(row[x * 2], row[x * 2 + 1], width, height)) continue;
                count++;
                m[x] = 255;
            }
        }
        return count;
    }

    // Colour distance (RGB, Euclidean, relative to the anchor's brightness when above 1) at which a history sample's
    // weight falls to zero: about 5 code values, the frame-to-frame noise of real footage; a subject that moved
    // differently, or a mis-registered edge, is left out.
    private const float BlendTolerance = 0.02f;

    // Each step back in time scales a history frame's weight by 0.35: its extrapolated warp is less exact the further
    // it goes (0.5 measured 0.01 dB / 0.0002 SSIM lower on the moving real clips; 0.35 keeps them level).
    private const float HistoryDecay = 0.35f;

    // History frames blended in, nearest first: the fourth would carry 0.35⁴ ≈ 1.5 % of the end frame's weight, not
    // worth another full-resolution warp (each costs about 100 ms at 1080p).
    private const int MaxBlended = 3;

    /// <summary>
    /// Averages the history frames, each warped by its own extrapolated motion to the target time, into
    /// <paramref name="output"/> (which holds the warped end frame) with agreement weights. Where
    /// <paramref name="hole"/> marks pixels the end frame has no data for, the nearest history frame with data becomes
    /// the anchor and the mark is cleared. Returns the history frames used and the hole pixels recovered.
    /// </summary>
    private static (int Used, int Recovered) BlendHistory(List<TimedImage> sequence, FloatImage output, Mat hole,
        Similarity warp, MotionEstimate motion, double steps, InterpolationFlags interpolation, CancellationToken ct)
    {
        var width = output.Width;
        var height = output.Height;
        var endTime = sequence[^1].Time;
        var pixels = width * height;
        using var warped = new FloatImage(width, height);
        using var sum = new FloatImage(width, height);
        sum.Pixels.Clear();
        var weights = ArrayPool<float>.Shared.Rent(pixels);
        var recovered = 0;
        var used = 0;
        try
        {
            Array.Clear(weights, 0, pixels);
            // Nearest history frame first: where the end frame has no data it is the best anchor.
            for (var i = sequence.Count - 2; i >= Math.Max(0, sequence.Count - 1 - MaxBlended); i--)
            {
                ct.ThrowIfCancellationRequested();
                var back = Math.Abs(endTime - sequence[i].Time);
                using var map = FullMap(warp, motion, steps, back, width, height, 4, out _);
                Remap(sequence[i].Source, warped, map, interpolation, ct);
                recovered += Accumulate(output, warped, map, hole, sum, weights, MathF.Pow(HistoryDecay, (float)back));
                used++;
            }
            var o = output.Buffer;
            var t = sum.Buffer;
            for (var p = 0; p < pixels; p++)
            {
                var w = weights[p];
                if (w <= 0) continue;
                var norm = 1f / (1f + w);
                var b = p * 4;
                for (var c = 0; c < 4; c++) o[b + c] = (o[b + c] + t[b + c]) * norm;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(weights);
        }
        return (used, recovered);
    }

    /// <summary>One history frame's contribution; returns the hole pixels it became the anchor of.</summary>
    private static int Accumulate(FloatImage anchor, FloatImage warped, Mat map, Mat hole, FloatImage sum, float[] weights, float trust)
    {
        var width = anchor.Width;
        var height = anchor.Height;
        var mapView = new MatView(map);
        var holeView = new MatView(hole);
        var a = anchor.Buffer;
        var h = warped.Buffer;
        var s = sum.Buffer;
        var recovered = 0;
        // Rows are independent (each touches only its own pixels): split them over the cores.
        Parallel.For(0, height, () => 0, (y, _, local) =>
        {
            var mr = mapView.Row<float>(y, 2);
            var hr = holeView.Row<byte>(y);
            for (var x = 0; x < width; x++)
            {
                if (!Inside(mr[x * 2], mr[x * 2 + 1], width, height)) continue;
                var b = (y * width + x) * 4;
                if (hr[x] != 0)
                {
                    // No anchor yet: this (nearest) history frame's sample becomes it.
                    h.AsSpan(b, 4).CopyTo(a.AsSpan(b, 4));
                    hr[x] = 0;
                    local++;
                    continue;
                }
                var dr = h[b] - a[b];
                var dg = h[b + 1] - a[b + 1];
                var db = h[b + 2] - a[b + 2];
                var scale = Math.Max(1f, Math.Max(a[b], Math.Max(a[b + 1], a[b + 2])));
                var tol = BlendTolerance * scale;
                var w = trust * (1f - (dr * dr + dg * dg + db * db) / (tol * tol));
                if (w <= 0) continue;
                weights[y * width + x] += w;
                for (var c = 0; c < 4; c++) s[b + c] += w * h[b + c];
            }
            return local;
        }, local => Interlocked.Add(ref recovered, local));
        return recovered;
    }

    /// <summary>
    /// Marks 255 in <paramref name="hole"/> the output pixels inside the frame that no end-frame pixel lands on when the
    /// end frame's content moves on by <paramref name="steps"/> residual steps: each residual-grid cell is splatted
    /// forward onto the 2×2 cells around its destination, cells left empty are uncovered background, grown by one
    /// cell (the residual is blurred at motion edges) and carried to the output through the camera warp. Returns the
    /// pixels newly marked.
    /// </summary>
    /// <param name="motion">The motion at the clip's end.</param>
    /// <param name="steps">Residual motion steps taken by the target frame (<see cref="EffectiveSteps"/>).</param>
    /// <param name="warp">The target frame's camera warp (the camera step to the power <paramref name="steps"/>).</param>
    /// <param name="width">Frame width, full resolution.</param>
    /// <param name="height">Frame height, full resolution.</param>
    /// <param name="hole">CV_8UC1 <paramref name="width"/>×<paramref name="height"/> mask that receives the marks.</param>
    public static int MarkDisocclusions(MotionEstimate motion, double steps, Similarity warp, int width, int height, Mat hole)
    {
        if (motion.Residual.Length == 0 || steps <= 0) return 0;
        var w = motion.ResidualWidth;
        var h = motion.ResidualHeight;
        var gx = w / (double)width;
        var gy = h / (double)height;
        var r = motion.Residual;
        using var grid = new Mat(h, w, MatType.CV_8UC1, Scalar.All(255));
        var view = new MatView(grid);
        for (var j = 0; j < h; j++)
        {
            for (var i = 0; i < w; i++)
            {
                var o = (j * w + i) * 2;
                var dx = i + steps * r[o] * gx;
                var dy = j + steps * r[o + 1] * gy;
                var x0 = (int)Math.Floor(dx);
                var y0 = (int)Math.Floor(dy);
                for (var yy = y0; yy <= y0 + 1; yy++)
                {
                    if (yy < 0 || yy >= h) continue;
                    var row = view.Row<byte>(yy);
                    for (var xx = x0; xx <= x0 + 1; xx++)
                        if (xx >= 0 && xx < w) row[xx] = 0;
                }
            }
        }
        if (Cv2.CountNonZero(grid) == 0) return 0;
        using var kernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3));
        Cv2.Dilate(grid, grid, kernel);
        using var moved = GridToOutput(grid, warp, width, height);
        using var fresh = new Mat();
        Cv2.BitwiseNot(hole, fresh);
        Cv2.BitwiseAnd(fresh, moved, fresh);
        var added = Cv2.CountNonZero(fresh);
        if (added > 0) Cv2.BitwiseOr(hole, moved, hole);
        return added;
    }

    /// <summary>
    /// A residual-grid mask (end-frame, camera-stabilised positions) at full resolution in output positions: resized
    /// (nearest) and moved by the target frame's camera <paramref name="warp"/>, z → A·z + B about the centre.
    /// </summary>
    private static Mat GridToOutput(Mat grid, Similarity warp, int width, int height)
    {
        using var full = new Mat();
        Cv2.Resize(grid, full, new Size(width, height), 0, 0, InterpolationFlags.Nearest);
        var cx = (width - 1) / 2.0;
        var cy = (height - 1) / 2.0;
        var a = warp.A;
        var b = warp.B;
        using var m = new Mat(2, 3, MatType.CV_64FC1);
        m.Set(0, 0, a.Real); m.Set(0, 1, -a.Imaginary); m.Set(0, 2, b.Real + cx - a.Real * cx + a.Imaginary * cy);
        m.Set(1, 0, a.Imaginary); m.Set(1, 1, a.Real); m.Set(1, 2, b.Imaginary + cy - a.Imaginary * cx - a.Real * cy);
        var moved = new Mat();
        Cv2.WarpAffine(full, moved, m, new Size(width, height), InterpolationFlags.Nearest, BorderTypes.Constant, Scalar.All(0));
        return moved;
    }

    /// <summary>
    /// Speed of the residual flow per cell, and the fastest speed within two cells of each: what tells a moving
    /// subject from the background around it. The caller owns both Mats.
    /// </summary>
    private static (Mat Speed, Mat Fastest) ResidualSpeed(MotionEstimate motion)
    {
        var gw = motion.ResidualWidth;
        var gh = motion.ResidualHeight;
        var r = motion.Residual;
        var speed = new Mat(gh, gw, MatType.CV_32FC1);
        var speedView = new MatView(speed);
        for (var j = 0; j < gh; j++)
        {
            var row = speedView.Row<float>(j);
            for (var i = 0; i < gw; i++)
            {
                var c = (j * gw + i) * 2;
                row[i] = MathF.Sqrt(r[c] * r[c] + r[c + 1] * r[c + 1]);
            }
        }
        var fastest = new Mat();
        using (var near = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(5, 5))) Cv2.Dilate(speed, fastest, near);
        return (speed, fastest);
    }

    /// <summary>
    /// Residual cells of a moving subject (speed at least <see cref="MovingSpeed"/> and <see cref="MovingFraction"/> of the
    /// fastest within two cells): 255 in a CV_8UC1 grid of the residual's size.
    /// </summary>
    private static Mat MovingCells(MotionEstimate motion)
    {
        var gw = motion.ResidualWidth;
        var gh = motion.ResidualHeight;
        var (speed, fastest) = ResidualSpeed(motion);
        using var speedOwner = speed;
        using var fastestOwner = fastest;
        var speedView = new MatView(speed);
        var fastestView = new MatView(fastest);
        var moving = new Mat(gh, gw, MatType.CV_8UC1, Scalar.All(0));
        var movingView = new MatView(moving);
        for (var j = 0; j < gh; j++)
        {
            var sr = speedView.Row<float>(j);
            var fr = fastestView.Row<float>(j);
            var mr = movingView.Row<byte>(j);
            for (var i = 0; i < gw; i++)
                if (sr[i] >= MovingSpeed && sr[i] >= MovingFraction * fr[i]) mr[i] = 255;
        }
        return moving;
    }

    /// <summary>
    /// Fills the pixels marked in <paramref name="target"/> (disoccluded, shown by no frame) with <see cref="PatchFill"/>
    /// in a crop around them. The moving subject, where its cells lie at the end frame and where they land at the target
    /// time (one cell of margin), joins the hole so that no patch is copied from it: the uncovered background is continued
    /// from the background beside it, not from the subject that just left (which the warp smears into the gap). Only the
    /// target pixels are written back. Returns the subject pixels left out of the sources.
    /// </summary>
    private static int FillNeverSeen(FloatImage output, Mat target, MotionEstimate motion, double steps, Similarity warp, int seed,
        bool excludeSubject, CancellationToken ct)
    {
        var width = output.Width;
        var height = output.Height;
        var gw = motion.ResidualWidth;
        var gh = motion.ResidualHeight;
        var r = motion.Residual;
        using var moving = MovingCells(motion);
        using var subjectGrid = moving.Clone();
        var movingView = new MatView(moving);
        var subjectView = new MatView(subjectGrid);
        for (var j = 0; j < gh; j++)
        {
            var mr = movingView.Row<byte>(j);
            for (var i = 0; i < gw; i++)
            {
                if (mr[i] == 0) continue;
                var c = (j * gw + i) * 2;
                var x = (int)Math.Round(i + steps * r[c] * gw / width);
                var y = (int)Math.Round(j + steps * r[c + 1] * gh / height);
                if (x >= 0 && y >= 0 && x < gw && y < gh) subjectView.Row<byte>(y)[x] = 255;
            }
        }
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3))) Cv2.Dilate(subjectGrid, subjectGrid, kernel);
        using var subject = GridToOutput(subjectGrid, warp, width, height);

        // One crop per cluster of target pixels (grown by a margin that holds enough background to copy from), so the
        // subject left out is only the part next to the gap, and scattered gaps do not make one frame-sized fill.
        var margin = Math.Max(24, width / 32);
        using var grown = new Mat();
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(2 * margin + 1, 2 * margin + 1)))
            Cv2.Dilate(target, grown, kernel);
        using var labels = new Mat();
        using var stats = new Mat();
        using var centroids = new Mat();
        var count = Cv2.ConnectedComponentsWithStats(grown, labels, stats, centroids, PixelConnectivity.Connectivity8, MatType.CV_32S);
        var left = 0;
        var filled = false;
        var o = output.Buffer;
        var targetView = new MatView(target);
        for (var label = 1; label < count; label++)
        {
            ct.ThrowIfCancellationRequested();
            var crop = new Rect(stats.At<int>(label, 0), stats.At<int>(label, 1), stats.At<int>(label, 2), stats.At<int>(label, 3));
            using var hole = new Mat();
            int targetPixels;
            using (var targetCrop = new Mat(target, crop))
            using (var subjectCrop = new Mat(subject, crop))
            using (var grownCrop = new Mat(grown, crop))
            {
                targetPixels = Cv2.CountNonZero(targetCrop);
                if (excludeSubject)
                {
                    using var near = new Mat();
                    Cv2.BitwiseAnd(subjectCrop, grownCrop, near);
                    Cv2.BitwiseOr(targetCrop, near, hole);
                }
                else
                {
                    targetCrop.CopyTo(hole);
                }
            }
            var holePixels = Cv2.CountNonZero(hole);
            // Keep the warp when the subject leaves too little to copy from (under a quarter of the crop).
            if (targetPixels == 0 || holePixels * 4L > crop.Width * 3L * crop.Height) continue;
            using var patch = new FloatImage(crop.Width, crop.Height);
            var pb = patch.Buffer;
            for (var y = 0; y < crop.Height; y++)
                o.AsSpan(((crop.Y + y) * width + crop.X) * 4, crop.Width * 4).CopyTo(pb.AsSpan(y * crop.Width * 4, crop.Width * 4));
            PatchFill.Fill(patch, hole, null, new PatchFillOptions(Seed: seed + label, Draft: false), ct);
            for (var y = 0; y < crop.Height; y++)
            {
                var tr = targetView.Row<byte>(crop.Y + y);
                for (var x = 0; x < crop.Width; x++)
                {
                    if (tr[crop.X + x] == 0) continue;
                    pb.AsSpan((y * crop.Width + x) * 4, 4).CopyTo(o.AsSpan(((crop.Y + y) * width + crop.X + x) * 4, 4));
                }
            }
            left += holePixels - targetPixels;
            filled = true;
        }
        return filled ? left : -1;
    }

    // Residual speed (full-resolution pixels per frame) above which a residual cell counts as part of a moving subject
    // when finding where older history frames show background: flow noise on static background stays well below it.
    private const float MovingSpeed = 0.5f;

    // A cell also needs at least this fraction of the fastest speed within two cells: the residual is blurred, so a
    // subject's motion leaks into slow-moving cells around it that would otherwise be carried back only part of the way
    // and mark the background it uncovered as still covered.
    private const float MovingFraction = 0.5f;

    /// <summary>
    /// Replaces the pixels marked in <paramref name="uncovered"/> (and not in <paramref name="hole"/>) with the background
    /// the nearest older history frame shows there: the output pixel's end-frame position (camera warp undone) is carried
    /// back <c>m</c> frames by the camera motion alone, and used when no moving residual cell of the end frame, carried
    /// back along its own motion to that frame (plus one cell of margin), covers it: the subject was elsewhere then.
    /// Clears the marks it fills and returns how many.
    /// </summary>
    private static int DisocclusionsFromHistory(List<TimedImage> sequence, FloatImage output, Mat uncovered, Mat hole,
        Similarity warp, MotionEstimate motion, CancellationToken ct)
    {
        var width = output.Width;
        var height = output.Height;
        var gw = motion.ResidualWidth;
        var gh = motion.ResidualHeight;
        var r = motion.Residual;
        var inverse = warp.Inverse();
        var cx = (width - 1) / 2.0;
        var cy = (height - 1) / 2.0;
        var endTime = sequence[^1].Time;
        var uncoveredView = new MatView(uncovered);
        var holeView = new MatView(hole);
        var o = output.Buffer;
        var filled = 0;
        var (speed, fastest) = ResidualSpeed(motion);
        using var speedOwner = speed;
        using var fastestOwner = fastest;
        var speedView = new MatView(speed);
        var fastestView = new MatView(fastest);
        using var occupied = new Mat(gh, gw, MatType.CV_8UC1);
        using var kernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3));
        var occupiedView = new MatView(occupied);
        // Nearest history frame first: its camera warp is the most exact.
        for (var i = sequence.Count - 2; i >= 0; i--)
        {
            ct.ThrowIfCancellationRequested();
            var back = Math.Abs(endTime - sequence[i].Time);
            occupied.SetTo(Scalar.All(0));
            for (var j = 0; j < gh; j++)
            {
                var sr = speedView.Row<float>(j);
                var fr = fastestView.Row<float>(j);
                for (var x = 0; x < gw; x++)
                {
                    if (sr[x] < MovingSpeed || sr[x] < MovingFraction * fr[x]) continue;
                    var c = (j * gw + x) * 2;
                    var px = (int)Math.Floor(x - back * r[c] * gw / width);
                    var py = (int)Math.Floor(j - back * r[c + 1] * gh / height);
                    for (var yy = py; yy <= py + 1; yy++)
                    {
                        if (yy < 0 || yy >= gh) continue;
                        var row = occupiedView.Row<byte>(yy);
                        for (var xx = px; xx <= px + 1; xx++)
                            if (xx >= 0 && xx < gw) row[xx] = 255;
                    }
                }
            }
            // One cell of margin round the subject.
            Cv2.Dilate(occupied, occupied, kernel);
            var backInverse = motion.Step.Power(back).Inverse();
            var source = sequence[i].Source;
            var remaining = 0;
            for (var y = 0; y < height; y++)
            {
                var ur = uncoveredView.Row<byte>(y);
                var hr = holeView.Row<byte>(y);
                for (var x = 0; x < width; x++)
                {
                    if (ur[x] == 0 || hr[x] != 0) continue;
                    var q = inverse.Apply(new Complex(x - cx, y - cy));
                    var gx = (int)Math.Round((q.Real + cx + 0.5) * gw / width - 0.5);
                    var gy = (int)Math.Round((q.Imaginary + cy + 0.5) * gh / height - 0.5);
                    var s = backInverse.Apply(q);
                    var sx = (float)(s.Real + cx);
                    var sy = (float)(s.Imaginary + cy);
                    if (gx < 0 || gy < 0 || gx >= gw || gy >= gh || occupiedView.Row<byte>(gy)[gx] != 0 || !Inside(sx, sy, width, height))
                    {
                        remaining++;
                        continue;
                    }
                    SampleBilinear(source, sx, sy, o.AsSpan((y * width + x) * 4, 4));
                    ur[x] = 0;
                    filled++;
                }
            }
            if (remaining == 0) break;
        }
        return filled;
    }

    /// <summary>Bilinear sample of all four channels of <paramref name="image"/> at (x, y), edges replicated.</summary>
    private static void SampleBilinear(FloatImage image, float x, float y, Span<float> into)
    {
        var w = image.Width;
        var h = image.Height;
        x = Math.Clamp(x, 0, w - 1);
        y = Math.Clamp(y, 0, h - 1);
        var x0 = (int)x;
        var y0 = (int)y;
        var x1 = Math.Min(x0 + 1, w - 1);
        var y1 = Math.Min(y0 + 1, h - 1);
        var fx = x - x0;
        var fy = y - y0;
        var p = image.Buffer;
        int a = (y0 * w + x0) * 4, b = (y0 * w + x1) * 4, c = (y1 * w + x0) * 4, d = (y1 * w + x1) * 4;
        for (var ch = 0; ch < 4; ch++)
        {
            var top = p[a + ch] + fx * (p[b + ch] - p[a + ch]);
            var bottom = p[c + ch] + fx * (p[d + ch] - p[c + ch]);
            into[ch] = top + fy * (bottom - top);
        }
    }

    /// <summary>output = lerp(output, target, w), all four channels.</summary>
    private static void Blend(FloatImage output, FloatImage target, float w)
    {
        var o = output.Pixels;
        var t = target.Pixels;
        for (var i = 0; i < o.Length; i++) o[i] += w * (t[i] - o[i]);
    }
}
