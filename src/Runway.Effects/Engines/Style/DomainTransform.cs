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

    /// <summary>
    /// Normalised-convolution domain transform (the paper's NC filter, the variant OpenCV's Stylization uses): each
    /// pass averages, along a row or a column, the samples whose transformed-domain coordinate lies within
    /// √3·σ of the pixel's own (a box in the transformed domain, so it never reaches across a strong edge). Three
    /// iterations of a horizontal then a vertical pass, the transformed coordinates taken once from the input, as in
    /// <see cref="Filter"/>. Rows and columns run in parallel (columns via a blocked transpose, so both passes read
    /// memory in order).
    /// </summary>
    public static void FilterNormalized(Span<float> rgb, int width, int height, float sigmaS, float sigmaR, CancellationToken ct)
    {
        var count = width * height;
        if (rgb.Length < count * 3) throw new ArgumentException("buffer smaller than width × height × 3", nameof(rgb));
        var pool = ArrayPool<float>.Shared;
        var image = pool.Rent(count * 3);
        var transposed = pool.Rent(count * 3);
        var coordH = pool.Rent(count);
        var coordV = pool.Rent(count);
        var coordVt = pool.Rent(count);
        try
        {
            rgb[..(count * 3)].CopyTo(image);
            var ratio = sigmaS / MathF.Max(sigmaR, 1e-4f);
            // Transformed-domain coordinates: running sums of 1 + (σs/σr)·Σ|ΔI| along each row (horizontal) and, first
            // as per-pixel steps then summed down each column, along each column (vertical).
            ForBands(height, ct, y =>
            {
                var row = y * width;
                coordH[row] = 0;
                for (var x = 1; x < width; x++)
                {
                    var i = (row + x) * 3;
                    coordH[row + x] = coordH[row + x - 1] + 1 + ratio * (MathF.Abs(image[i] - image[i - 3]) + MathF.Abs(image[i + 1] - image[i - 2]) + MathF.Abs(image[i + 2] - image[i - 1]));
                }
                for (var x = 0; x < width; x++)
                {
                    if (y == 0)
                    {
                        coordV[x] = 0;
                        continue;
                    }
                    var i = (row + x) * 3;
                    var j = i - width * 3;
                    coordV[row + x] = 1 + ratio * (MathF.Abs(image[i] - image[j]) + MathF.Abs(image[i + 1] - image[j + 1]) + MathF.Abs(image[i + 2] - image[j + 2]));
                }
            });
            Transpose(coordV, coordVt, width, height, 1, ct);
            ForBands(width, ct, x =>
            {
                var column = coordVt.AsSpan(x * height, height);
                for (var y = 1; y < height; y++) column[y] += column[y - 1];
            });
            for (var iteration = 0; iteration < Iterations; iteration++)
            {
                ct.ThrowIfCancellationRequested();
                var sigmaH = sigmaS * MathF.Sqrt(3) * MathF.Pow(2, Iterations - (iteration + 1)) / MathF.Sqrt(MathF.Pow(4, Iterations) - 1);
                var radius = MathF.Sqrt(3) * sigmaH;
                BoxRows(image, coordH, width, height, radius, ct);
                Transpose(image, transposed, width, height, 3, ct);
                BoxRows(transposed, coordVt, height, width, radius, ct);
                Transpose(transposed, image, height, width, 3, ct);
            }
            image.AsSpan(0, count * 3).CopyTo(rgb);
        }
        finally
        {
            pool.Return(image);
            pool.Return(transposed);
            pool.Return(coordH);
            pool.Return(coordV);
            pool.Return(coordVt);
        }
    }

    /// <summary>
    /// Cartoon stylisation as OpenCV's Stylization computes it, on float: <see cref="FilterNormalized"/>, then each
    /// channel multiplied by 1 − Σ_c |∇(smoothed)_c| (3×3 Sobel magnitudes, reflected border), floored at 0 where
    /// OpenCV's 8-bit conversion saturates. The final render uses this so it looks like the OpenCV result it replaced.
    /// </summary>
    public static void StylizeNormalized(Span<float> rgb, int width, int height, float sigmaS, float sigmaR, CancellationToken ct)
    {
        FilterNormalized(rgb, width, height, sigmaS, sigmaR, ct);
        var count = width * height;
        var pool = ArrayPool<float>.Shared;
        var smoothed = pool.Rent(count * 3);
        var styled = pool.Rent(count * 3);
        try
        {
            rgb[..(count * 3)].CopyTo(smoothed);
            ForBands(height, ct, y =>
            {
                // Reflect-101 border, as Sobel's default.
                var up = (y == 0 ? Math.Min(1, height - 1) : y - 1) * width * 3;
                var mid = y * width * 3;
                var down = (y == height - 1 ? Math.Max(0, height - 2) : y + 1) * width * 3;
                var row = styled.AsSpan(mid, width * 3);
                for (var x = 0; x < width; x++)
                {
                    var l = (x == 0 ? Math.Min(1, width - 1) : x - 1) * 3;
                    var r = (x == width - 1 ? Math.Max(0, width - 2) : x + 1) * 3;
                    var c0 = x * 3;
                    var magnitude = 0f;
                    for (var c = 0; c < 3; c++)
                    {
                        var gx = smoothed[up + r + c] - smoothed[up + l + c] + 2 * (smoothed[mid + r + c] - smoothed[mid + l + c]) + smoothed[down + r + c] - smoothed[down + l + c];
                        var gy = smoothed[down + l + c] - smoothed[up + l + c] + 2 * (smoothed[down + c0 + c] - smoothed[up + c0 + c]) + smoothed[down + r + c] - smoothed[up + r + c];
                        magnitude += MathF.Sqrt(gx * gx + gy * gy);
                    }
                    var keep = 1f - magnitude;
                    for (var c = 0; c < 3; c++) row[c0 + c] = MathF.Max(0f, smoothed[mid + c0 + c] * keep);
                }
            });
            styled.AsSpan(0, count * 3).CopyTo(rgb);
        }
        finally
        {
            pool.Return(smoothed);
            pool.Return(styled);
        }
    }

    /// <summary>
    /// Colour pencil sketch as OpenCV's PencilSketch computes it, on float: the pencil tone is
    /// <paramref name="shadeFactor"/> × (number of samples in the first NC iteration's horizontal box + vertical box) —
    /// many in flat regions (paper white), few next to edges (graphite) — and replaces the luma (BT.601) of each pixel,
    /// whose chroma is kept; results are floored at 0 and capped at 1 as OpenCV's 8-bit output is.
    /// </summary>
    public static void PencilColour(Span<float> rgb, int width, int height, float sigmaS, float sigmaR, float shadeFactor, CancellationToken ct)
    {
        var count = width * height;
        if (rgb.Length < count * 3) throw new ArgumentException("buffer smaller than width × height × 3", nameof(rgb));
        var pool = ArrayPool<float>.Shared;
        var coordH = pool.Rent(count);
        var coordVt = pool.Rent(count);
        var steps = pool.Rent(count);
        var tone = pool.Rent(count);
        var toneT = pool.Rent(count);
        var image = pool.Rent(count * 3);
        try
        {
            rgb[..(count * 3)].CopyTo(image);
            var ratio = sigmaS / MathF.Max(sigmaR, 1e-4f);
            ForBands(height, ct, y =>
            {
                var row = image.AsSpan(y * width * 3, width * 3);
                var h = coordH.AsSpan(y * width, width);
                h[0] = 0;
                for (var x = 1; x < width; x++)
                {
                    var i = x * 3;
                    h[x] = h[x - 1] + 1 + ratio * (MathF.Abs(row[i] - row[i - 3]) + MathF.Abs(row[i + 1] - row[i - 2]) + MathF.Abs(row[i + 2] - row[i - 1]));
                }
                var v = steps.AsSpan(y * width, width);
                if (y == 0)
                {
                    v.Clear();
                    return;
                }
                var above = image.AsSpan((y - 1) * width * 3, width * 3);
                for (var x = 0; x < width; x++)
                {
                    var i = x * 3;
                    v[x] = 1 + ratio * (MathF.Abs(row[i] - above[i]) + MathF.Abs(row[i + 1] - above[i + 1]) + MathF.Abs(row[i + 2] - above[i + 2]));
                }
            });
            Transpose(steps, coordVt, width, height, 1, ct);
            ForBands(width, ct, x =>
            {
                var column = coordVt.AsSpan(x * height, height);
                for (var y = 1; y < height; y++) column[y] += column[y - 1];
            });
            var radius = MathF.Sqrt(3) * sigmaS * MathF.Sqrt(3) * MathF.Pow(2, Iterations - 1) / MathF.Sqrt(MathF.Pow(4, Iterations) - 1);
            ForBands(height, ct, y => WindowCounts(coordH.AsSpan(y * width, width), tone.AsSpan(y * width, width), radius));
            ForBands(width, ct, x => WindowCounts(coordVt.AsSpan(x * height, height), toneT.AsSpan(x * height, height), radius));
            Transpose(toneT, steps, height, width, 1, ct);
            ForBands(height, ct, y =>
            {
                var row = image.AsSpan(y * width * 3, width * 3);
                for (var x = 0; x < width; x++)
                {
                    var pencil = MathF.Min(1f, shadeFactor * (tone[y * width + x] + steps[y * width + x]));
                    var i = x * 3;
                    // YCrCb with Y replaced and Cr/Cb kept is, inverted, the same shift of all three channels.
                    var shift = pencil - (0.299f * row[i] + 0.587f * row[i + 1] + 0.114f * row[i + 2]);
                    row[i] = Math.Clamp(row[i] + shift, 0f, 1f);
                    row[i + 1] = Math.Clamp(row[i + 1] + shift, 0f, 1f);
                    row[i + 2] = Math.Clamp(row[i + 2] + shift, 0f, 1f);
                }
            });
            image.AsSpan(0, count * 3).CopyTo(rgb);
        }
        finally
        {
            pool.Return(image);
            pool.Return(coordH);
            pool.Return(coordVt);
            pool.Return(steps);
            pool.Return(tone);
            pool.Return(toneT);
        }
    }

    /// <summary>NC box pass over every row of <paramref name="image"/> (rows × length × 3).</summary>
    private static void BoxRows(float[] image, float[] coord, int length, int rows, float radius, CancellationToken ct)
    {
        var bands = Math.Min(rows, Environment.ProcessorCount * 4);
        Parallel.For(0, bands, new ParallelOptions { CancellationToken = ct }, band =>
        {
            var prefix = ArrayPool<double>.Shared.Rent((length + 1) * 3);
            try
            {
                for (var r = rows * band / bands; r < rows * (band + 1) / bands; r++)
                    BoxRow(image.AsSpan(r * length * 3, length * 3), coord.AsSpan(r * length, length), radius, prefix);
            }
            finally
            {
                ArrayPool<double>.Shared.Return(prefix);
            }
        });
    }

    /// <summary>
    /// Replaces each sample by the mean of the samples k with coord[j] − r &lt; coord[k] ≤ coord[j] + r (coordinates
    /// increase, so both window ends only move forward).
    /// </summary>
    private static void BoxRow(Span<float> row, ReadOnlySpan<float> coord, float radius, double[] prefix)
    {
        var n = coord.Length;
        prefix[0] = prefix[1] = prefix[2] = 0;
        for (var k = 0; k < n; k++)
        {
            prefix[(k + 1) * 3] = prefix[k * 3] + row[k * 3];
            prefix[(k + 1) * 3 + 1] = prefix[k * 3 + 1] + row[k * 3 + 1];
            prefix[(k + 1) * 3 + 2] = prefix[k * 3 + 2] + row[k * 3 + 2];
        }
        int lower = 0, upper = 0;
        for (var j = 0; j < n; j++)
        {
            var lo = coord[j] - radius;
            var hi = coord[j] + radius;
            while (coord[lower] <= lo) lower++;
            while (upper < n && coord[upper] <= hi) upper++;
            var inv = 1.0 / (upper - lower);
            row[j * 3] = (float)((prefix[upper * 3] - prefix[lower * 3]) * inv);
            row[j * 3 + 1] = (float)((prefix[upper * 3 + 1] - prefix[lower * 3 + 1]) * inv);
            row[j * 3 + 2] = (float)((prefix[upper * 3 + 2] - prefix[lower * 3 + 2]) * inv);
        }
    }

    /// <summary>Number of samples in each sample's NC window (see <see cref="BoxRow"/>).</summary>
    private static void WindowCounts(ReadOnlySpan<float> coord, Span<float> counts, float radius)
    {
        int lower = 0, upper = 0;
        for (var j = 0; j < coord.Length; j++)
        {
            while (coord[lower] <= coord[j] - radius) lower++;
            while (upper < coord.Length && coord[upper] <= coord[j] + radius) upper++;
            counts[j] = upper - lower;
        }
    }

    /// <summary>Blocked transpose of a rows × cols picture with <paramref name="channels"/> floats per pixel.</summary>
    private static void Transpose(float[] source, float[] target, int cols, int rows, int channels, CancellationToken ct)
    {
        const int Tile = 32;
        var tilesY = (rows + Tile - 1) / Tile;
        Parallel.For(0, tilesY, new ParallelOptions { CancellationToken = ct }, ty =>
        {
            var y0 = ty * Tile;
            var y1 = Math.Min(rows, y0 + Tile);
            for (var x0 = 0; x0 < cols; x0 += Tile)
            {
                var x1 = Math.Min(cols, x0 + Tile);
                for (var y = y0; y < y1; y++)
                for (var x = x0; x < x1; x++)
                {
                    var s = (y * cols + x) * channels;
                    var t = (x * rows + y) * channels;
                    for (var c = 0; c < channels; c++) target[t + c] = source[s + c];
                }
            }
        });
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
