using OpenCvSharp;
using Runway.Effects.Pixels;

namespace Runway.Effects.Quality;

/// <summary>Which pixels of a mask a metric is computed over.</summary>
public enum MaskRegion
{
    /// <summary>Pixels where the mask is non-zero (e.g. the hole).</summary>
    Inside,

    /// <summary>Pixels where the mask is zero (e.g. everything the effect should leave alone).</summary>
    Outside,
}

/// <summary>
/// Full-reference image quality metrics on <see cref="FloatImage"/>s, over the whole image or one side of a mask.
/// </summary>
/// <remarks>
/// PSNR is over the R, G and B channels (alpha ignored), with a peak value of 1 unless given — the convention of the
/// inpainting literature. SSIM is on luminance (Rec. 709 weights) with the standard parameters of Wang et al. 2004:
/// an 11×11 Gaussian window with σ = 1.5, K1 = 0.01, K2 = 0.03, dynamic range L = 1; local statistics are computed at
/// every pixel with reflected borders (OpenCV's default) and the SSIM map is averaged over the selected pixels.
/// Values are used as stored (no transfer function is applied), so compare images in the same encoding.
/// </remarks>
public static class ImageMetrics
{
    private const double K1 = 0.01;
    private const double K2 = 0.03;
    private const int Window = 11;
    private const double Sigma = 1.5;

    /// <summary>PSNR in dB over every pixel; +∞ when the images are identical.</summary>
    public static double Psnr(FloatImage reference, FloatImage test, double peak = 1.0) =>
        PsnrCore(reference, test, default, null, peak);

    /// <summary>PSNR in dB over the pixels on one side of <paramref name="mask"/> (one byte per pixel, non-zero = inside).</summary>
    /// <exception cref="ArgumentException">Sizes differ, or the region has no pixels.</exception>
    public static double Psnr(FloatImage reference, FloatImage test, ReadOnlySpan<byte> mask, MaskRegion region, double peak = 1.0) =>
        PsnrCore(reference, test, mask, region, peak);

    /// <summary>Mean SSIM of the luminance over every pixel (1 = identical).</summary>
    public static double Ssim(FloatImage reference, FloatImage test) => SsimCore(reference, test, default, null);

    /// <summary>Mean SSIM of the luminance over the pixels on one side of <paramref name="mask"/>.</summary>
    /// <exception cref="ArgumentException">Sizes differ, or the region has no pixels.</exception>
    public static double Ssim(FloatImage reference, FloatImage test, ReadOnlySpan<byte> mask, MaskRegion region) =>
        SsimCore(reference, test, mask, region);

    /// <summary>
    /// A metric mask (one byte per pixel, 1 where <paramref name="image"/>'s chosen channel is above
    /// <paramref name="threshold"/>): alpha when <paramref name="useAlpha"/>, else luminance.
    /// </summary>
    public static byte[] MaskFrom(FloatImage image, float threshold = 0.5f, bool useAlpha = false)
    {
        var mask = new byte[image.Width * image.Height];
        var px = image.Pixels;
        for (int i = 0, p = 0; i < mask.Length; i++, p += 4)
        {
            var v = useAlpha ? px[p + 3] : Luma(px[p], px[p + 1], px[p + 2]);
            mask[i] = v > threshold ? (byte)1 : (byte)0;
        }
        return mask;
    }

    private static double PsnrCore(FloatImage a, FloatImage b, ReadOnlySpan<byte> mask, MaskRegion? region, double peak)
    {
        CheckSizes(a, b, mask, region);
        double sum = 0;
        long count = 0;
        var width = a.Width;
        for (var y = 0; y < a.Height; y++)
        {
            var ra = a.Row(y);
            var rb = b.Row(y);
            for (var x = 0; x < width; x++)
            {
                if (region is { } r && (mask[y * width + x] != 0) != (r == MaskRegion.Inside)) continue;
                var i = x * 4;
                double dr = ra[i] - rb[i], dg = ra[i + 1] - rb[i + 1], db = ra[i + 2] - rb[i + 2];
                sum += dr * dr + dg * dg + db * db;
                count++;
            }
        }
        if (count == 0) throw new ArgumentException($"the {region} region of the mask has no pixels", nameof(mask));
        var mse = sum / (count * 3);
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(peak * peak / mse);
    }

    private static double SsimCore(FloatImage a, FloatImage b, ReadOnlySpan<byte> mask, MaskRegion? region)
    {
        CheckSizes(a, b, mask, region);
        using var x = Luminance(a);
        using var y = Luminance(b);
        using var xx = x.Mul(x).ToMat();
        using var yy = y.Mul(y).ToMat();
        using var xy = x.Mul(y).ToMat();
        var size = new Size(Window, Window);
        using var muX = new Mat();
        using var muY = new Mat();
        using var sXX = new Mat();
        using var sYY = new Mat();
        using var sXY = new Mat();
        Cv2.GaussianBlur(x, muX, size, Sigma);
        Cv2.GaussianBlur(y, muY, size, Sigma);
        Cv2.GaussianBlur(xx, sXX, size, Sigma);
        Cv2.GaussianBlur(yy, sYY, size, Sigma);
        Cv2.GaussianBlur(xy, sXY, size, Sigma);

        const double c1 = K1 * K1;
        const double c2 = K2 * K2;
        double sum = 0;
        long count = 0;
        var width = a.Width;
        for (var row = 0; row < a.Height; row++)
        {
            var mx = Row(muX, row);
            var my = Row(muY, row);
            var vxx = Row(sXX, row);
            var vyy = Row(sYY, row);
            var vxy = Row(sXY, row);
            for (var col = 0; col < width; col++)
            {
                if (region is { } r && (mask[row * width + col] != 0) != (r == MaskRegion.Inside)) continue;
                double ux = mx[col], uy = my[col];
                var varX = vxx[col] - ux * ux;
                var varY = vyy[col] - uy * uy;
                var cov = vxy[col] - ux * uy;
                sum += (2 * ux * uy + c1) * (2 * cov + c2) / ((ux * ux + uy * uy + c1) * (varX + varY + c2));
                count++;
            }
        }
        if (count == 0) throw new ArgumentException($"the {region} region of the mask has no pixels", nameof(mask));
        return sum / count;
    }

    private static void CheckSizes(FloatImage a, FloatImage b, ReadOnlySpan<byte> mask, MaskRegion? region)
    {
        if (a.Width != b.Width || a.Height != b.Height)
            throw new ArgumentException($"images differ in size: {a.Width}x{a.Height} and {b.Width}x{b.Height}", nameof(b));
        if (region is not null && mask.Length != a.Width * a.Height)
            throw new ArgumentException($"mask has {mask.Length} entries, the images have {a.Width * a.Height} pixels", nameof(mask));
    }

    // 64-bit luminance: the blurred squares are subtracted from each other, which loses too much in float32.
    private static Mat Luminance(FloatImage image)
    {
        var mat = new Mat(image.Height, image.Width, MatType.CV_64FC1);
        for (var y = 0; y < image.Height; y++)
        {
            var src = image.Row(y);
            var dst = Row(mat, y);
            for (var x = 0; x < dst.Length; x++)
            {
                var i = x * 4;
                dst[x] = Luma(src[i], src[i + 1], src[i + 2]);
            }
        }
        return mat;
    }

    private static float Luma(float r, float g, float b) => 0.2126f * r + 0.7152f * g + 0.0722f * b;

    private static unsafe Span<double> Row(Mat mat, int y) => new(mat.DataPointer + y * mat.Step(), mat.Cols);
}
