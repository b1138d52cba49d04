using OpenCvSharp;
using Runway.Effects.Engines.Temporal;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Rotoscope;

/// <summary>How <see cref="MatteRefiner.Refine"/> turns a probability map into a matte.</summary>
/// <param name="MaxWorkingSide">Segmentation runs with the frame's longer side reduced to at most this many pixels.</param>
/// <param name="ColourModel">Re-fit the edge with GrabCut (colour models of subject and background) in a band around
/// the probability map's 0.5 contour; false keeps the map's own contour (fast).</param>
/// <param name="Iterations">GrabCut iterations.</param>
/// <param name="BandFraction">Half-width of the band GrabCut may change, as a fraction of the working diagonal: model
/// outputs are often coarse (low-resolution, blurred), so the default band is wider than the engine's own.</param>
/// <param name="EdgeRadius">Guided-filter radius in frame pixels (0 = hard edges): soft edges that follow the picture.</param>
/// <param name="Choke">Shrink (positive) or grow (negative), frame pixels.</param>
/// <param name="Feather">Edge blur, frame pixels (Gaussian σ = feather / 2).</param>
public sealed record MatteRefineSettings(
    int MaxWorkingSide = 960,
    bool ColourModel = true,
    int Iterations = 2,
    double BandFraction = 0.03,
    double EdgeRadius = 4,
    double Choke = 0,
    double Feather = 0);

/// <summary>
/// The rotoscope's refinement stages as a public service, for engines that produce a subject probability map another
/// way (salient-object, video-matting and promptable-segmentation model packs): colour-model edge re-fit (GrabCut),
/// choke, guided-filter soft edges at full resolution, feather; and writing the matte as alpha or luminance.
/// </summary>
public static class MatteRefiner
{
    /// <summary>
    /// How many sets of working-size planes the finishing has ever created (diagnostics and tests): it stops growing
    /// once the pool is warm, so a warm frame allocates no frame-sized native memory here.
    /// </summary>
    public static long PooledPlaneSetsCreated => MatteScratch.Created;

    /// <summary>Guided-filter regulariser on the 0..1 perceptual guide: edges with contrast below about √ε stay hard-smoothed.</summary>
    internal const double Epsilon = 1e-3;

    /// <summary>
    /// Refines <paramref name="probability"/> (subject probability 0..1, row-major <paramref name="width"/> ×
    /// <paramref name="height"/>, any size: it is resampled) into <paramref name="matte"/> (row-major, source size).
    /// </summary>
    /// <exception cref="ArgumentException">Span lengths do not match their sizes.</exception>
    public static unsafe void Refine(FloatImage source, ReadOnlySpan<float> probability, int width, int height, MatteRefineSettings settings,
        Span<float> matte, CancellationToken cancellationToken)
    {
        if (probability.Length != width * height) throw new ArgumentException($"probability has {probability.Length} values for {width}x{height}", nameof(probability));
        if (matte.Length != source.Width * source.Height) throw new ArgumentException("matte must have one value per source pixel", nameof(matte));
        var work = MatteImages.WorkingSize(source.Width, source.Height, settings.MaxWorkingSide);
        // Every working-size plane comes from the pool, so a warm call allocates nothing frame-sized.
        var scratch = MatteScratch.Rent();
        try
        {
            var (bgr, guide, prior) = (scratch.Bgr, scratch.Guide, scratch.Prior);
            MatteImages.Analyse(source, work, bgr, guide);
            fixed (float* p = probability)
            {
                using var given = Mat.FromPixelData(height, width, MatType.CV_32FC1, (IntPtr)p);
                Cv2.Resize(given, prior, work, 0, 0, InterpolationFlags.Linear);
            }
            var workScale = work.Width / (double)source.Width;
            Mat? segmented = null;
            if (settings.ColourModel)
            {
                var band = Band(work, settings.BandFraction);
                segmented = ColourSegmenter.Segment(bgr, prior, SegmentHints.None, band, settings.Iterations, cancellationToken);
            }
            using var _s = segmented;
            Finish(source, segmented ?? prior, guide, settings.Choke * workScale, settings.EdgeRadius * workScale, settings.Feather, matte, scratch);
        }
        finally
        {
            MatteScratch.Return(scratch);
        }
    }

    /// <summary>
    /// Writes <paramref name="output"/> from <paramref name="source"/> and a source-size <paramref name="matte"/>:
    /// as alpha (RGB = source, A = source A × matte; the caller premultiplies when the host wants) or as luminance
    /// (RGB = matte, A = source A). <paramref name="holdOut"/> inverts the matte first.
    /// </summary>
    public static void Write(FloatImage source, ReadOnlySpan<float> matte, bool holdOut, bool asLuminance, FloatImage output)
    {
        if (matte.Length != source.Width * source.Height) throw new ArgumentException("matte must have one value per source pixel", nameof(matte));
        if (output.Width != source.Width || output.Height != source.Height) throw new ArgumentException("output must match the source size", nameof(output));
        for (var y = 0; y < source.Height; y++) WriteRow(source.Row(y), matte.Slice(y * source.Width, source.Width), holdOut, asLuminance, output.Row(y));
    }

    internal static void WriteRow(ReadOnlySpan<float> src, ReadOnlySpan<float> matte, bool holdOut, bool asLuminance, Span<float> dst)
    {
        for (var x = 0; x < matte.Length; x++)
        {
            var m = holdOut ? 1f - matte[x] : matte[x];
            var i = x * 4;
            if (asLuminance)
            {
                dst[i] = m;
                dst[i + 1] = m;
                dst[i + 2] = m;
            }
            else
            {
                // Colour passes through untouched, values above 1 included.
                dst[i] = src[i];
                dst[i + 1] = src[i + 1];
                dst[i + 2] = src[i + 2];
            }
            dst[i + 3] = asLuminance ? src[i + 3] : src[i + 3] * m;
        }
    }

    /// <summary>Half-width in working pixels of the band a colour re-fit may change.</summary>
    internal static int Band(Size work, double fraction) =>
        Math.Max(2, (int)Math.Round(fraction * Math.Sqrt((double)work.Width * work.Width + (double)work.Height * work.Height)));

    /// <summary>
    /// From a working-size matte (CV_32FC1 0..1) to the source-size matte written into <paramref name="destination"/>
    /// (row-major, one value per source pixel): choke (working pixels), guided-filter refinement fitted at working size
    /// and applied to the full-resolution guide, feather (source pixels).
    /// </summary>
    /// <remarks>
    /// Allocates nothing frame-sized: the working-size planes come from <see cref="MatteScratch"/>'s pool, and the
    /// guided filter's coefficients are upsampled bilinearly inside the row loop instead of into two source-size planes
    /// (that, plus a source-size result Mat, was 24 MiB of fresh native memory per 1080p frame).
    /// </remarks>
    internal static unsafe void Finish(FloatImage source, Mat matte, Mat guide, double chokeWork, double radiusWork, double feather,
        Span<float> destination, MatteScratch? rented = null)
    {
        if (destination.Length < source.Width * source.Height) throw new ArgumentException("destination must hold one value per source pixel", nameof(destination));
        var scratch = rented ?? MatteScratch.Rent();
        try
        {
            var choked = scratch.Choked;
            var chokeRadius = (int)Math.Round(Math.Abs(chokeWork));
            if (chokeRadius >= 1)
            {
                using var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * chokeRadius + 1, 2 * chokeRadius + 1));
                if (chokeWork > 0) Cv2.Erode(matte, choked, kernel, borderType: BorderTypes.Replicate);
                else Cv2.Dilate(matte, choked, kernel, borderType: BorderTypes.Replicate);
            }
            else
            {
                matte.CopyTo(choked);
            }

            var (w, h) = (source.Width, source.Height);
            var radius = (int)Math.Round(radiusWork);
            if (radius >= 1)
            {
                GuidedMatteFilter.Coefficients(guide, choked, radius, Epsilon, scratch.A, scratch.B, scratch);
                ApplyCoefficients(source, new MatView(scratch.A), new MatView(scratch.B), scratch, destination);
            }
            else
            {
                fixed (float* d = destination)
                {
                    using var full = Mat.FromPixelData(h, w, MatType.CV_32FC1, (IntPtr)d);
                    if (choked.Width == w && choked.Height == h) choked.CopyTo(full);
                    else Cv2.Resize(choked, full, new Size(w, h), 0, 0, InterpolationFlags.Linear);
                }
            }
            if (feather > 0.05)
            {
                fixed (float* d = destination)
                {
                    using var full = Mat.FromPixelData(h, w, MatType.CV_32FC1, (IntPtr)d);
                    Cv2.GaussianBlur(full, full, new Size(0, 0), Math.Max(0.3, feather / 2), borderType: BorderTypes.Replicate);
                }
            }
        }
        finally
        {
            if (rented is null) MatteScratch.Return(scratch);
        }
    }

    /// <summary>
    /// destination = clamp(a·I + b) with I the full-resolution perceptual luminance and a, b sampled bilinearly from
    /// the working-size coefficients (pixel centres aligned as OpenCV's linear resize aligns them).
    /// </summary>
    private static void ApplyCoefficients(FloatImage source, MatView a, MatView b, MatteScratch scratch, Span<float> destination)
    {
        var (w, h) = (source.Width, source.Height);
        var (cw, ch) = (a.Cols, a.Rows);
        // Per-column source indices and weights, computed once per frame size.
        var (x0s, x1s, wxs) = scratch.Columns(w, cw);
        var sy = ch / (double)h;
        // Sequential on purpose: a Parallel.For over these rows doubled 1080p keyframe renders (120 → 261 ms), its
        // pool threads competing with the OpenCV work that precedes it.
        for (var y = 0; y < h; y++)
        {
            var fy = Math.Clamp((y + 0.5) * sy - 0.5, 0, ch - 1);
            var y0 = (int)fy;
            var y1 = Math.Min(y0 + 1, ch - 1);
            var wy = (float)(fy - y0);
            var a0 = a.Row<float>(y0);
            var a1 = a.Row<float>(y1);
            var b0 = b.Row<float>(y0);
            var b1 = b.Row<float>(y1);
            var src = source.Row(y);
            var dst = destination.Slice(y * w, w);
            for (var x = 0; x < w; x++)
            {
                var (i0, i1, wx) = (x0s[x], x1s[x], wxs[x]);
                var ta = a0[i0] + wx * (a0[i1] - a0[i0]);
                var ba = a1[i0] + wx * (a1[i1] - a1[i0]);
                var tb = b0[i0] + wx * (b0[i1] - b0[i0]);
                var bb = b1[i0] + wx * (b1[i1] - b1[i0]);
                var i = x * 4;
                var g = MatteImages.Encode(0.2126f * src[i] + 0.7152f * src[i + 1] + 0.0722f * src[i + 2]);
                dst[x] = Math.Clamp((ta + wy * (ba - ta)) * g + tb + wy * (bb - tb), 0f, 1f);
            }
        }
    }
}

/// <summary>
/// Working-size planes the matte finishing reuses from frame to frame (OpenCV writes into an existing Mat of the right
/// size and type without reallocating), rented from a small process-wide pool so concurrent renders never share one.
/// </summary>
/// <remarks>
/// Pooled rather than owned by one engine instance: the daemon renders many instances and sizes on a few render
/// threads, and a pool bounded by how many renders run at once keeps every warm frame free of fresh frame-sized
/// native memory while holding at most <see cref="MaxPooled"/> sets (about 25 MiB each at the final working size).
/// </remarks>
internal sealed class MatteScratch : IDisposable
{
    /// <summary>Most sets kept between frames; more concurrent renders allocate and drop their own.</summary>
    public const int MaxPooled = 4;

    private static readonly System.Collections.Concurrent.ConcurrentBag<MatteScratch> Pool = [];
    private static int _pooled;
    private static long _created;

    /// <summary>How many sets were ever created (tests: a warm frame must not create one).</summary>
    internal static long Created => Interlocked.Read(ref _created);

    public readonly Mat Bgr = new(), Guide = new(), Prior = new(), Choked = new(), A = new(), B = new();
    public readonly Mat MeanI = new(), MeanP = new(), CorrI = new(), CorrIp = new(), Ii = new(), Ip = new(), VarI = new(), CovIp = new(), Tmp = new(), RawA = new(), RawB = new();
    private int[] _x0 = [], _x1 = [];
    private float[] _wx = [];
    private (int Width, int Columns) _columnsFor;

    private MatteScratch() => Interlocked.Increment(ref _created);

    public static MatteScratch Rent()
    {
        if (Pool.TryTake(out var scratch))
        {
            Interlocked.Decrement(ref _pooled);
            return scratch;
        }
        return new MatteScratch();
    }

    public static void Return(MatteScratch scratch)
    {
        if (Interlocked.Increment(ref _pooled) <= MaxPooled)
        {
            Pool.Add(scratch);
            return;
        }
        Interlocked.Decrement(ref _pooled);
        scratch.Dispose();
    }

    /// <summary>For each of <paramref name="width"/> output columns: left and right input column and the right one's weight.</summary>
    public (int[] X0, int[] X1, float[] Wx) Columns(int width, int columns)
    {
        if (_columnsFor != (width, columns))
        {
            _x0 = new int[width];
            _x1 = new int[width];
            _wx = new float[width];
            var sx = columns / (double)width;
            for (var x = 0; x < width; x++)
            {
                var fx = Math.Clamp((x + 0.5) * sx - 0.5, 0, columns - 1);
                _x0[x] = (int)fx;
                _x1[x] = Math.Min(_x0[x] + 1, columns - 1);
                _wx[x] = (float)(fx - _x0[x]);
            }
            _columnsFor = (width, columns);
        }
        return (_x0, _x1, _wx);
    }

    public void Dispose()
    {
        foreach (var m in new[] { Bgr, Guide, Prior, Choked, A, B, MeanI, MeanP, CorrI, CorrIp, Ii, Ip, VarI, CovIp, Tmp, RawA, RawB }) m.Dispose();
    }
}
