using OpenCvSharp;
using Runway.Effects.Definitions;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Temporal;

/// <summary>How dense optical flow is estimated for one quality level.</summary>
/// <param name="MaxSide">Flow is computed on frames area-downscaled so their longer side is at most this many pixels.</param>
/// <param name="Levels">Pyramid levels (coarse-to-fine) of the Farnebäck estimator.</param>
/// <param name="WindowSize">Averaging window, in flow-resolution pixels.</param>
/// <param name="Iterations">Iterations per pyramid level.</param>
/// <param name="PolyN">Neighbourhood of the per-pixel polynomial expansion.</param>
/// <param name="PolySigma">Gaussian σ smoothing the derivatives of the polynomial expansion.</param>
public sealed record FlowSettings(int MaxSide, int Levels, int WindowSize, int Iterations, int PolyN, double PolySigma)
{
    /// <summary>Interactive renders and quick looks: coarse, few iterations.</summary>
    public static FlowSettings Fast { get; } = new(256, 3, 11, 2, 5, 1.1);

    /// <summary>The default balance.</summary>
    public static FlowSettings Medium { get; } = new(480, 4, 15, 3, 5, 1.1);

    /// <summary>Finer grid and more iterations: follows small and fast motion better.</summary>
    public static FlowSettings Fine { get; } = new(720, 5, 17, 5, 7, 1.5);

    /// <summary>The settings for a flow-quality choice value (<see cref="InpaintDefinition.ParamFlowQuality"/>).</summary>
    public static FlowSettings For(string quality) => quality switch
    {
        InpaintDefinition.FlowFast => Fast,
        InpaintDefinition.FlowFine => Fine,
        _ => Medium,
    };
}

/// <summary>
/// Dense optical flow between working images with OpenCV's Farnebäck estimator, on a perceptual grey (square root of
/// linear luminance, so shadows carry texture as they do for the eye) at reduced resolution.
/// </summary>
/// <remarks>
/// The issue asks for DIS flow, but OpenCvSharp4 4.13 exposes no <c>DISOpticalFlow</c> (neither a managed wrapper nor
/// an exported native entry point in <c>libOpenCvSharpExtern</c>); Farnebäck is the dense estimator it does expose.
/// Everything is a pure function of the pixels, so renders are independent of order and thread.
/// </remarks>
public static class FlowEstimator
{
    /// <summary>Flow-resolution size for a frame of <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static Size FlowSize(int width, int height, FlowSettings settings)
    {
        var longest = Math.Max(width, height);
        if (longest <= settings.MaxSide) return new Size(width, height);
        var s = settings.MaxSide / (double)longest;
        return new Size(Math.Max(8, (int)Math.Round(width * s)), Math.Max(8, (int)Math.Round(height * s)));
    }

    /// <summary>
    /// The perceptual grey of <paramref name="image"/> at <paramref name="size"/> as 8-bit (CV_8UC1, returned, caller
    /// disposes). Values outside 0..1 are clamped: flow only needs texture, not range.
    /// </summary>
    /// <remarks>
    /// Each grey pixel averages up to 3×3 evenly spread samples of its footprint in the full frame rather than every
    /// pixel: a 1080p frame reduced to 480 wide would otherwise read all 2 M pixels for 130 k outputs, the largest
    /// single cost of a draft render. The samples are enough to keep fine texture from aliasing into false motion.
    /// </remarks>
    public static Mat Grey(FloatImage image, Size size)
    {
        var grey = new Mat(size, MatType.CV_8UC1);
        var view = new MatView(grey);
        var fx = image.Width / (double)size.Width;
        var fy = image.Height / (double)size.Height;
        var nx = Math.Clamp((int)Math.Ceiling(fx), 1, 3);
        var ny = Math.Clamp((int)Math.Ceiling(fy), 1, 3);
        var px = image.Pixels;
        var stride = image.Stride;
        for (var y = 0; y < size.Height; y++)
        {
            var dst = view.Row<byte>(y);
            for (var x = 0; x < size.Width; x++)
            {
                var sum = 0f;
                for (var j = 0; j < ny; j++)
                {
                    var sy = Math.Min(image.Height - 1, (int)((y + (j + 0.5) / ny) * fy));
                    for (var i = 0; i < nx; i++)
                    {
                        var sx = Math.Min(image.Width - 1, (int)((x + (i + 0.5) / nx) * fx));
                        var o = sy * stride + sx * 4;
                        var v = 0.2126f * px[o] + 0.7152f * px[o + 1] + 0.0722f * px[o + 2];
                        // NaN and negatives become black; the square root lifts shadows like a display transfer would.
                        sum += v > 0f ? MathF.Sqrt(MathF.Min(v, 1f)) : 0f;
                    }
                }
                dst[x] = (byte)(sum / (nx * ny) * 255f + 0.5f);
            }
        }
        return grey;
    }

    /// <summary>
    /// Flow from <paramref name="from"/> to <paramref name="to"/> (same-size CV_8UC1 greys): for pixel p of
    /// <paramref name="from"/>, p + flow(p) is where it lies in <paramref name="to"/>. CV_32FC2, caller disposes.
    /// </summary>
    public static Mat Compute(Mat from, Mat to, FlowSettings s)
    {
        var flow = new Mat(from.Size(), MatType.CV_32FC2, Scalar.All(0));
        Cv2.CalcOpticalFlowFarneback(from, to, flow, 0.5, s.Levels, s.WindowSize, s.Iterations, s.PolyN, s.PolySigma,
            OpticalFlowFlags.FarnebackGaussian);
        return flow;
    }

    /// <summary>Bilinear sample of a CV_32FC2 flow at (x, y), clamped to the field's edges.</summary>
    public static (float X, float Y) Sample(Mat flow, float x, float y) => Sample(new MatView(flow), x, y);

    /// <summary>Bilinear sample of a CV_32FC2 flow view at (x, y), clamped to the field's edges.</summary>
    internal static (float X, float Y) Sample(MatView flow, float x, float y)
    {
        var w = flow.Cols;
        var h = flow.Rows;
        x = Math.Clamp(x, 0f, w - 1f);
        y = Math.Clamp(y, 0f, h - 1f);
        var x0 = (int)x;
        var y0 = (int)y;
        var x1 = Math.Min(x0 + 1, w - 1);
        var y1 = Math.Min(y0 + 1, h - 1);
        var fx = x - x0;
        var fy = y - y0;
        var r0 = flow.Row<float>(y0, 2);
        var r1 = flow.Row<float>(y1, 2);
        var ax = r0[x0 * 2] + fx * (r0[x1 * 2] - r0[x0 * 2]);
        var ay = r0[x0 * 2 + 1] + fx * (r0[x1 * 2 + 1] - r0[x0 * 2 + 1]);
        var bx = r1[x0 * 2] + fx * (r1[x1 * 2] - r1[x0 * 2]);
        var by = r1[x0 * 2 + 1] + fx * (r1[x1 * 2 + 1] - r1[x0 * 2 + 1]);
        return (ax + fy * (bx - ax), ay + fy * (by - ay));
    }

}

/// <summary>
/// A continuous Mat's geometry read once: OpenCvSharp's <c>Rows</c>, <c>Cols</c>, <c>Step()</c> and data pointer are
/// P/Invoke calls, far too slow to repeat per pixel. Valid while the Mat lives and is not reallocated.
/// </summary>
internal readonly unsafe struct MatView
{
    private readonly byte* _data;
    private readonly long _step;

    public MatView(Mat mat)
    {
        _data = (byte*)mat.DataPointer;
        _step = mat.Step();
        Cols = mat.Cols;
        Rows = mat.Rows;
    }

    public int Cols { get; }

    public int Rows { get; }

    public Span<T> Row<T>(int y, int channels = 1) where T : unmanaged => new(_data + y * _step, Cols * channels);
}
