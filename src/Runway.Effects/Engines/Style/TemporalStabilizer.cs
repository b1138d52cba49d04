using OpenCvSharp;
using Runway.Effects.Engines.Temporal;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Style;

/// <summary>What <see cref="TemporalStabilizer.Blend"/> did.</summary>
/// <param name="Reliable">Fraction of pixels whose motion passed the forward/backward check (not occluded).</param>
/// <param name="MeanWeight">Mean weight given to the previous frame's result over the whole frame.</param>
public sealed record StabilisationStats(double Reliable, double MeanWeight);

/// <summary>
/// Temporal stabilisation: blends a stylised frame with the previous frame's stylised result carried along the
/// motion, so per-frame stylisation (whose colour statistics and filter decisions change a little every frame) does
/// not boil.
/// </summary>
/// <remarks>
/// Flow current → previous and back are estimated on the clean sources (<see cref="FlowEstimator"/>, reduced size).
/// The previous result is trusted at a pixel only where (1) the forward/backward check passes
/// (|f(p) + b(p + f(p))|² ≤ α(|f|² + |b|²) + β, Sundaram et al. 2010) — occluded and disoccluded pixels fail it — and
/// (2) the previous source, warped the same way, looks like the current source there (a Gaussian falloff on their
/// difference), which catches flow errors the check misses. Weight = strength × both. The caller renders the previous
/// result itself from the previous source, so the output depends only on the two source frames, never on render order.
/// </remarks>
public static class TemporalStabilizer
{
    private const float ConsistencyRelative = 0.01f;
    private const float ConsistencyAbsolute = 0.5f;

    // Source mismatch (square-root-encoded units) at which the previous result's weight falls to e^-1.
    private const float MismatchScale = 0.06f;

    /// <summary>
    /// Blends into <paramref name="styled"/> (the current result, in place) the previous result
    /// <paramref name="previousStyled"/> warped onto the current frame, with weight up to <paramref name="strength"/>.
    /// All four images have the same size; alpha stays the current frame's.
    /// </summary>
    public static StabilisationStats Blend(FloatImage source, FloatImage styled, FloatImage previousSource, FloatImage previousStyled,
        float strength, FlowSettings settings, CancellationToken ct)
    {
        var (w, h) = (source.Width, source.Height);
        foreach (var image in new[] { styled, previousSource, previousStyled })
        {
            if (image.Width != w || image.Height != h) throw new ArgumentException("all four images must have the same size");
        }
        var size = FlowEstimator.FlowSize(w, h, settings);
        using var greyCurrent = FlowEstimator.Grey(source, size);
        using var greyPrevious = FlowEstimator.Grey(previousSource, size);
        Mat? forward = null, backward = null;
        try
        {
            // The two directions are independent: on 2 cores they run side by side.
            Parallel.Invoke(new ParallelOptions { CancellationToken = ct },
                () => forward = FlowEstimator.Compute(greyCurrent, greyPrevious, settings),
                () => backward = FlowEstimator.Compute(greyPrevious, greyCurrent, settings));
            ct.ThrowIfCancellationRequested();
            using var reliable = Reliability(forward!, backward!);
            var reliableFraction = Cv2.CountNonZero(reliable) / (double)(size.Width * size.Height);
            // Soften the occlusion mask's edges by a flow-resolution pixel so the blend has no hard seams.
            using var soft = new Mat();
            reliable.ConvertTo(soft, MatType.CV_32FC1, 1.0 / 255);
            Cv2.GaussianBlur(soft, soft, new Size(3, 3), 0);
            var weightSum = Warp(source, styled, previousSource, previousStyled, strength, new MatView(forward!), new MatView(soft), size, ct);
            return new StabilisationStats(reliableFraction, weightSum / ((double)w * h));
        }
        finally
        {
            forward?.Dispose();
            backward?.Dispose();
        }
    }

    /// <summary>255 where the forward vector lands inside the previous frame and passes the forward/backward check.</summary>
    private static Mat Reliability(Mat forward, Mat backward)
    {
        var (w, h) = (forward.Cols, forward.Rows);
        var mask = new Mat(h, w, MatType.CV_8UC1, Scalar.All(0));
        var (fv, bv, mv) = (new MatView(forward), new MatView(backward), new MatView(mask));
        for (var y = 0; y < h; y++)
        {
            var fr = fv.Row<float>(y, 2);
            var mr = mv.Row<byte>(y);
            for (var x = 0; x < w; x++)
            {
                var fx = fr[x * 2];
                var fy = fr[x * 2 + 1];
                var qx = x + fx;
                var qy = y + fy;
                if (!(qx >= 0) || !(qy >= 0) || qx > w - 1 || qy > h - 1) continue;
                var (bx, by) = FlowEstimator.Sample(bv, qx, qy);
                var ex = fx + bx;
                var ey = fy + by;
                if (ex * ex + ey * ey <= ConsistencyRelative * (fx * fx + fy * fy + bx * bx + by * by) + ConsistencyAbsolute) mr[x] = 255;
            }
        }
        return mask;
    }

    private static double Warp(FloatImage source, FloatImage styled, FloatImage previousSource, FloatImage previousStyled, float strength,
        MatView flow, MatView reliable, Size size, CancellationToken ct)
    {
        var (w, h) = (source.Width, source.Height);
        var sx = size.Width / (float)w;
        var sy = size.Height / (float)h;
        var bands = Math.Min(h, Environment.ProcessorCount * 4);
        var sums = new double[bands];
        Parallel.For(0, bands, new ParallelOptions { CancellationToken = ct }, band =>
        {
            Span<float> prevSrc = stackalloc float[4];
            Span<float> prevOut = stackalloc float[4];
            double sum = 0;
            for (var y = h * band / bands; y < h * (band + 1) / bands; y++)
            {
                var cur = source.Row(y);
                var outRow = styled.Row(y);
                var ly = Math.Clamp((y + 0.5f) * sy - 0.5f, 0f, size.Height - 1f);
                var relRow = reliable.Row<float>(Math.Min(size.Height - 1, (int)((y + 0.5f) * sy)));
                for (var x = 0; x < w; x++)
                {
                    var rel = relRow[Math.Min(size.Width - 1, (int)((x + 0.5f) * sx))];
                    if (rel <= 0f) continue;
                    var lx = Math.Clamp((x + 0.5f) * sx - 0.5f, 0f, size.Width - 1f);
                    var (fx, fy) = FlowEstimator.Sample(flow, lx, ly);
                    var px = x + fx / sx;
                    var py = y + fy / sy;
                    if (!Bilinear(previousSource, px, py, prevSrc) || !Bilinear(previousStyled, px, py, prevOut)) continue;
                    var o = x * 4;
                    float mismatch = 0;
                    for (var c = 0; c < 3; c++)
                    {
                        var d = Encode(cur[o + c]) - Encode(prevSrc[c]);
                        mismatch += d * d;
                    }
                    var weight = strength * rel * MathF.Exp(-mismatch / (3 * MismatchScale * MismatchScale));
                    for (var c = 0; c < 3; c++) outRow[o + c] += weight * (prevOut[c] - outRow[o + c]);
                    sum += weight;
                }
            }
            sums[band] = sum;
        });
        return sums.Sum();
    }

    private static float Encode(float v) => v > 0 ? MathF.Sqrt(MathF.Min(v, 16f)) : 0f;

    private static bool Bilinear(FloatImage image, float x, float y, Span<float> rgba)
    {
        if (!(x >= 0) || !(y >= 0) || x > image.Width - 1 || y > image.Height - 1) return false;
        var x0 = (int)x;
        var y0 = (int)y;
        var x1 = Math.Min(x0 + 1, image.Width - 1);
        var y1 = Math.Min(y0 + 1, image.Height - 1);
        var fx = x - x0;
        var fy = y - y0;
        var r0 = image.Row(y0);
        var r1 = image.Row(y1);
        for (var c = 0; c < 4; c++)
        {
            var a = r0[x0 * 4 + c] + fx * (r0[x1 * 4 + c] - r0[x0 * 4 + c]);
            var b = r1[x0 * 4 + c] + fx * (r1[x1 * 4 + c] - r1[x0 * 4 + c]);
            rgba[c] = a + fy * (b - a);
        }
        return true;
    }
}
