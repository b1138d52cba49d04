using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;
using OpenCvSharp;
using Runway.Effects.Engines.Temporal;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Extend;

/// <summary>
/// The motion at a clip's end, estimated once from its last frames: the camera's mean per-frame similarity and the
/// residual (non-camera) per-frame motion of the end frame's pixels. Immutable and shared between renders.
/// </summary>
/// <param name="Step">Mean camera motion from one frame to the next, towards the clip's end (full-resolution, centred).</param>
/// <param name="Residual">Per-frame residual motion of the end frame's content in full-resolution pixels, as (dx, dy)
/// pairs on a <paramref name="ResidualWidth"/>×<paramref name="ResidualHeight"/> grid covering the frame; empty when
/// there was no pair to measure it from.</param>
/// <param name="Pairs">Frame pairs the camera motion was measured on.</param>
/// <param name="Tracks">Inlier feature tracks over all pairs.</param>
public sealed record MotionEstimate(Similarity Step, float[] Residual, int ResidualWidth, int ResidualHeight, int Pairs, int Tracks)
{
    /// <summary>No motion: extrapolation holds the end frame.</summary>
    public static MotionEstimate None { get; } = new(Similarity.Identity, [], 0, 0, 0, 0);

    /// <summary>Bilinear sample of the residual at a full-resolution pixel position (x, y); zero when there is none.</summary>
    public (float X, float Y) SampleResidual(float x, float y, int width, int height)
    {
        if (Residual.Length == 0) return (0f, 0f);
        var w = ResidualWidth;
        var h = ResidualHeight;
        // Grid cell centres sit at full-resolution (j + 0.5)·W/w − 0.5, the convention of an area resize.
        var gx = Math.Clamp((x + 0.5f) * w / width - 0.5f, 0f, w - 1f);
        var gy = Math.Clamp((y + 0.5f) * h / height - 0.5f, 0f, h - 1f);
        var x0 = (int)gx;
        var y0 = (int)gy;
        var x1 = Math.Min(x0 + 1, w - 1);
        var y1 = Math.Min(y0 + 1, h - 1);
        var fx = gx - x0;
        var fy = gy - y0;
        var r = Residual;
        int i00 = (y0 * w + x0) * 2, i01 = (y0 * w + x1) * 2, i10 = (y1 * w + x0) * 2, i11 = (y1 * w + x1) * 2;
        var ax = r[i00] + fx * (r[i01] - r[i00]);
        var ay = r[i00 + 1] + fx * (r[i01 + 1] - r[i00 + 1]);
        var bx = r[i10] + fx * (r[i11] - r[i10]);
        var by = r[i10 + 1] + fx * (r[i11 + 1] - r[i10 + 1]);
        return (ax + fy * (bx - ax), ay + fy * (by - ay));
    }
}

/// <summary>How carefully the motion at a clip's end is measured.</summary>
/// <param name="Flow">Grey size and Farnebäck settings for tracking and residual flow.</param>
/// <param name="MaxCorners">Most features tracked per frame pair.</param>
/// <param name="Residual">Whether residual dense flow is measured at all.</param>
public sealed record MotionSettings(FlowSettings Flow, int MaxCorners, bool Residual)
{
    /// <summary>Final renders.</summary>
    public static MotionSettings Final { get; } = new(FlowSettings.Medium, 600, true);

    /// <summary>Interactive renders: coarse greys, fewer features.</summary>
    public static MotionSettings Draft { get; } = new(FlowSettings.Fast, 250, true);
}

/// <summary>
/// Measures <see cref="MotionEstimate"/>s: feature tracks (Shi-Tomasi corners followed by pyramidal Lucas-Kanade)
/// between consecutive history frames, a RANSAC similarity per pair (<c>estimateAffinePartial2D</c>), and Farnebäck
/// flow between the last two frames minus the last pair's camera motion, kept where forward and backward flow agree.
/// </summary>
public static class MotionEstimator
{
    // Fewer RANSAC inliers than this and a pair's camera motion is not trusted (counted as no motion).
    private const int MinInliers = 12;

    // RANSAC reprojection threshold, in full-resolution pixels.
    private const double RansacThreshold = 2.0;

    // Residual vectors whose forward/backward flows disagree by more than this (grey pixels) are dropped.
    private const float ConsistencyLimit = 0.75f;

    /// <summary>
    /// Estimates the motion over <paramref name="greys"/> (CV_8UC1 at one size, ordered towards the clip's end, the
    /// end frame last) of frames <paramref name="width"/>×<paramref name="height"/> at full resolution.
    /// </summary>
    public static MotionEstimate Estimate(IReadOnlyList<Mat> greys, int width, int height, MotionSettings settings, CancellationToken ct)
    {
        if (greys.Count < 2) return MotionEstimate.None;
        var size = greys[0].Size();
        var sx = width / (double)size.Width;
        var sy = height / (double)size.Height;
        var cx = (width - 1) / 2.0;
        var cy = (height - 1) / 2.0;

        var steps = new Similarity?[greys.Count - 1];
        var inliers = new int[steps.Length];
        Parallel.For(0, steps.Length, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => (steps[i], inliers[i]) = PairMotion(greys[i], greys[i + 1], sx, sy, cx, cy, settings.MaxCorners));
        ct.ThrowIfCancellationRequested();

        // Mean of the trusted steps in log space, later pairs weighted more: a camera easing in or out is followed.
        Complex logA = Complex.Zero, b = Complex.Zero;
        double weights = 0;
        var tracks = 0;
        for (var i = 0; i < steps.Length; i++)
        {
            if (steps[i] is not { } s) continue;
            var w = i + 1.0;
            var (la, bb) = s.Log();
            logA += w * la;
            b += w * bb;
            weights += w;
            tracks += inliers[i];
        }
        var step = weights > 0 ? new Similarity(Complex.Exp(logA / weights), b / weights) : Similarity.Identity;
        var last = steps[^1] ?? step;

        if (!settings.Residual) return new MotionEstimate(step, [], 0, 0, steps.Length, tracks);
        var residual = Residual(greys, steps, step, sx, sy, cx, cy, settings.Flow, ct);
        return new MotionEstimate(step, residual, size.Width, size.Height, steps.Length, tracks);
    }

    private static (Similarity?, int) PairMotion(Mat from, Mat to, double sx, double sy, double cx, double cy, int maxCorners)
    {
        var corners = Cv2.GoodFeaturesToTrack(from, maxCorners, 0.01, Math.Max(4, from.Cols / 80.0), null!, 5, false, 0.04);
        if (corners.Length < MinInliers) return (null, 0);
        var next = new Point2f[corners.Length];
        Cv2.CalcOpticalFlowPyrLK(from, to, corners, ref next, out var status, out _, new Size(21, 21), 3);
        var src = new List<Point2d>(corners.Length);
        var dst = new List<Point2d>(corners.Length);
        for (var i = 0; i < corners.Length; i++)
        {
            if (status[i] == 0) continue;
            // Full-resolution pixel positions about the frame centre: the Similarity convention.
            src.Add(new Point2d((corners[i].X + 0.5) * sx - 0.5 - cx, (corners[i].Y + 0.5) * sy - 0.5 - cy));
            dst.Add(new Point2d((next[i].X + 0.5) * sx - 0.5 - cx, (next[i].Y + 0.5) * sy - 0.5 - cy));
        }
        if (src.Count < MinInliers) return (null, 0);
        using var inlierMask = new Mat();
        using var srcMat = InputArray.Create(src);
        using var dstMat = InputArray.Create(dst);
        using var m = Cv2.EstimateAffinePartial2D(srcMat, dstMat, inlierMask, RobustEstimationAlgorithms.RANSAC, RansacThreshold, 2000, 0.99, 10);
        if (m is null || m.Empty()) return (null, 0);
        var count = Cv2.CountNonZero(inlierMask);
        if (count < MinInliers) return (null, count);
        var a = new Complex(m.At<double>(0, 0), m.At<double>(1, 0));
        var t = new Complex(m.At<double>(0, 2), m.At<double>(1, 2));
        if (!double.IsFinite(a.Real) || !double.IsFinite(a.Imaginary) || a.Magnitude < 1e-3) return (null, count);
        return (new Similarity(a, t), count);
    }

    /// <summary>
    /// The end frame's persistent residual motion: measured on the last pair and, when there is one, the pair before;
    /// kept (averaged) only where both agree, because motion that changes from frame to frame (water, flicker, flow
    /// noise) gets worse, not better, when carried on.
    /// </summary>
    private static float[] Residual(IReadOnlyList<Mat> greys, Similarity?[] steps, Similarity mean, double sx, double sy,
        double cx, double cy, FlowSettings settings, CancellationToken ct)
    {
        var n = greys.Count - 1;
        using var last = PairResidual(greys[n - 1], greys[n], steps[^1] ?? mean, sx, sy, cx, cy, settings, out var backward, ct);
        using var back = backward;
        var w = last.Cols;
        var h = last.Rows;
        if (n >= 2)
        {
            using var before = PairResidual(greys[n - 2], greys[n - 1], steps[^2] ?? mean, sx, sy, cx, cy, settings, out var b2, ct);
            b2.Dispose();
            var (lv, bv, pv) = (new MatView(last), new MatView(back), new MatView(before));
            for (var y = 0; y < h; y++)
            {
                var lr = lv.Row<float>(y, 2);
                var br = bv.Row<float>(y, 2);
                for (var x = 0; x < w; x++)
                {
                    var r1x = lr[x * 2];
                    var r1y = lr[x * 2 + 1];
                    // The same content one frame earlier sits at p + b(p).
                    var (r0x, r0y) = FlowEstimator.Sample(pv, x + br[x * 2], y + br[x * 2 + 1]);
                    var dx = r1x - r0x;
                    var dy = r1y - r0y;
                    var agree = dx * dx + dy * dy <= PersistenceRelative * (r1x * r1x + r1y * r1y + r0x * r0x + r0y * r0y) + PersistenceAbsolute;
                    lr[x * 2] = agree ? 0.5f * (r1x + r0x) : 0f;
                    lr[x * 2 + 1] = agree ? 0.5f * (r1y + r0y) : 0f;
                }
            }
        }
        // Flow noise must not shimmer when multiplied over many frames: smooth it like the motion of surfaces.
        Cv2.GaussianBlur(last, last, new Size(0, 0), Math.Max(1.0, w / 160.0));
        var data = new float[w * h * 2];
        var view = new MatView(last);
        for (var y = 0; y < h; y++) view.Row<float>(y, 2).CopyTo(data.AsSpan(y * w * 2, w * 2));
        return data;
    }

    // Persistence check between consecutive residuals (full-resolution pixels per frame): relative and absolute terms.
    private const float PersistenceRelative = 0.25f;
    private const float PersistenceAbsolute = 0.25f;

    /// <summary>
    /// Per-pixel motion of <paramref name="to"/>'s content not explained by the camera step, in full-resolution
    /// pixels per frame on <paramref name="to"/>'s grid (zero where forward and backward flow disagree); also returns
    /// the backward flow (to → from, grey pixels).
    /// </summary>
    private static Mat PairResidual(Mat from, Mat to, Similarity camera, double sx, double sy, double cx, double cy,
        FlowSettings settings, out Mat backward, CancellationToken ct)
    {
        backward = FlowEstimator.Compute(to, from, settings);
        ct.ThrowIfCancellationRequested();
        using var forward = FlowEstimator.Compute(from, to, settings);
        ct.ThrowIfCancellationRequested();
        var w = to.Cols;
        var h = to.Rows;
        var residual = new Mat(h, w, MatType.CV_32FC2, Scalar.All(0));
        var inverse = camera.Inverse();
        var (bv, fv, rv) = (new MatView(backward), new MatView(forward), new MatView(residual));
        for (var y = 0; y < h; y++)
        {
            var br = bv.Row<float>(y, 2);
            var rr = rv.Row<float>(y, 2);
            for (var x = 0; x < w; x++)
            {
                var bx = br[x * 2];
                var by = br[x * 2 + 1];
                var qx = x + bx;
                var qy = y + by;
                if (!(qx >= 0 && qy >= 0 && qx <= w - 1 && qy <= h - 1)) continue;
                var (fx, fy) = FlowEstimator.Sample(fv, qx, qy);
                var ex = fx + bx;
                var ey = fy + by;
                if (ex * ex + ey * ey > ConsistencyLimit * ConsistencyLimit) continue;
                // Content at pixel p came from p + b(p) in the earlier frame; the camera alone would have brought it
                // from camera⁻¹(p). The difference, per frame, is the content's own motion.
                var p = new Complex((x + 0.5) * sx - 0.5 - cx, (y + 0.5) * sy - 0.5 - cy);
                var fromCamera = inverse.Apply(p);
                rr[x * 2] = (float)(fromCamera.Real - (p.Real + bx * sx));
                rr[x * 2 + 1] = (float)(fromCamera.Imaginary - (p.Imaginary + by * sy));
            }
        }
        return residual;
    }
}

/// <summary>
/// Small thread-safe cache of <see cref="MotionEstimate"/>s keyed by the history greys' content and the
/// settings: scrubbing through an extension measures the motion once. Oldest entries go first past the capacity.
/// </summary>
public sealed class MotionCache(int capacity = 16)
{
    private readonly ConcurrentDictionary<string, Lazy<MotionEstimate>> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    /// <summary>Entries held.</summary>
    public int Count => _entries.Count;

    /// <summary>The cached estimate for <paramref name="key"/>, computing it once (other threads wait for it).</summary>
    public MotionEstimate GetOrAdd(string key, Func<MotionEstimate> compute, out bool hit)
    {
        var created = new Lazy<MotionEstimate>(compute, LazyThreadSafetyMode.ExecutionAndPublication);
        var entry = _entries.GetOrAdd(key, created);
        hit = !ReferenceEquals(entry, created);
        if (!hit)
        {
            _order.Enqueue(key);
            while (_entries.Count > capacity && _order.TryDequeue(out var old)) _entries.TryRemove(old, out _);
        }
        try
        {
            return entry.Value;
        }
        catch
        {
            // A cancelled or failed estimate must not stay cached for the next render.
            _entries.TryRemove(new KeyValuePair<string, Lazy<MotionEstimate>>(key, entry));
            throw;
        }
    }

    /// <summary>A content key for greys: 128 bits of hash over their bytes and sizes.</summary>
    public static unsafe string ContentKey(IReadOnlyList<Mat> greys)
    {
        var h1 = new HashCode();
        ulong h2 = 1469598103934665603UL;
        foreach (var g in greys)
        {
            h1.Add(g.Cols);
            h1.Add(g.Rows);
            var span = new ReadOnlySpan<byte>((void*)g.DataPointer, checked((int)(g.Total() * g.ElemSize())));
            h1.AddBytes(span);
            foreach (var word in MemoryMarshal.Cast<byte, ulong>(span)) h2 = (h2 ^ word) * 1099511628211UL;
        }
        return $"{h1.ToHashCode():x8}{h2:x16}";
    }
}
