using OpenCvSharp;
using Runway.Effects.Engines.Temporal;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Rotoscope;

/// <summary>
/// Conversions between working images and the reduced-size 8-bit and float planes the rotoscope works on.
/// </summary>
/// <remarks>
/// Colour and the guide are perceptually encoded (square root of linear light, clamped to 0..1) because GrabCut's
/// colour model and the guided filter's ε are tuned for display-like values; shadows would otherwise collapse into a
/// few codes. Scene-linear values above 1 only clamp here, in the analysis: the output picture is never touched.
/// </remarks>
internal static class MatteImages
{
    /// <summary>Size with the longer side at most <paramref name="maxSide"/> (never enlarged).</summary>
    public static Size WorkingSize(int width, int height, int maxSide)
    {
        var longest = Math.Max(width, height);
        if (longest <= maxSide) return new Size(width, height);
        var s = maxSide / (double)longest;
        return new Size(Math.Max(8, (int)Math.Round(width * s)), Math.Max(8, (int)Math.Round(height * s)));
    }

    /// <summary>
    /// Reduced colour (CV_8UC3, BGR order as GrabCut expects) and guide (CV_32FC1, 0..1) of <paramref name="image"/> at
    /// <paramref name="size"/>; each output pixel averages up to 3×3 evenly spread samples of its footprint.
    /// </summary>
    public static (Mat Bgr, Mat Guide) Analyse(FloatImage image, Size size)
    {
        var bgr = new Mat(size, MatType.CV_8UC3);
        var guide = new Mat(size, MatType.CV_32FC1);
        Analyse(image, size, bgr, guide);
        return (bgr, guide);
    }

    /// <summary>As <see cref="Analyse(FloatImage, Size)"/>, into <paramref name="bgr"/> and <paramref name="guide"/> (reallocated only when their size or type differs).</summary>
    public static void Analyse(FloatImage image, Size size, Mat bgr, Mat guide)
    {
        bgr.Create(size, MatType.CV_8UC3);
        guide.Create(size, MatType.CV_32FC1);
        var bv = new MatView(bgr);
        var gv = new MatView(guide);
        var fx = image.Width / (double)size.Width;
        var fy = image.Height / (double)size.Height;
        var nx = Math.Clamp((int)Math.Ceiling(fx), 1, 3);
        var ny = Math.Clamp((int)Math.Ceiling(fy), 1, 3);
        var px = image.Pixels;
        var stride = image.Stride;
        Span<int> xs = stackalloc int[3];
        for (var y = 0; y < size.Height; y++)
        {
            var b = bv.Row<byte>(y, 3);
            var g = gv.Row<float>(y);
            for (var x = 0; x < size.Width; x++)
            {
                for (var i = 0; i < nx; i++) xs[i] = Math.Min(image.Width - 1, (int)((x + (i + 0.5) / nx) * fx));
                float sr = 0, sg = 0, sb = 0, sl = 0;
                for (var j = 0; j < ny; j++)
                {
                    var row = Math.Min(image.Height - 1, (int)((y + (j + 0.5) / ny) * fy)) * stride;
                    for (var i = 0; i < nx; i++)
                    {
                        var o = row + xs[i] * 4;
                        sr += Encode(px[o]);
                        sg += Encode(px[o + 1]);
                        sb += Encode(px[o + 2]);
                        sl += Encode(0.2126f * px[o] + 0.7152f * px[o + 1] + 0.0722f * px[o + 2]);
                    }
                }
                var n = 1f / (nx * ny);
                b[x * 3] = (byte)(sb * n * 255f + 0.5f);
                b[x * 3 + 1] = (byte)(sg * n * 255f + 0.5f);
                b[x * 3 + 2] = (byte)(sr * n * 255f + 0.5f);
                g[x] = sl * n;
            }
        }
    }

    /// <summary>Perceptual encoding of one linear value: √v clamped to 0..1 (NaN and negatives → 0).</summary>
    public static float Encode(float v) => v > 0f ? MathF.Sqrt(MathF.Min(v, 1f)) : 0f;

    /// <summary>
    /// The hint matte at <paramref name="size"/> as CV_32FC1 (fraction of up to 3×3 evenly spread samples of each
    /// footprint above the threshold, 0..1), or null when no sample passes <paramref name="threshold"/> (the frame is
    /// not a keyframe). Uses alpha when the mask's alpha varies over the samples read, else luminance.
    /// </summary>
    /// <remarks>Sampled rather than read in full: a host sends an empty mask on every non-keyframe, for the frame and
    /// each neighbour, and reading three 1080p masks in full was the largest cost of a draft render.</remarks>
    public static Mat? Hint(FloatImage mask, Size size, float threshold)
    {
        var fx = mask.Width / (double)size.Width;
        var fy = mask.Height / (double)size.Height;
        var nx = Math.Clamp((int)Math.Ceiling(fx), 1, 3);
        var ny = Math.Clamp((int)Math.Ceiling(fy), 1, 3);
        var px = mask.Pixels;
        var stride = mask.Stride;
        var useAlpha = AlphaVaries(mask, size, fx, fy, nx, ny);
        var hint = new Mat(size, MatType.CV_32FC1);
        var view = new MatView(hint);
        var any = false;
        for (var y = 0; y < size.Height; y++)
        {
            var dst = view.Row<float>(y);
            for (var x = 0; x < size.Width; x++)
            {
                var on = 0;
                for (var j = 0; j < ny; j++)
                {
                    var row = Math.Min(mask.Height - 1, (int)((y + (j + 0.5) / ny) * fy)) * stride;
                    for (var i = 0; i < nx; i++)
                    {
                        var o = row + Math.Min(mask.Width - 1, (int)((x + (i + 0.5) / nx) * fx)) * 4;
                        var v = useAlpha ? px[o + 3] : 0.2126f * px[o] + 0.7152f * px[o + 1] + 0.0722f * px[o + 2];
                        // NaN compares false: a NaN hint value is background.
                        if (v > threshold) on++;
                    }
                }
                dst[x] = on / (float)(nx * ny);
                any |= on > 0;
            }
        }
        if (any) return hint;
        hint.Dispose();
        return null;
    }

    /// <summary>Whether alpha differs between the samples <see cref="Hint"/> reads (the same grid, so no full scan).</summary>
    private static bool AlphaVaries(FloatImage mask, Size size, double fx, double fy, int nx, int ny)
    {
        var px = mask.Pixels;
        var first = px[3];
        for (var y = 0; y < size.Height; y++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = Math.Min(mask.Height - 1, (int)((y + (j + 0.5) / ny) * fy)) * mask.Stride;
                for (var x = 0; x < size.Width; x++)
                {
                    for (var i = 0; i < nx; i++)
                    {
                        if (px[row + Math.Min(mask.Width - 1, (int)((x + (i + 0.5) / nx) * fx)) * 4 + 3] != first) return true;
                    }
                }
            }
        }
        return false;
    }
}
