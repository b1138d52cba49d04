using System.Buffers;

namespace Runway.Effects.Engines.Style;

/// <summary>
/// Edge-preserving smoothing by the recursive domain transform (Gastal and Oliveira, "Domain Transform for
/// Edge-Aware Image and Video Processing", SIGGRAPH 2011), and a cartoon "stylize" built on it, for the draft path:
/// linear in the pixel count, independent of the spatial extent, parallel over rows and column blocks, and working on
/// float pictures (no 8-bit round trip). OpenCV's filters do the same kind of smoothing several times slower.
/// </summary>
/// <remarks>
/// Pictures are interleaved 3-channel float (RGB) in the tone-mapped 0..1 domain of <see cref="TextureStylizer"/>.
/// Every scratch buffer is rented from the shared array pool, so a draft frame allocates nothing large.
/// </remarks>
public static class DomainTransform
{
    /// <summary>Iterations of the separable recursive filter; three remove the stripes one pass leaves.</summary>
    public const int Iterations = 3;

    /// <summary>
    /// Smooths <paramref name="rgb"/> (width × height × 3, in place) within regions, across edges no more than
    /// <paramref name="sigmaR"/> (range, tone units) allows, over about <paramref name="sigmaS"/> pixels.
    /// </summary>
    public static void Filter(Span<float> rgb, int width, int height, float sigmaS, float sigmaR, CancellationToken ct)
    {
        var count = width * height;
        if (rgb.Length < count * 3) throw new ArgumentException("buffer smaller than width × height × 3", nameof(rgb));
        var pool = ArrayPool<float>.Shared;
        var image = pool.Rent(count * 3);
        var costH = pool.Rent(count);
        var costV = pool.Rent(count);
        var weightH = pool.Rent(count);
        var weightV = pool.Rent(count);
        try
        {
            rgb[..(count * 3)].CopyTo(image);
            // Domain-transform derivative: 1 + (σs/σr)·Σ|ΔI|, the distance between neighbours in the transformed
            // domain. Horizontal cost at x is between x-1 and x; vertical at y between y-1 and y.
            var ratio = sigmaS / MathF.Max(sigmaR, 1e-4f);
            ForBands(height, ct, y =>
            {
                var row = y * width;
                costH[row] = 1;
                for (var x = 1; x < width; x++)
                {
                    var i = (row + x) * 3;
                    costH[row + x] = 1 + ratio * (MathF.Abs(image[i] - image[i - 3]) + MathF.Abs(image[i + 1] - image[i - 2]) + MathF.Abs(image[i + 2] - image[i - 1]));
                }
                for (var x = 0; x < width; x++)
                {
                    if (y == 0)
                    {
                        costV[x] = 1;
                        continue;
                    }
                    var i = (row + x) * 3;
                    var j = i - width * 3;
                    costV[row + x] = 1 + ratio * (MathF.Abs(image[i] - image[j]) + MathF.Abs(image[i + 1] - image[j + 1]) + MathF.Abs(image[i + 2] - image[j + 2]));
                }
            });
            for (var iteration = 0; iteration < Iterations; iteration++)
            {
                ct.ThrowIfCancellationRequested();
                // σ of this iteration: the total variance of the N passes adds up to σs² (paper, eq. 14).
                var sigmaH = sigmaS * MathF.Sqrt(3) * MathF.Pow(2, Iterations - (iteration + 1)) / MathF.Sqrt(MathF.Pow(4, Iterations) - 1);
                var logA = -MathF.Sqrt(2) / sigmaH;
                ForBands(height, ct, y =>
                {
                    var row = y * width;
                    for (var x = 0; x < width; x++)
                    {
                        weightH[row + x] = MathF.Exp(logA * costH[row + x]);
                        weightV[row + x] = MathF.Exp(logA * costV[row + x]);
                    }
                });
                ForBands(height, ct, y => HorizontalPass(image, weightH, y, width));
                VerticalPass(image, weightV, width, height, ct);
            }
            image.AsSpan(0, count * 3).CopyTo(rgb);
        }
        finally
        {
            pool.Return(image);
            pool.Return(costH);
            pool.Return(costV);
            pool.Return(weightH);
            pool.Return(weightV);
        }
    }

    /// <summary>
    /// Cartoon stylisation of <paramref name="rgb"/> in place: domain-transform smoothing, then ink where the smoothed
    /// picture still has strong edges (the same two steps as OpenCV's Stylization, done here on float).
    /// </summary>
    public static void Stylize(Span<float> rgb, int width, int height, float sigmaS, float sigmaR, CancellationToken ct)
    {
        Filter(rgb, width, height, sigmaS, sigmaR, ct);
        var count = width * height;
        var pool = ArrayPool<float>.Shared;
        var luma = pool.Rent(count);
        try
        {
            for (var i = 0; i < count; i++) luma[i] = 0.25f * rgb[i * 3] + 0.5f * rgb[i * 3 + 1] + 0.25f * rgb[i * 3 + 2];
            var image = rgb;
            for (var y = 0; y < height; y++)
            {
                var up = Math.Max(0, y - 1) * width;
                var down = Math.Min(height - 1, y + 1) * width;
                var row = y * width;
                for (var x = 0; x < width; x++)
                {
                    var l = Math.Max(0, x - 1);
                    var r = Math.Min(width - 1, x + 1);
                    var gx = luma[row + r] - luma[row + l];
                    var gy = luma[down + x] - luma[up + x];
                    // A tone step of about 0.25 across two pixels of the smoothed picture inks fully; smaller steps
                    // (texture the smoothing kept) ink in proportion, so flat regions stay clean.
                    var ink = MathF.Min(1f, MathF.Sqrt(gx * gx + gy * gy) * 4f);
                    var keep = 1f - 0.85f * ink;
                    var i = (row + x) * 3;
                    image[i] *= keep;
                    image[i + 1] *= keep;
                    image[i + 2] *= keep;
                }
            }
        }
        finally
        {
            pool.Return(luma);
        }
    }

    private static void HorizontalPass(float[] image, float[] weight, int y, int width)
    {
        var row = y * width;
        for (var x = 1; x < width; x++)
        {
            var a = weight[row + x];
            var i = (row + x) * 3;
            image[i] += a * (image[i - 3] - image[i]);
            image[i + 1] += a * (image[i - 2] - image[i + 1]);
            image[i + 2] += a * (image[i - 1] - image[i + 2]);
        }
        for (var x = width - 2; x >= 0; x--)
        {
            var a = weight[row + x + 1];
            var i = (row + x) * 3;
            image[i] += a * (image[i + 3] - image[i]);
            image[i + 1] += a * (image[i + 4] - image[i + 1]);
            image[i + 2] += a * (image[i + 5] - image[i + 2]);
        }
    }

    private static void VerticalPass(float[] image, float[] weight, int width, int height, CancellationToken ct)
    {
        // Columns in blocks: each block walks the rows in order, so reads stay within a few cache lines per row.
        const int Block = 64;
        var blocks = (width + Block - 1) / Block;
        var stride = width * 3;
        Parallel.For(0, blocks, new ParallelOptions { CancellationToken = ct }, b =>
        {
            var x0 = b * Block;
            var x1 = Math.Min(width, x0 + Block);
            for (var y = 1; y < height; y++)
            {
                for (var x = x0; x < x1; x++)
                {
                    var a = weight[y * width + x];
                    var i = y * stride + x * 3;
                    image[i] += a * (image[i - stride] - image[i]);
                    image[i + 1] += a * (image[i + 1 - stride] - image[i + 1]);
                    image[i + 2] += a * (image[i + 2 - stride] - image[i + 2]);
                }
            }
            for (var y = height - 2; y >= 0; y--)
            {
                for (var x = x0; x < x1; x++)
                {
                    var a = weight[(y + 1) * width + x];
                    var i = y * stride + x * 3;
                    image[i] += a * (image[i + stride] - image[i]);
                    image[i + 1] += a * (image[i + 1 + stride] - image[i + 1]);
                    image[i + 2] += a * (image[i + 2 + stride] - image[i + 2]);
                }
            }
        });
    }

    private static void ForBands(int height, CancellationToken ct, Action<int> row)
    {
        var bands = Math.Min(height, Environment.ProcessorCount * 4);
        Parallel.For(0, bands, new ParallelOptions { CancellationToken = ct }, band =>
        {
            for (var y = height * band / bands; y < height * (band + 1) / bands; y++) row(y);
        });
    }
}
