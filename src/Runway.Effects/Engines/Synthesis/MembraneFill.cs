using System.Buffers;

namespace Runway.Effects.Engines.Synthesis;

/// <summary>
/// Membrane (harmonic) interpolation of a hole: every unknown pixel becomes the mean of its four neighbours, so the fill
/// is the smoothest surface that meets the known pixels at the hole's border (a discrete Laplace equation).
/// </summary>
/// <remarks>
/// <para>Why: inside large holes the truth's texture cannot be predicted, and the estimate with the lowest expected error
/// is smooth; measured on real photos (GenerativeFillQualityTests) the membrane alone beats OpenCV Telea by 0.6–0.8 dB
/// PSNR and 0.015 SSIM inside the hole, where Telea and Navier–Stokes, which march a one-sided estimate inward, leave
/// streaks.</para>
/// <para>Solved coarse to fine: the known pixels are averaged down a pyramid (2×2 cells, unknown pixels not counted) to
/// a few pixels across, the coarsest hole starts at the mean of its known pixels, and each finer level starts from the
/// bilinear upsampling of the coarser solution and relaxes with a few over-relaxed Gauss–Seidel sweeps; that converges
/// the long wavelengths in a fixed, small amount of work. Deterministic (sequential sweeps). Works on any values: a
/// mean of neighbours never clips, so values above 1 pass through.</para>
/// </remarks>
internal static class MembraneFill
{
    /// <summary>Values per pixel (RGB).</summary>
    public const int Channels = 3;

    // Sweeps per level after upsampling, and at the coarsest level; over-relaxation factor.
    private const int Sweeps = 20;
    private const int CoarsestSweeps = 50;
    private const float Omega = 1.6f;

    // Stop the pyramid once a side is this small.
    private const int CoarsestSide = 4;

    /// <summary>
    /// Fills, in place, the pixels of <paramref name="values"/> (<see cref="Channels"/> floats per pixel, rows of
    /// <paramref name="width"/>) where <paramref name="known"/> is 0, from those where it is not.
    /// </summary>
    public static void Fill(Span<float> values, ReadOnlySpan<byte> known, int width, int height, CancellationToken ct)
    {
        if (values.Length < width * height * Channels || known.Length < width * height)
            throw new ArgumentException($"buffers too small for {width}x{height}");
        Solve(values, known, width, height, ct);
    }

    private static void Solve(Span<float> v, ReadOnlySpan<byte> known, int w, int h, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var n = w * h;
        var anyUnknown = known[..n].IndexOf((byte)0) >= 0;
        if (!anyUnknown) return;
        if (Math.Min(w, h) <= CoarsestSide)
        {
            FromMean(v, known, w, h);
            return;
        }

        int w2 = (w + 1) / 2, h2 = (h + 1) / 2;
        var n2 = w2 * h2;
        var coarse = ArrayPool<float>.Shared.Rent(n2 * Channels);
        var coarseKnown = ArrayPool<byte>.Shared.Rent(n2);
        try
        {
            var cv = coarse.AsSpan(0, n2 * Channels);
            var ck = coarseKnown.AsSpan(0, n2);
            Downsample(v, known, w, h, cv, ck, w2, h2);
            if (ck.IndexOf((byte)1) < 0)
            {
                // Nothing is known one level down: solve here.
                FromMean(v, known, w, h);
                return;
            }
            Solve(cv, ck, w2, h2, ct);
            Upsample(cv, w2, h2, v, known, w, h);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(coarse);
            ArrayPool<byte>.Shared.Return(coarseKnown);
        }
        Relax(v, known, w, h, Sweeps);
    }

    // Coarsest level: unknown pixels start at the mean of the known ones, then relax for longer.
    private static void FromMean(Span<float> v, ReadOnlySpan<byte> known, int w, int h)
    {
        var n = w * h;
        Span<double> sum = stackalloc double[Channels];
        var count = 0;
        for (var i = 0; i < n; i++)
        {
            if (known[i] == 0) continue;
            for (var c = 0; c < Channels; c++) sum[c] += v[i * Channels + c];
            count++;
        }
        for (var i = 0; i < n; i++)
        {
            if (known[i] != 0) continue;
            for (var c = 0; c < Channels; c++) v[i * Channels + c] = count > 0 ? (float)(sum[c] / count) : 0f;
        }
        Relax(v, known, w, h, CoarsestSweeps);
    }

    // Mean of the known pixels of each 2×2 cell; a cell with none is unknown.
    private static void Downsample(ReadOnlySpan<float> v, ReadOnlySpan<byte> known, int w, int h, Span<float> cv, Span<byte> ck, int w2, int h2)
    {
        Span<float> sum = stackalloc float[Channels];
        for (var y = 0; y < h2; y++)
            for (var x = 0; x < w2; x++)
            {
                sum.Clear();
                var count = 0;
                for (var dy = 0; dy < 2; dy++)
                {
                    var yy = 2 * y + dy;
                    if (yy >= h) continue;
                    for (var dx = 0; dx < 2; dx++)
                    {
                        var xx = 2 * x + dx;
                        if (xx >= w || known[yy * w + xx] == 0) continue;
                        for (var c = 0; c < Channels; c++) sum[c] += v[(yy * w + xx) * Channels + c];
                        count++;
                    }
                }
                var o = y * w2 + x;
                // Partly known cells count as known (their known pixels' mean). Counting only whole cells centres the
                // coarse values better but, in holes of thin known strokes, leaves the coarse levels almost empty: it
                // measured 0.5 dB worse on the real photos of GenerativeFillQualityTests (19.01 vs 19.50 dB).
                ck[o] = count > 0 ? (byte)1 : (byte)0;
                for (var c = 0; c < Channels; c++) cv[o * Channels + c] = count > 0 ? sum[c] / count : 0f;
            }
    }

    // Unknown pixels take the bilinear sample of the coarser solution (pixel centres aligned).
    private static void Upsample(ReadOnlySpan<float> cv, int w2, int h2, Span<float> v, ReadOnlySpan<byte> known, int w, int h)
    {
        for (var y = 0; y < h; y++)
        {
            var fy = Math.Clamp((y + 0.5f) / 2 - 0.5f, 0, h2 - 1);
            var y0 = (int)fy;
            var y1 = Math.Min(y0 + 1, h2 - 1);
            var ay = fy - y0;
            for (var x = 0; x < w; x++)
            {
                if (known[y * w + x] != 0) continue;
                var fx = Math.Clamp((x + 0.5f) / 2 - 0.5f, 0, w2 - 1);
                var x0 = (int)fx;
                var x1 = Math.Min(x0 + 1, w2 - 1);
                var ax = fx - x0;
                for (var c = 0; c < Channels; c++)
                {
                    var p00 = cv[(y0 * w2 + x0) * Channels + c];
                    var p01 = cv[(y0 * w2 + x1) * Channels + c];
                    var p10 = cv[(y1 * w2 + x0) * Channels + c];
                    var p11 = cv[(y1 * w2 + x1) * Channels + c];
                    var a = p00 + ax * (p01 - p00);
                    var b = p10 + ax * (p11 - p10);
                    v[(y * w + x) * Channels + c] = a + ay * (b - a);
                }
            }
        }
    }

    // Over-relaxed Gauss–Seidel on the unknown pixels, in row order: each moves past the mean of its in-image
    // 4-neighbours. The unknown pixels are listed once per level so the sweeps skip known ones without testing them.
    private static unsafe void Relax(Span<float> v, ReadOnlySpan<byte> known, int w, int h, int sweeps)
    {
        var n = w * h;
        var list = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var count = 0;
            for (var i = 0; i < n; i++) if (known[i] == 0) list[count++] = i;
            fixed (float* vp = v)
            fixed (int* lp = list)
            {
                for (var it = 0; it < sweeps; it++)
                    for (var k = 0; k < count; k++)
                    {
                        var i = lp[k];
                        var y = i / w;
                        var x = i - y * w;
                        var p = vp + i * Channels;
                        if (x > 0 && x < w - 1 && y > 0 && y < h - 1)
                        {
                            // Interior (every hole pixel but those on the image's edge): all four neighbours.
                            var l = p - Channels;
                            var r = p + Channels;
                            var u = p - w * Channels;
                            var d = p + w * Channels;
                            p[0] += Omega * ((l[0] + r[0] + u[0] + d[0]) * 0.25f - p[0]);
                            p[1] += Omega * ((l[1] + r[1] + u[1] + d[1]) * 0.25f - p[1]);
                            p[2] += Omega * ((l[2] + r[2] + u[2] + d[2]) * 0.25f - p[2]);
                            continue;
                        }
                        var m = (x > 0 ? 1 : 0) + (x < w - 1 ? 1 : 0) + (y > 0 ? 1 : 0) + (y < h - 1 ? 1 : 0);
                        if (m == 0) continue;
                        var inv = 1f / m;
                        for (var c = 0; c < Channels; c++)
                        {
                            var sum = 0f;
                            if (x > 0) sum += p[c - Channels];
                            if (x < w - 1) sum += p[c + Channels];
                            if (y > 0) sum += p[c - w * Channels];
                            if (y < h - 1) sum += p[c + w * Channels];
                            p[c] += Omega * (sum * inv - p[c]);
                        }
                    }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(list);
        }
    }
}
