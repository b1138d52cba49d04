using OpenCvSharp;
using Runway.Effects.Pixels;

namespace Runway.Effects.Tests;

/// <summary>
/// "Not a blur", measured: the texture ratio of a fill is the mean fine-detail strength inside the hole divided by the
/// same over the known ring around it, in the same image. 1.0 = the fill is as textured as its surroundings; a blur
/// scores near 0 (only the border's detail, which the measure's own blur carries a few pixels in, counts).
/// </summary>
/// <remarks>
/// Detail = luminance (Rec. 709 weights) minus its Gaussian blur of σ <see cref="DetailSigma"/> px; strength = its
/// absolute value. The ring is the known pixels within <see cref="RingWidth"/> px of the hole (the surroundings a
/// viewer compares the fill with). Position-blind on purpose: it asks whether texture is there, not whether it is the
/// truth's (PSNR, SSIM and gradient structure answer that).
/// </remarks>
internal static class GenerativeFillTexture
{
    /// <summary>σ, in pixels, of the blur that separates fine detail from structure.</summary>
    public const double DetailSigma = 2.0;

    /// <summary>Width, in pixels, of the known ring the hole is compared with.</summary>
    public const int RingWidth = 12;

    /// <summary>Texture ratio of <paramref name="image"/> for <paramref name="hole"/> (one byte per pixel, non-zero = hole).</summary>
    public static unsafe double Ratio(FloatImage image, byte[] hole)
    {
        int w = image.Width, h = image.Height;
        using var luma = new Mat(h, w, MatType.CV_32FC1);
        using var holeMat = new Mat(h, w, MatType.CV_8UC1);
        var lp = (float*)luma.DataPointer;
        var hp = (byte*)holeMat.DataPointer;
        for (var y = 0; y < h; y++)
        {
            var row = image.Row(y);
            for (var x = 0; x < w; x++)
            {
                lp[y * w + x] = 0.2126f * row[x * 4] + 0.7152f * row[x * 4 + 1] + 0.0722f * row[x * 4 + 2];
                // Distance transform measures to the nearest zero: known = 0 would measure hole pixels, so invert.
                hp[y * w + x] = hole[y * w + x] != 0 ? (byte)0 : (byte)255;
            }
        }
        using var blur = new Mat();
        Cv2.GaussianBlur(luma, blur, new Size(0, 0), DetailSigma, DetailSigma, BorderTypes.Reflect101);
        using var distance = new Mat();
        Cv2.DistanceTransform(holeMat, distance, DistanceTypes.L2, DistanceTransformMasks.Precise);
        var bp = (float*)blur.DataPointer;
        var dp = (float*)distance.DataPointer;
        double inside = 0, ring = 0;
        long ni = 0, nr = 0;
        for (var i = 0; i < w * h; i++)
        {
            var detail = Math.Abs(lp[i] - bp[i]);
            if (hole[i] != 0) { inside += detail; ni++; }
            else if (dp[i] <= RingWidth) { ring += detail; nr++; }
        }
        if (ni == 0 || nr == 0) throw new ArgumentException("the hole or its ring is empty");
        return inside / ni / Math.Max(ring / nr, 1e-6);
    }
}
