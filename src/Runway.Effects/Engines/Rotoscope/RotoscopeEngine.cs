using System.Globalization;
using System.Text;
using OpenCvSharp;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Temporal;
using Runway.Effects.Pixels;
using R = Runway.Effects.Definitions.RotoscopeDefinition;

namespace Runway.Effects.Engines.Rotoscope;

/// <summary>
/// Classical rotoscope with OpenCV: GrabCut at keyframes, matte propagation along dense optical flow with the colour
/// model re-fitted on every frame, guided-filter soft edges, choke/feather/hold-out, alpha or luminance output.
/// </summary>
/// <remarks>
/// <para>How a frame is rendered (segmentation at a working size, longer side ≤ <see cref="FinalWorkingSide"/>):</para>
/// <list type="number">
/// <item>Keyframe (the Mask clip is connected and not empty at this time): the hint matte is the prior.</item>
/// <item>Otherwise, with Propagate on: the nearest anchor before and the nearest after are looked up — a keyframe
/// among the neighbour frames within the search window, or a matte this instance already rendered (the per-instance
/// <see cref="MatteCache"/>, within the window, at least one frame) — and each is carried to this frame along optical
/// flow, through the neighbour frames in between. With anchors on both sides the two are blended by temporal
/// distance (the nearer weighs more).</item>
/// <item>The prior (and the rectangle/points, when enabled) initialise GrabCut, which may only change a band around
/// the prior's edge; with no prior, the rectangle/points alone initialise it. Neither: the matte is empty and the
/// notes say no keyframe was in reach.</item>
/// <item>The segmentation is cached for later frames, then choked, refined by a guided filter (fitted at working size,
/// applied to the full-resolution picture) and feathered; hold-out inverts it.</item>
/// </list>
/// <para>Interactive renders: working size <see cref="DraftWorkingSide"/>, fast flow, nearest neighbour frames only,
/// and no colour re-fit of propagated or keyframe mattes (flow-only warp); rectangle/points-only frames get one GrabCut
/// iteration. Draft and final renders keep separate caches.</para>
/// <para>The cache makes a frame depend on which frames of the instance were rendered before it (that is how a
/// sequential render carries a keyframe through a whole shot); each frame still only depends on its own hints when no
/// anchor is in reach. Exactly: a frame's result depends on render order only when all of these hold — Propagate is on,
/// the frame is not itself a keyframe (no non-empty Mask at its time), and this engine instance has cached a matte, for
/// the same segmentation params (everything but choke, feather, hold-out, output, refine radius and window), the same
/// frame size and the same draft/final mode, at a time within max(window, 1) frames on either side that is nearer than
/// every keyframe among the neighbour frames on that side (a keyframe at the same distance wins), and whose source
/// frame still looks the same (mean grey difference ≤ 2 codes). Otherwise the frame is a function of its own pixels,
/// its neighbour frames and their masks, and the params. Hence: rendering a shot in order, or re-rendering it, gives
/// the sequential result; rendering a frame first (a seek) or out of order gives the keyframe-window result, which
/// differs when the nearest keyframe is further than the window. <see cref="ResetState"/> returns to the
/// order-independent behaviour.</para>
/// </remarks>
public sealed class RotoscopeEngine : IEffect
{
    /// <summary>Engine name reported in results.</summary>
    public const string Name = "classical/opencv-grabcut";

    /// <summary>Longer side of the segmentation in final renders.</summary>
    public const int FinalWorkingSide = 960;

    /// <summary>Longer side of the segmentation in interactive renders.</summary>
    public const int DraftWorkingSide = 384;

    /// <summary>GrabCut iterations at keyframes and for propagated mattes (final renders).</summary>
    public const int RefineIterations = 2;

    /// <summary>GrabCut iterations from a rectangle/points alone (final renders).</summary>
    public const int HintIterations = 5;

    /// <summary>Band GrabCut may change around a propagated matte, fraction of the working diagonal.</summary>
    public const double PropagatedBand = 0.012;

    /// <summary>Band GrabCut may change around a keyframe's hint matte: small, the artist's matte is trusted.</summary>
    public const double KeyframeBand = 0.004;

    /// <summary>
    /// Largest relative change of the subject's area a colour re-fit of a propagated matte may make before it is
    /// rejected. Measured on DAVIS bmx-trees (thin bike, motion blur): unguarded GrabCut eroded the bike away within
    /// 20 frames (mean J 0.17 over 40 frames) while the guard keeps 0.30; on blackswan it changes nothing (0.876).
    /// </summary>
    public const double MaxAreaChange = 0.1;

    /// <summary>Note when there is nothing to segment from.</summary>
    public const string NoteNoHint = "no keyframe in reach and no rectangle/points: empty matte";

    private readonly MatteCache _cache = new();

    public EffectDefinition Definition => R.Definition;

    /// <summary>Forgets all per-instance propagation state.</summary>
    public void ResetState() => _cache.Clear();

    public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var source = frame.Source;
        var (w, h) = (source.Width, source.Height);
        if (frame.Output.Width != w || frame.Output.Height != h)
            throw new ArgumentException($"output is {frame.Output.Width}x{frame.Output.Height}, source is {w}x{h}", nameof(frame));
        if (frame.Mask is { } m && (m.Width != w || m.Height != h))
            throw new ArgumentException($"mask is {m.Width}x{m.Height}, source is {w}x{h}; they must match", nameof(frame));

        var p = frame.Params;
        var scale = frame.RenderScale > 0 && double.IsFinite(frame.RenderScale) ? frame.RenderScale : 1.0;
        var draft = frame.Interactive;
        var work = MatteImages.WorkingSize(w, h, draft ? DraftWorkingSide : FinalWorkingSide);
        var workScale = work.Width / (double)w;
        // Medium, not Fine: measured 2026-11-24 on DAVIS (427x240, first true mask only), Fine flow left blackswan as it
        // was (J 0.875 / F 0.857) but lost more of bmx-trees (J 0.304 → 0.240, F 0.455 → 0.265): its wider windows
        // smear the thin bike into the background.
        var flowSettings = draft ? FlowSettings.Fast : FlowSettings.Medium;
        var flowSize = FlowEstimator.FlowSize(w, h, flowSettings);
        var threshold = (float)p.Double(R.ParamThreshold);
        var hints = Hints(p, scale * workScale, work);
        var notes = new List<string>();

        var (bgr, guide) = MatteImages.Analyse(source, work);
        using var _bgr = bgr;
        using var _guide = guide;
        using var grey = FlowEstimator.Grey(source, flowSize);

        var prior = frame.Mask is { } mask ? MatteImages.Hint(mask, work, threshold) : null;
        var keyframe = prior is not null;
        var key = StateKey(frame, draft);
        if (keyframe) notes.Add("keyframe: hint matte at this frame");
        else if (p.Boolean(R.ParamPropagate))
        {
            var window = p.Integer(R.ParamWindow);
            if (draft) window = Math.Min(window, R.InteractiveWindow);
            prior = Propagate(frame, key, window, threshold, work, grey, flowSettings, flowSize, notes, cancellationToken);
        }

        Mat? segmented;
        using (prior)
        {
            if (prior is null && !hints.Any)
            {
                segmented = null;
            }
            else if (draft && prior is not null)
            {
                // Flow-only: the propagated (or hinted) matte as it is, restricted to the rectangle.
                segmented = prior.Clone();
                if (hints.Rect is { } r) ClearOutside(segmented, r);
                notes.Add("draft: no colour re-fit");
            }
            else
            {
                var iterations = prior is null ? (draft ? 1 : HintIterations) : RefineIterations;
                var band = MatteRefiner.Band(work, keyframe ? KeyframeBand : PropagatedBand);
                segmented = ColourSegmenter.Segment(bgr, prior, hints, band, iterations, cancellationToken) ?? prior?.Clone();
                if (prior is not null && !keyframe && segmented is not null && AreaJumped(prior, segmented))
                {
                    // The colour model disagrees with the motion too much to trust (thin parts, look-alike background,
                    // motion blur): keep the flow-carried matte rather than let the subject shrink or bleed.
                    segmented.Dispose();
                    segmented = prior.Clone();
                    notes.Add("colour re-fit rejected (area changed more than " + (MaxAreaChange * 100).ToString("0", CultureInfo.InvariantCulture) + "%): flow-carried matte kept");
                }
                notes.Add(prior is null ? $"segmented from rectangle/points ({iterations} GrabCut iterations)" : $"colour re-fit ({iterations} GrabCut iterations)");
            }
            if (segmented is not null && prior is not null && !keyframe && DropStrayPieces(segmented, MinPieceFraction) is var dropped and > 0)
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"dropped {dropped} stray piece(s) smaller than {MinPieceFraction * 100:0}% of the main subject"));
        }

        // The source-size matte lives in a pooled buffer: a fresh 8 MiB plane per 1080p frame was allocation churn.
        var full = segmented is null ? null : System.Buffers.ArrayPool<float>.Shared.Rent(w * h);
        try
        {
            if (segmented is not null)
            {
                Finish(source, segmented, guide, p, scale, workScale, full!);
                if (p.Boolean(R.ParamPropagate))
                {
                    using var stored = new Mat();
                    segmented.ConvertTo(stored, MatType.CV_8UC1, 255);
                    _cache.Put(key, frame.Time, stored, grey);
                }
                segmented.Dispose();
            }
            else
            {
                notes.Add(NoteNoHint);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var holdOut = p.Boolean(R.ParamHoldOut);
            var luminance = p.Choice(R.ParamOutput) == R.OutputMatte;
            if (full is null)
            {
                var zeros = new float[w];
                for (var y = 0; y < h; y++) MatteRefiner.WriteRow(source.Row(y), zeros, holdOut, luminance, frame.Output.Row(y));
            }
            else
            {
                for (var y = 0; y < h; y++) MatteRefiner.WriteRow(source.Row(y), full.AsSpan(y * w, w), holdOut, luminance, frame.Output.Row(y));
            }
            notes.Add($"working size {work.Width}x{work.Height}");
            return new EffectResult(Name, notes);
        }
        finally
        {
            if (full is not null) System.Buffers.ArrayPool<float>.Shared.Return(full);
        }
    }

    /// <summary>
    /// Pieces of a propagated matte smaller than this fraction of its largest piece are dropped. A subject carried
    /// along flow sheds fragments where the flow follows something else — a tree passing in front, a look-alike
    /// background — and each later frame carries them on and lets GrabCut grow them. A real part of the subject that
    /// the matte shows detached (a wheel) is usually a sizeable fraction of the whole, so the bar is low. Measured
    /// 2026-11-24 (DAVIS, 427x240, first true mask only): bmx-trees J 0.304 → 0.325, F 0.455 → 0.458; blackswan
    /// unchanged (J 0.876, F 0.859).
    /// </summary>
    public const double MinPieceFraction = 0.1;

    /// <summary>Zeroes 8-connected pieces of <paramref name="matte"/> (CV_32FC1 0/1) below <paramref name="fraction"/> of the largest; returns how many.</summary>
    private static int DropStrayPieces(Mat matte, double fraction)
    {
        using var binary = new Mat();
        Cv2.Threshold(matte, binary, 0.5, 255, ThresholdTypes.Binary);
        using var binary8 = new Mat();
        binary.ConvertTo(binary8, MatType.CV_8UC1);
        using var labels = new Mat();
        using var stats = new Mat();
        using var centroids = new Mat();
        var n = Cv2.ConnectedComponentsWithStats(binary8, labels, stats, centroids, PixelConnectivity.Connectivity8, MatType.CV_32S);
        if (n <= 2) return 0;
        var areas = new int[n];
        var largest = 0;
        for (var i = 1; i < n; i++)
        {
            areas[i] = stats.At<int>(i, (int)ConnectedComponentsTypes.Area);
            largest = Math.Max(largest, areas[i]);
        }
        var drop = new bool[n];
        var count = 0;
        for (var i = 1; i < n; i++)
        {
            if (areas[i] >= fraction * largest) continue;
            drop[i] = true;
            count++;
        }
        if (count == 0) return 0;
        var labelView = new MatView(labels);
        var matteView = new MatView(matte);
        var rows = matte.Rows;
        for (var y = 0; y < rows; y++)
        {
            var l = labelView.Row<int>(y);
            var m = matteView.Row<float>(y);
            for (var x = 0; x < m.Length; x++)
                if (drop[l[x]]) m[x] = 0;
        }
        return count;
    }

    /// <summary>Whether the re-fit changed the subject's area by more than <see cref="MaxAreaChange"/>.</summary>
    internal static bool AreaJumped(Mat prior, Mat segmented)
    {
        using var before = new Mat();
        Cv2.Threshold(prior, before, 0.5, 1, ThresholdTypes.Binary);
        var a0 = Cv2.Sum(before).Val0;
        var a1 = Cv2.Sum(segmented).Val0;
        return a0 > 0 && Math.Abs(a1 - a0) > MaxAreaChange * a0;
    }

    private static void Finish(FloatImage source, Mat segmented, Mat guide, ParamSet p, double scale, double workScale, Span<float> full) =>
        MatteRefiner.Finish(source, segmented, guide,
            p.Double(R.ParamChoke) * scale * workScale,
            p.Double(R.ParamRefineRadius) * scale * workScale,
            p.Double(R.ParamFeather) * scale, full);

    /// <summary>
    /// The prior carried from the nearest anchors on each side, blended by temporal distance; null when no anchor is in
    /// reach.
    /// </summary>
    private Mat? Propagate(EffectFrame frame, string key, int window, float threshold, Size work, Mat grey, FlowSettings flow,
        Size flowSize, List<string> notes, CancellationToken cancellationToken)
    {
        var t = frame.Time;
        var neighbours = frame.Neighbours.Where(n => Math.Abs(n.Time - t) <= window && n.Time != t)
            .OrderBy(n => n.Time).ToList();
        var greys = new Dictionary<double, Mat>();
        try
        {
            var before = Side(frame, key, neighbours, greys, window, threshold, work, grey, flow, flowSize, before: true, cancellationToken);
            var after = Side(frame, key, neighbours, greys, window, threshold, work, grey, flow, flowSize, before: false, cancellationToken);
            if (before is null && after is null)
            {
                notes.Add($"no keyframe or propagated matte within {Math.Max(window, 1)} frame(s)");
                return null;
            }
            if (before is null || after is null)
            {
                var only = (before ?? after)!.Value;
                notes.Add($"propagated from {only.Origin} at t={Format(only.Time)}");
                return only.Matte;
            }
            var (b, a) = (before.Value, after.Value);
            var db = t - b.Time;
            var da = a.Time - t;
            var blended = new Mat();
            Cv2.AddWeighted(b.Matte, da / (da + db), a.Matte, db / (da + db), 0, blended);
            b.Matte.Dispose();
            a.Matte.Dispose();
            notes.Add($"bidirectional: {b.Origin} at t={Format(b.Time)} and {a.Origin} at t={Format(a.Time)}, blended by distance");
            return blended;
        }
        finally
        {
            foreach (var g in greys.Values) g.Dispose();
        }
    }

    private readonly record struct Anchor(double Time, Mat Matte, string Origin);

    /// <summary>Nearest anchor on one side carried to this frame, or null.</summary>
    private Anchor? Side(EffectFrame frame, string key, List<TimedImage> neighbours, Dictionary<double, Mat> greys, int window,
        float threshold, Size work, Mat grey, FlowSettings flow, Size flowSize, bool before, CancellationToken cancellationToken)
    {
        var t = frame.Time;
        var side = neighbours.Where(n => before ? n.Time < t : n.Time > t).ToList();
        // Nearest keyframe among the neighbours on this side.
        TimedImage? keyNeighbour = null;
        Mat? keyMatte = null;
        foreach (var n in before ? Enumerable.Reverse(side) : side)
        {
            if (n.Mask is null) continue;
            keyMatte = MatteImages.Hint(n.Mask, work, threshold);
            if (keyMatte is null) continue;
            keyNeighbour = n;
            break;
        }
        var cached = _cache.Nearest(key, t, before, Math.Max(window, 1));
        if (cached is not null && side.FirstOrDefault(n => n.Time == cached.Time) is { } same &&
            GreyDiffers(GreyOf(same, greys, flowSize), cached.Grey))
        {
            // The source at that time changed since it was cached: the matte no longer belongs to it.
            _cache.Remove(key, cached.Time);
            cached.Dispose();
            cached = null;
        }

        double anchorTime;
        Mat matte;
        Mat anchorGrey;
        string origin;
        // A keyframe at the same distance or nearer wins: it is the artist's matte, the cache only derived from one.
        if (keyNeighbour is not null && (cached is null || Math.Abs(keyNeighbour.Time - t) <= Math.Abs(cached.Time - t)))
        {
            cached?.Dispose();
            anchorTime = keyNeighbour.Time;
            matte = keyMatte!;
            anchorGrey = GreyOf(keyNeighbour, greys, flowSize);
            origin = "keyframe";
        }
        else if (cached is not null)
        {
            keyMatte?.Dispose();
            anchorTime = cached.Time;
            matte = new Mat();
            cached.Matte.ConvertTo(matte, MatType.CV_32FC1, 1.0 / 255);
            if (greys.TryGetValue(anchorTime, out var known)) anchorGrey = known;
            else
            {
                anchorGrey = cached.Grey.Clone();
                greys[anchorTime] = anchorGrey;
            }
            origin = "cached matte";
            cached.Dispose();
        }
        else
        {
            return null;
        }

        // Walk from the anchor towards this frame through the neighbour frames in between.
        var path = side.Where(n => before ? n.Time > anchorTime : n.Time < anchorTime).ToList();
        if (!before) path.Reverse();
        var fromGrey = anchorGrey;
        foreach (var step in path)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var g = GreyOf(step, greys, flowSize);
            var next = MatteWarp.Warp(matte, g, fromGrey, flow);
            matte.Dispose();
            matte = next;
            fromGrey = g;
        }
        cancellationToken.ThrowIfCancellationRequested();
        var here = MatteWarp.Warp(matte, grey, fromGrey, flow);
        matte.Dispose();
        return new Anchor(anchorTime, here, origin);
    }

    private static Mat GreyOf(TimedImage n, Dictionary<double, Mat> greys, Size flowSize)
    {
        if (!greys.TryGetValue(n.Time, out var g))
        {
            g = FlowEstimator.Grey(n.Source, flowSize);
            greys[n.Time] = g;
        }
        return g;
    }

    /// <summary>Whether two flow greys differ by more than JPEG/transcode noise (mean absolute difference over 2 codes).</summary>
    internal static bool GreyDiffers(Mat a, Mat b)
    {
        if (a.Size() != b.Size()) return false;
        using var diff = new Mat();
        Cv2.Absdiff(a, b, diff);
        return Cv2.Mean(diff).Val0 > 2.0;
    }

    private static void ClearOutside(Mat matte, Rect r)
    {
        using var keep = new Mat(matte.Size(), MatType.CV_8UC1, Scalar.All(255));
        var inside = r.Intersect(new Rect(0, 0, matte.Width, matte.Height));
        if (inside.Width > 0 && inside.Height > 0)
        {
            using var sub = new Mat(keep, inside);
            sub.SetTo(Scalar.All(0));
        }
        matte.SetTo(Scalar.All(0), keep);
    }

    /// <summary>Rectangle and enabled points in working pixels (params are full-resolution frame pixels).</summary>
    private static SegmentHints Hints(ParamSet p, double toWork, Size work)
    {
        Rect? rect = null;
        if (p.Boolean(R.ParamUseRect))
        {
            var c = p.Doubles(R.ParamRectCentre);
            var s = p.Doubles(R.ParamRectSize);
            var x0 = (int)Math.Round((c[0] - Math.Abs(s[0]) / 2) * toWork);
            var y0 = (int)Math.Round((c[1] - Math.Abs(s[1]) / 2) * toWork);
            var x1 = (int)Math.Round((c[0] + Math.Abs(s[0]) / 2) * toWork);
            var y1 = (int)Math.Round((c[1] + Math.Abs(s[1]) / 2) * toWork);
            rect = new Rect(x0, y0, Math.Max(1, x1 - x0), Math.Max(1, y1 - y0));
        }
        var positive = new List<Point>();
        var negative = new List<Point>();
        for (var i = 1; i <= R.PointCount; i++)
        {
            if (p.Boolean(R.ParamPositiveEnable(i))) positive.Add(ToPoint(p.Doubles(R.ParamPositivePoint(i)), toWork));
            if (p.Boolean(R.ParamNegativeEnable(i))) negative.Add(ToPoint(p.Doubles(R.ParamNegativePoint(i)), toWork));
        }
        var radius = Math.Max(2, (int)Math.Round(Math.Sqrt((double)work.Width * work.Width + (double)work.Height * work.Height) * 0.01));
        return new SegmentHints(rect, positive, negative, radius);
    }

    private static Point ToPoint(IReadOnlyList<double> v, double toWork) => new((int)Math.Round(v[0] * toWork), (int)Math.Round(v[1] * toWork));

    /// <summary>Instance plus every param that changes the segmentation (not the finishing), the frame size and draft/final.</summary>
    private static string StateKey(EffectFrame frame, bool draft)
    {
        var sb = new StringBuilder(frame.InstanceId).Append('|').Append(frame.Source.Width).Append('x').Append(frame.Source.Height)
            .Append(draft ? "|draft" : "|final");
        foreach (var (name, value) in frame.Params.All)
        {
            if (name is R.ParamChoke or R.ParamFeather or R.ParamHoldOut or R.ParamOutput or R.ParamRefineRadius or R.ParamWindow) continue;
            sb.Append('|').Append(name).Append('=').Append(value switch
            {
                double[] a => string.Join(",", a.Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            });
        }
        return sb.ToString();
    }

    private static string Format(double t) => t.ToString("0.###", CultureInfo.InvariantCulture);
}
