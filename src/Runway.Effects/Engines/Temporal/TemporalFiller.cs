using OpenCvSharp;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Temporal;

/// <summary>A neighbouring frame prepared for filling: its pixels and where they must not be sampled.</summary>
/// <param name="Time">Frame time (host units, frames in OFX).</param>
/// <param name="Image">The neighbour's source, working format, same size as the target.</param>
/// <param name="Hole">Full-frame CV_8UC1, non-zero where the neighbour's own (dilated) hole hides the background;
/// null when the neighbour has no mask.</param>
public sealed record NeighbourFrame(double Time, FloatImage Image, Mat? Hole);

/// <summary>What <see cref="TemporalFiller.Fill"/> did.</summary>
/// <param name="Seen">Pixels of the region filled from neighbouring frames.</param>
/// <param name="Total">Pixels of the region asked for.</param>
/// <param name="FramesUsed">Distinct neighbours that contributed at least one pixel.</param>
public sealed record TemporalFillStats(int Seen, int Total, int FramesUsed);

/// <summary>
/// Fills a frame's hole from neighbouring frames where the hidden background is visible: flow-guided propagation
/// with a forward/backward consistency check and nearest-valid-frame sampling. Pixels no neighbour shows are left
/// for the caller to fill spatially.
/// </summary>
/// <remarks>
/// <para>Per neighbour n (flow resolution, see <see cref="FlowSettings"/>):</para>
/// <list type="number">
/// <item>Greys of target and neighbour with their holes pre-filled by a quick Telea diffusion, so the removed object
/// does not drag the flow along with it.</item>
/// <item>Forward flow f (target → n) and backward flow b (n → target).</item>
/// <item>Raw vectors are distrusted where they start in a hole, land in the other frame's hole or outside it, or fail
/// the forward/backward check |f(p) + b(p + f(p))|² ≤ α(|f|² + |b|²) + β (Sundaram et al. 2010). Distrusted vectors
/// are replaced by diffusing the trusted ones (Telea on each component): inside the hole this is the background's
/// motion carried in from around it.</item>
/// <item>A hole pixel may take its colour from n when the completed flows agree by the same check and the target
/// position lands inside n, away from n's own hole.</item>
/// </list>
/// <para>Nearest-valid-frame sampling: neighbours are grouped by |Δt|; each pixel takes the closest group that has at
/// least one valid sample and averages that group's samples (bilinear in the neighbour's full-resolution pixels).
/// Grouping by distance, with times sorted, makes the result independent of the order frames arrived in.</para>
/// </remarks>
public static class TemporalFiller
{
    // Forward/backward check constants (flow-resolution pixels): relative term for large motion, absolute floor.
    private const float ConsistencyRelative = 0.01f;
    private const float ConsistencyAbsolute = 0.5f;

    // Telea's gradient regulariser assumes code-value units (see InpaintEngine); flow is diffused scaled up by this.
    private const float FlowDiffusionScale = 16f;

    /// <summary>
    /// Fills what neighbours show of <paramref name="targetHole"/>'s region <paramref name="roi"/>: writes RGBA into
    /// <paramref name="samples"/> (roi-sized) and 255 into <paramref name="seen"/> (roi-sized CV_8UC1, cleared first)
    /// for every pixel filled.
    /// </summary>
    /// <param name="target">The frame being rendered, working format.</param>
    /// <param name="targetHole">Full-frame CV_8UC1, non-zero for pixels to fill.</param>
    /// <param name="time">The target's time; neighbours at the same time are ignored.</param>
    /// <param name="neighbours">Frames to borrow from, any order.</param>
    public static TemporalFillStats Fill(FloatImage target, Mat targetHole, double time, IReadOnlyList<NeighbourFrame> neighbours,
        Rect roi, FlowSettings settings, FloatImage samples, Mat seen, CancellationToken ct)
    {
        if (samples.Width != roi.Width || samples.Height != roi.Height || seen.Cols != roi.Width || seen.Rows != roi.Height)
            throw new ArgumentException("samples and seen must be the region's size", nameof(samples));
        seen.SetTo(Scalar.All(0));

        // Distinct times only (hosts clamp at clip ends, so t-1 at the first frame is the first frame again), sorted so
        // that every later step visits neighbours in an order that depends on times alone.
        var usable = neighbours
            .Where(n => Math.Abs(n.Time - time) > 1e-9)
            .GroupBy(n => n.Time).Select(g => g.First())
            .OrderBy(n => Math.Abs(n.Time - time)).ThenBy(n => n.Time)
            .ToList();
        int total;
        using (var region = targetHole.SubMat(roi)) total = Cv2.CountNonZero(region);
        if (usable.Count == 0 || total == 0) return new TemporalFillStats(0, total, 0);
        foreach (var n in usable)
        {
            if (n.Image.Width != target.Width || n.Image.Height != target.Height)
                throw new ArgumentException($"neighbour at time {n.Time} is {n.Image.Width}x{n.Image.Height}, the frame is {target.Width}x{target.Height}");
        }

        var size = FlowEstimator.FlowSize(target.Width, target.Height, settings);
        using var holeT = SmallHole(targetHole, size);
        using var greyT = PrefilledGrey(target, holeT, size);
        ct.ThrowIfCancellationRequested();

        var prepared = new Prepared[usable.Count];
        try
        {
            // Neighbours are independent; on 2 cores this halves the wall time of the flow work.
            Parallel.For(0, usable.Count, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount },
                i => prepared[i] = Prepare(usable[i], greyT, holeT, size, settings, ct));
            ct.ThrowIfCancellationRequested();
            return Sample(target, targetHole, time, usable, prepared, roi, size, samples, seen);
        }
        finally
        {
            foreach (var p in prepared) p?.Dispose();
        }
    }

    /// <summary>Completed forward flow and per-pixel validity (flow resolution) for one neighbour.</summary>
    private sealed class Prepared(Mat flow, Mat valid) : IDisposable
    {
        public Mat Flow { get; } = flow;
        public Mat Valid { get; } = valid;

        public void Dispose()
        {
            Flow.Dispose();
            Valid.Dispose();
        }
    }

    private static Prepared Prepare(NeighbourFrame n, Mat greyT, Mat holeT, Size size, FlowSettings settings, CancellationToken ct)
    {
        using var holeN = n.Hole is null ? new Mat(size, MatType.CV_8UC1, Scalar.All(0)) : SmallHole(n.Hole, size);
        using var greyN = PrefilledGrey(n.Image, holeN, size);
        using var forward = FlowEstimator.Compute(greyT, greyN, settings);
        ct.ThrowIfCancellationRequested();
        using var backward = FlowEstimator.Compute(greyN, greyT, settings);
        ct.ThrowIfCancellationRequested();

        using var badF = Distrusted(forward, backward, holeT, holeN);
        using var badB = Distrusted(backward, forward, holeN, holeT);
        var f = Complete(forward, badF);
        using var b = Complete(backward, badB);

        var valid = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
        var (fv, hv, vv, hn, bv) = (new MatView(f), new MatView(holeT), new MatView(valid), new MatView(holeN), new MatView(b));
        for (var y = 0; y < size.Height; y++)
        {
            var fr = fv.Row<float>(y, 2);
            var hr = hv.Row<byte>(y);
            var vr = vv.Row<byte>(y);
            for (var x = 0; x < size.Width; x++)
            {
                if (hr[x] == 0) continue; // only hole pixels are ever sampled
                var fx = fr[x * 2];
                var fy = fr[x * 2 + 1];
                var qx = x + fx;
                var qy = y + fy;
                if (qx < 0 || qy < 0 || qx > size.Width - 1 || qy > size.Height - 1) continue;
                if (hn.Row<byte>((int)(qy + 0.5f))[(int)(qx + 0.5f)] != 0) continue;
                var (bx, by) = FlowEstimator.Sample(bv, qx, qy);
                if (Consistent(fx, fy, bx, by)) vr[x] = 255;
            }
        }
        return new Prepared(f, valid);
    }

    private static bool Consistent(float fx, float fy, float bx, float by)
    {
        var ex = fx + bx;
        var ey = fy + by;
        return ex * ex + ey * ey <= ConsistencyRelative * (fx * fx + fy * fy + bx * bx + by * by) + ConsistencyAbsolute;
    }

    /// <summary>255 where a raw vector of <paramref name="flow"/> cannot be trusted (see the class remarks).</summary>
    private static Mat Distrusted(Mat flow, Mat reverse, Mat holeFrom, Mat holeTo)
    {
        var w = flow.Cols;
        var h = flow.Rows;
        var bad = new Mat(h, w, MatType.CV_8UC1, Scalar.All(0));
        var (fv, hfv, htv, rv, bv) = (new MatView(flow), new MatView(holeFrom), new MatView(holeTo), new MatView(reverse), new MatView(bad));
        for (var y = 0; y < h; y++)
        {
            var fr = fv.Row<float>(y, 2);
            var hf = hfv.Row<byte>(y);
            var br = bv.Row<byte>(y);
            for (var x = 0; x < w; x++)
            {
                var fx = fr[x * 2];
                var fy = fr[x * 2 + 1];
                var qx = x + fx;
                var qy = y + fy;
                var ok = hf[x] == 0 && float.IsFinite(fx) && float.IsFinite(fy)
                    && qx >= 0 && qy >= 0 && qx <= w - 1 && qy <= h - 1
                    && htv.Row<byte>((int)(qy + 0.5f))[(int)(qx + 0.5f)] == 0;
                if (ok)
                {
                    var (bx, by) = FlowEstimator.Sample(rv, qx, qy);
                    ok = Consistent(fx, fy, bx, by);
                }
                if (!ok) br[x] = 255;
            }
        }
        return bad;
    }

    /// <summary>A copy of <paramref name="flow"/> with distrusted vectors replaced by diffusion of the trusted ones.</summary>
    private static Mat Complete(Mat flow, Mat bad)
    {
        var completed = new Mat();
        var badCount = Cv2.CountNonZero(bad);
        if (badCount == 0)
        {
            flow.CopyTo(completed);
            return completed;
        }
        if (badCount == bad.Rows * bad.Cols)
        {
            // Nothing trustworthy: no motion is the least harmful guess, and the validity check will reject it anyway
            // wherever the frames differ.
            completed.Create(flow.Size(), MatType.CV_32FC2);
            completed.SetTo(Scalar.All(0));
            return completed;
        }
        var parts = Cv2.Split(flow);
        try
        {
            for (var c = 0; c < 2; c++)
            {
                using var scaled = new Mat();
                parts[c].ConvertTo(scaled, MatType.CV_32FC1, FlowDiffusionScale);
                using var filled = new Mat();
                Cv2.Inpaint(scaled, bad, filled, 3, InpaintTypes.Telea);
                filled.ConvertTo(parts[c], MatType.CV_32FC1, 1.0 / FlowDiffusionScale);
            }
            Cv2.Merge(parts, completed);
            return completed;
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    /// <summary>Full-frame hole reduced to flow resolution, conservatively: any covered fraction makes a hole pixel.</summary>
    private static Mat SmallHole(Mat hole, Size size)
    {
        var small = new Mat();
        if (hole.Cols == size.Width && hole.Rows == size.Height) hole.CopyTo(small);
        else Cv2.Resize(hole, small, size, 0, 0, InterpolationFlags.Area);
        Cv2.Threshold(small, small, 0, 255, ThresholdTypes.Binary);
        return small;
    }

    private static Mat PrefilledGrey(FloatImage image, Mat smallHole, Size size)
    {
        var grey = FlowEstimator.Grey(image, size);
        if (Cv2.CountNonZero(smallHole) == 0) return grey;
        var filled = new Mat();
        Cv2.Inpaint(grey, smallHole, filled, 3, InpaintTypes.Telea);
        grey.Dispose();
        return filled;
    }

    private static TemporalFillStats Sample(FloatImage target, Mat targetHole, double time, List<NeighbourFrame> frames,
        Prepared[] prepared, Rect roi, Size size, FloatImage samples, Mat seen)
    {
        var width = target.Width;
        var height = target.Height;
        var sx = size.Width / (float)width;
        var sy = size.Height / (float)height;
        var distances = frames.Select(n => Math.Abs(n.Time - time)).ToArray();
        var used = new bool[frames.Count];
        var seenCount = 0;
        var flows = prepared.Select(p => new MatView(p.Flow)).ToArray();
        var valids = prepared.Select(p => new MatView(p.Valid)).ToArray();
        var holes = frames.Select(n => n.Hole is null ? (MatView?)null : new MatView(n.Hole)).ToArray();
        var images = frames.Select(n => n.Image).ToArray();
        var (holeView, seenView) = (new MatView(targetHole), new MatView(seen));
        // Pixels are independent, so bands of rows run in parallel; every write goes to the pixel's own place (the
        // used flags only ever become true), so the result does not depend on scheduling.
        var bands = Math.Clamp(roi.Height / 32, 1, Environment.ProcessorCount * 2);
        Parallel.For(0, bands, band =>
        {
            Span<float> acc = stackalloc float[4];
            var seenInBand = 0;
            for (var y = roi.Height * band / bands; y < roi.Height * (band + 1) / bands; y++)
            {
                var ty = roi.Y + y;
                var hole = holeView.Row<byte>(ty);
                var outRow = samples.Row(y);
                var seenRow = seenView.Row<byte>(y);
                var ly = Math.Clamp((ty + 0.5f) * sy - 0.5f, 0f, size.Height - 1f);
                var lyNearest = Math.Min(size.Height - 1, (int)((ty + 0.5f) * sy));
                for (var x = 0; x < roi.Width; x++)
                {
                    var tx = roi.X + x;
                    if (hole[tx] == 0) continue;
                    var lx = Math.Clamp((tx + 0.5f) * sx - 0.5f, 0f, size.Width - 1f);
                    var lxNearest = Math.Min(size.Width - 1, (int)((tx + 0.5f) * sx));
                    var count = 0;
                    acc.Clear();
                    var groupDistance = double.NaN;
                    for (var i = 0; i < flows.Length; i++)
                    {
                        // Past the nearest group that produced a sample: farther frames are not consulted.
                        if (count > 0 && distances[i] > groupDistance + 1e-9) break;
                        if (valids[i].Row<byte>(lyNearest)[lxNearest] == 0) continue;
                        var (fx, fy) = FlowEstimator.Sample(flows[i], lx, ly);
                        var qx = tx + fx / sx;
                        var qy = ty + fy / sy;
                        if (!SampleNeighbour(images[i], holes[i], qx, qy, acc)) continue;
                        if (count == 0) groupDistance = distances[i];
                        used[i] = true;
                        count++;
                    }
                    if (count == 0) continue;
                    var o = x * 4;
                    var inv = 1f / count;
                    outRow[o] = acc[0] * inv;
                    outRow[o + 1] = acc[1] * inv;
                    outRow[o + 2] = acc[2] * inv;
                    outRow[o + 3] = acc[3] * inv;
                    seenRow[x] = 255;
                    seenInBand++;
                }
            }
            Interlocked.Add(ref seenCount, seenInBand);
        });
        using var region = targetHole.SubMat(roi);
        return new TemporalFillStats(seenCount, Cv2.CountNonZero(region), used.Count(u => u));
    }

    /// <summary>Adds the bilinear sample of the neighbour at (x, y) to <paramref name="acc"/>; false when any tap is outside
    /// the frame or inside the neighbour's hole.</summary>
    private static bool SampleNeighbour(FloatImage image, MatView? hole, float x, float y, Span<float> acc)
    {
        if (!(x >= 0) || !(y >= 0) || x > image.Width - 1 || y > image.Height - 1) return false;
        var x0 = (int)x;
        var y0 = (int)y;
        var x1 = Math.Min(x0 + 1, image.Width - 1);
        var y1 = Math.Min(y0 + 1, image.Height - 1);
        if (hole is { } h)
        {
            var h0 = h.Row<byte>(y0);
            var h1 = h.Row<byte>(y1);
            if (h0[x0] != 0 || h0[x1] != 0 || h1[x0] != 0 || h1[x1] != 0) return false;
        }
        var fx = x - x0;
        var fy = y - y0;
        var r0 = image.Row(y0);
        var r1 = image.Row(y1);
        for (var c = 0; c < 4; c++)
        {
            var a = r0[x0 * 4 + c] + fx * (r0[x1 * 4 + c] - r0[x0 * 4 + c]);
            var b = r1[x0 * 4 + c] + fx * (r1[x1 * 4 + c] - r1[x0 * 4 + c]);
            acc[c] += a + fy * (b - a);
        }
        return true;
    }
}
