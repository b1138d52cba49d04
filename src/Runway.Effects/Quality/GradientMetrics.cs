using OpenCvSharp;
using Runway.Effects.Pixels;

namespace Runway.Effects.Quality;

/// <summary>
/// Gradient-structure similarity: whether a result has the same amount of local structure (edges, texture) as the
/// reference, pixel by pixel, over the whole image or one side of a mask.
/// </summary>
/// <remarks>
/// <para>Gradient magnitude similarity in the manner of Xue et al. 2014 (GMSD): luminance (Rec. 709 weights) of both
/// images, 3×3 Sobel gradients (so a 0→1 step reads 4), magnitudes m₁ and m₂, and per pixel
/// <c>(2·m₁·m₂ + C) / (m₁² + m₂² + C)</c> with C = <see cref="Stability"/>, averaged over the selected pixels: 1 where
/// both have the same structure strength (including both flat), towards 0 where one is textured and the other smooth.</para>
/// <para>It is deliberately blind to gradient direction and exact position: a plausible synthesised fill has texture
/// where the truth has texture without being aligned to it, which PSNR and SSIM punish more than a blur. Together with
/// them it tells a plausible fill (high here) from a smooth one (low here, often fine in PSNR).</para>
/// </remarks>
public static class GradientMetrics
{
    /// <summary>Stabilising constant C, in squared Sobel units of 0..1 luminance (about a 2.5% step's magnitude).</summary>
    public const double Stability = 0.01;

    /// <summary>Mean gradient magnitude similarity over every pixel (1 = same structure everywhere).</summary>
    public static double MagnitudeSimilarity(FloatImage reference, FloatImage test) => Core(reference, test, default, null);

    /// <summary>Mean gradient magnitude similarity over the pixels on one side of <paramref name="mask"/> (one byte per pixel, non-zero = inside).</summary>
    /// <exception cref="ArgumentException">Sizes differ, or the region has no pixels.</exception>
    public static double MagnitudeSimilarity(FloatImage reference, FloatImage test, ReadOnlySpan<byte> mask, MaskRegion region) =>
        Core(reference, test, mask, region);

    private static double Core(FloatImage a, FloatImage b, ReadOnlySpan<byte> mask, MaskRegion? region)
    {
        if (a.Width != b.Width || a.Height != b.Height)
            throw new ArgumentException($"image sizes differ: {a.Width}x{a.Height} vs {b.Width}x{b.Height}");
        if (region is not null && mask.Length != a.Width * a.Height)
            throw new ArgumentException($"mask has {mask.Length} bytes, images have {a.Width * a.Height} pixels");
        using var ma = Magnitude(a);
        using var mb = Magnitude(b);
        var w = a.Width;
        double sum = 0;
        long n = 0;
        for (var y = 0; y < a.Height; y++)
        {
            var ra = Row(ma, y, w);
            var rb = Row(mb, y, w);
            for (var x = 0; x < w; x++)
            {
                if (region is { } r && (mask[y * w + x] != 0) != (r == MaskRegion.Inside)) continue;
                var m1 = ra[x];
                var m2 = rb[x];
                sum += (2 * m1 * m2 + Stability) / (m1 * m1 + m2 * m2 + Stability);
                n++;
            }
        }
        if (n == 0) throw new ArgumentException("the selected region has no pixels");
        return sum / n;
    }

    private static Mat Magnitude(FloatImage image)
    {
        using var luma = new Mat(image.Height, image.Width, MatType.CV_32FC1);
        for (var y = 0; y < image.Height; y++)
        {
            var src = image.Row(y);
            var dst = Row(luma, y, image.Width);
            for (var x = 0; x < dst.Length; x++)
                dst[x] = 0.2126f * src[x * 4] + 0.7152f * src[x * 4 + 1] + 0.0722f * src[x * 4 + 2];
        }
        using var gx = new Mat();
        using var gy = new Mat();
        Cv2.Sobel(luma, gx, MatType.CV_32F, 1, 0, 3, 1, 0, BorderTypes.Reflect101);
        Cv2.Sobel(luma, gy, MatType.CV_32F, 0, 1, 3, 1, 0, BorderTypes.Reflect101);
        var magnitude = new Mat();
        Cv2.Magnitude(gx, gy, magnitude);
        return magnitude;
    }

    private static unsafe Span<float> Row(Mat mat, int y, int width) => new((byte*)mat.DataPointer + y * mat.Step(), width);
}
