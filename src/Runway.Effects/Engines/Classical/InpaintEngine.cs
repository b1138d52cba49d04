using OpenCvSharp;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Temporal;
using Runway.Effects.Pixels;
using XPhoto = OpenCvSharp.XPhoto;

namespace Runway.Effects.Engines.Classical;

/// <summary>
/// Classical inpaint with OpenCV: Telea or Navier-Stokes diffusion (<c>cv::inpaint</c>), or frequency-selective
/// reconstruction (<c>cv::xphoto::inpaint</c>, FSR fast/best).
/// </summary>
/// <remarks>
/// <para>How a frame is rendered:</para>
/// <list type="number">
/// <item>The mask is reduced to a binary hole (chosen channel &gt; threshold, optionally inverted). No mask or an
/// empty hole returns the source untouched, with a note.</item>
/// <item>Only the hole's bounding box plus a margin (dilate + feather + radius) is processed.</item>
/// <item>One Euclidean distance transform gives both the dilation (distance ≤ dilate) and the feather band
/// (dilate &lt; distance &lt; dilate + feather). The whole band is inpainted, then blended into the source with a
/// smoothstep weight that is 1 in the dilated hole and falls to 0 at its outer edge; pixels farther away are
/// the source, bit for bit.</item>
/// <item>R, G and B are inpainted separately as 32-bit float (in 0..255 units, see <see cref="CodeScale"/>), so
/// scene-linear values above 1 (and below 0) are kept. Alpha is always the source's alpha.</item>
/// </list>
/// <para>FSR in OpenCV only produces 8-bit results, so each channel is mapped linearly from the range of the known
/// pixels around the hole to 0..255 and back: the fill keeps the HDR range with 8-bit precision within it.</para>
/// <para>Video: when the frame comes with neighbouring frames (<see cref="EffectFrame.Neighbours"/>) and the temporal
/// window is above 0, the region to fill is first taken from the neighbours within the window where they show the
/// hidden background (<see cref="TemporalFiller"/>); the chosen spatial method then fills only the pixels no neighbour
/// showed, diffusing from the known ring and the borrowed pixels alike, and the same feathered blend applies. Without
/// neighbours the spatial path runs exactly as for a still.</para>
/// <para>Interactive renders: the temporal pass uses fast flow and only the nearest frame on each side
/// (<see cref="InpaintDefinition.InteractiveTemporalWindow"/>); FSR methods fall back to Telea (FSR costs seconds per frame), and when the processed
/// region is larger than <see cref="InteractiveMaxSide"/> pixels on a side, Telea/Navier-Stokes run on a region
/// downscaled by an integer factor (area-averaged source, conservatively grown hole, radius scaled alike) and the
/// fill is upsampled bilinearly. Diffusion fills are smooth, so the loss is small and the cost drops by the square
/// of the factor.</para>
/// </remarks>
public sealed class InpaintEngine : IEffect
{
    /// <summary>Engine name reported in results.</summary>
    public const string Name = "classical/opencv";

    /// <summary>Note when the Mask clip is not connected.</summary>
    public const string NoteNoMask = "no mask connected: source returned";

    /// <summary>Note when no mask pixel passes the threshold.</summary>
    public const string NoteMaskEmpty = "mask empty: source returned";

    /// <summary>Largest side of the processed region before interactive renders work at reduced resolution.</summary>
    public const int InteractiveMaxSide = 512;

    // cv::inpaint's Telea adds a regularised gradient term, grad / (|grad| + 1), whose "+ 1" assumes 8-bit code
    // values: on 0..1 floats it overshoots by whole units. Channels are therefore filled in 0..255 units (values
    // above 1 simply go above 255) and scaled back. Navier-Stokes and FSR do not care, so all methods share it.
    private const float CodeScale = 255f;

    // FSR reconstructs from blocks around the hole; a little more known context than the diffusion radius helps it.
    private const int FsrExtraContext = 16;

    public EffectDefinition Definition => InpaintDefinition.Definition;

    public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
    {
        var source = frame.Source;
        var output = frame.Output;
        if (output.Width != source.Width || output.Height != source.Height)
            throw new ArgumentException($"output is {output.Width}x{output.Height}, source is {source.Width}x{source.Height}", nameof(frame));
        if (frame.Mask is not { } mask)
        {
            source.CopyTo(output);
            return EffectResult.From(Name, NoteNoMask);
        }
        if (mask.Width != source.Width || mask.Height != source.Height)
            throw new ArgumentException($"mask is {mask.Width}x{mask.Height}, source is {source.Width}x{source.Height}; they must match", nameof(frame));

        var p = frame.Params;
        var scale = frame.RenderScale > 0 && double.IsFinite(frame.RenderScale) ? frame.RenderScale : 1.0;
        // cv::inpaint rounds the radius to whole pixels; below 1 it would consider no neighbours.
        var radius = Math.Max(1.0, p.Double(InpaintDefinition.ParamRadius) * scale);
        var dilate = p.Double(InpaintDefinition.ParamDilate) * scale;
        var feather = p.Double(InpaintDefinition.ParamFeather) * scale;
        var method = p.Choice(InpaintDefinition.ParamMethod);
        var notes = new List<string>();

        cancellationToken.ThrowIfCancellationRequested();
        using var hole = new Mat(source.Height, source.Width, MatType.CV_8UC1);
        var bounds = BuildHole(mask, hole, p.Choice(InpaintDefinition.ParamMaskChannel),
            (float)p.Double(InpaintDefinition.ParamMaskThreshold), p.Boolean(InpaintDefinition.ParamInvertMask));
        if (bounds is not { } box)
        {
            source.CopyTo(output);
            return EffectResult.From(Name, NoteMaskEmpty);
        }

        var fsr = method is InpaintDefinition.MethodFsrFast or InpaintDefinition.MethodFsrBest;
        if (fsr && frame.Interactive)
        {
            notes.Add($"interactive render: telea used instead of {method}");
            method = InpaintDefinition.MethodTelea;
            fsr = false;
        }

        var margin = (int)Math.Ceiling(dilate + feather + radius) + 2 + (fsr ? FsrExtraContext : 0);
        var roi = HoleRegions.Grow(box, margin, source.Width, source.Height);
        source.CopyTo(output);

        cancellationToken.ThrowIfCancellationRequested();
        using var known = new Mat();
        using (var holeRoi = hole.SubMat(roi)) Cv2.BitwiseNot(holeRoi, known);
        using var distance = new Mat();
        // Distance of every pixel to the nearest hole pixel (0 inside the hole), exact Euclidean.
        Cv2.DistanceTransform(known, distance, DistanceTypes.L2, DistanceTransformMasks.Precise);
        using var fillMask = new Mat(roi.Height, roi.Width, MatType.CV_8UC1);
        using var weights = new Mat(roi.Height, roi.Width, MatType.CV_32FC1);
        HoleRegions.FeatherWeights(distance, (float)dilate, (float)feather, fillMask, weights);

        var factor = 1;
        if (frame.Interactive && !fsr && Math.Max(roi.Width, roi.Height) > InteractiveMaxSide)
        {
            factor = (Math.Max(roi.Width, roi.Height) + InteractiveMaxSide - 1) / InteractiveMaxSide;
            notes.Add($"interactive render: filled at 1/{factor} resolution");
        }

        // Temporal pass: what neighbouring frames show of the region; the spatial fill then covers only the rest.
        using var temporal = FillFromNeighbours(frame, fillMask, roi, dilate, notes, cancellationToken);
        var spatialMask = fillMask;
        using var unseen = new Mat();
        if (temporal is not null)
        {
            Cv2.BitwiseAnd(fillMask, ~temporal.Seen, unseen);
            spatialMask = unseen;
        }
        var spatialNeeded = Cv2.CountNonZero(spatialMask) > 0;

        using var channel = new Mat(roi.Height, roi.Width, MatType.CV_32FC1);
        using var fill = new Mat();
        for (var c = 0; c < 3; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            CopyChannel(source, roi, c, channel);
            if (temporal is not null) Overlay(temporal.Samples, temporal.Seen, c, channel);
            if (!spatialNeeded) channel.CopyTo(fill);
            else if (fsr) FillFsr(channel, spatialMask, method, fill);
            else if (factor > 1) FillDiffusionReduced(channel, spatialMask, method, radius, factor, fill);
            else Cv2.Inpaint(channel, spatialMask, fill, radius, DiffusionFlags(method));
            cancellationToken.ThrowIfCancellationRequested();
            Blend(fill, weights, output, roi, c);
        }
        notes.Insert(0, $"filled {method} in {roi.Width}x{roi.Height} region at ({roi.X},{roi.Y})");
        return new EffectResult(Name, notes);
    }

    /// <summary>Pixels borrowed from neighbouring frames for one render (region-sized).</summary>
    private sealed class TemporalSamples(FloatImage samples, Mat seen) : IDisposable
    {
        public FloatImage Samples { get; } = samples;
        public Mat Seen { get; } = seen;

        public void Dispose()
        {
            Samples.Dispose();
            Seen.Dispose();
        }
    }

    /// <summary>
    /// Runs the temporal pass when the frame has neighbours inside the temporal window; null otherwise. Neighbour holes
    /// are built with the same channel, threshold, inversion and dilation as this frame's, plus one pixel so that no
    /// bilinear tap touches the removed object's fringe.
    /// </summary>
    private static TemporalSamples? FillFromNeighbours(EffectFrame frame, Mat fillMask, Rect roi, double dilate, List<string> notes,
        CancellationToken ct)
    {
        var p = frame.Params;
        var window = p.Integer(InpaintDefinition.ParamTemporalWindow);
        if (window <= 0 || frame.Neighbours.Count == 0) return null;
        if (frame.Interactive && window > InpaintDefinition.InteractiveTemporalWindow)
        {
            window = InpaintDefinition.InteractiveTemporalWindow;
            notes.Add($"interactive render: temporal window {InpaintDefinition.InteractiveTemporalWindow}");
        }
        // Times are in frames (OFX); a small tolerance absorbs fractional host times.
        var inWindow = frame.Neighbours.Where(n => Math.Abs(n.Time - frame.Time) <= window + 1e-6).ToList();
        if (inWindow.Count == 0) return null;

        var source = frame.Source;
        var quality = frame.Interactive ? InpaintDefinition.FlowFast : p.Choice(InpaintDefinition.ParamFlowQuality);
        var channel = p.Choice(InpaintDefinition.ParamMaskChannel);
        var threshold = (float)p.Double(InpaintDefinition.ParamMaskThreshold);
        var invert = p.Boolean(InpaintDefinition.ParamInvertMask);
        var grow = (int)Math.Ceiling(dilate) + 1;
        using var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * grow + 1, 2 * grow + 1));

        var holes = new List<Mat>();
        var samples = new FloatImage(roi.Width, roi.Height);
        var seen = new Mat(roi.Height, roi.Width, MatType.CV_8UC1);
        try
        {
            var frameHoles = new Mat?[inWindow.Count];
            foreach (var n in inWindow)
            {
                if (n.Source.Width != source.Width || n.Source.Height != source.Height)
                    throw new ArgumentException($"neighbour at time {n.Time} is {n.Source.Width}x{n.Source.Height}, source is {source.Width}x{source.Height}", nameof(frame));
                if (n.Mask is { } m && (m.Width != source.Width || m.Height != source.Height))
                    throw new ArgumentException($"neighbour mask at time {n.Time} is {m.Width}x{m.Height}, source is {source.Width}x{source.Height}", nameof(frame));
            }
            for (var i = 0; i < inWindow.Count; i++)
            {
                if (inWindow[i].Mask is null) continue;
                frameHoles[i] = new Mat(source.Height, source.Width, MatType.CV_8UC1);
                holes.Add(frameHoles[i]!);
            }
            // Each hole reads a whole mask frame: independent work, done in parallel.
            Parallel.For(0, inWindow.Count, new ParallelOptions { CancellationToken = ct }, i =>
            {
                if (frameHoles[i] is not { } hole) return;
                if (BuildHole(inWindow[i].Mask!, hole, channel, threshold, invert) is not null) Cv2.Dilate(hole, hole, kernel);
            });
            var frames = inWindow.Select((n, i) => new NeighbourFrame(n.Time, n.Source, frameHoles[i])).ToList();
            using var targetHole = new Mat(source.Height, source.Width, MatType.CV_8UC1, Scalar.All(0));
            using (var inside = targetHole.SubMat(roi)) fillMask.CopyTo(inside);
            var stats = TemporalFiller.Fill(source, targetHole, frame.Time, frames, roi, FlowSettings.For(quality), samples, seen, ct);
            notes.Add($"temporal: {stats.Seen} of {stats.Total} pixels from {stats.FramesUsed} neighbouring frame(s), flow {quality}");
            return new TemporalSamples(samples, seen);
        }
        catch
        {
            samples.Dispose();
            seen.Dispose();
            throw;
        }
        finally
        {
            foreach (var h in holes) h.Dispose();
        }
    }

    private static void Overlay(FloatImage samples, Mat seen, int c, Mat channel)
    {
        var rows = channel.Rows;
        for (var y = 0; y < rows; y++)
        {
            var s = samples.Row(y);
            var m = Row<byte>(seen, y);
            var dst = Row<float>(channel, y);
            for (var x = 0; x < dst.Length; x++)
            {
                if (m[x] != 0) dst[x] = s[x * 4 + c] * CodeScale;
            }
        }
    }

    private static InpaintTypes DiffusionFlags(string method) =>
        method == InpaintDefinition.MethodNavierStokes ? InpaintTypes.NS : InpaintTypes.Telea;

    /// <summary>Writes 255 for hole pixels into <paramref name="hole"/>; returns the hole's bounding box or null when empty.</summary>
    private static unsafe Rect? BuildHole(FloatImage mask, Mat hole, string channel, float threshold, bool invert)
    {
        var useAlpha = channel switch
        {
            InpaintDefinition.MaskChannelAlpha => true,
            InpaintDefinition.MaskChannelLuminance => false,
            _ => AlphaVaries(mask),
        };
        int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1;
        var step = hole.Step();
        var basePtr = hole.DataPointer;
        for (var y = 0; y < mask.Height; y++)
        {
            var src = mask.Row(y);
            var dst = new Span<byte>(basePtr + y * step, mask.Width);
            int first = -1, last = -1;
            for (var x = 0; x < dst.Length; x++)
            {
                var i = x * 4;
                var v = useAlpha ? src[i + 3] : 0.2126f * src[i] + 0.7152f * src[i + 1] + 0.0722f * src[i + 2];
                // NaN compares false, so a NaN mask value counts as "not a hole" (or a hole when inverted).
                var isHole = (v > threshold) != invert;
                dst[x] = isHole ? (byte)255 : (byte)0;
                if (isHole)
                {
                    if (first < 0) first = x;
                    last = x;
                }
            }
            if (first < 0) continue;
            minX = Math.Min(minX, first);
            maxX = Math.Max(maxX, last);
            minY = Math.Min(minY, y);
            maxY = y;
        }
        return maxX < 0 ? null : new Rect(minX, minY, maxX - minX + 1, maxY - minY + 1);
    }

    private static bool AlphaVaries(FloatImage mask)
    {
        var pixels = mask.Pixels;
        var first = pixels[3];
        for (var i = 7; i < pixels.Length; i += 4)
        {
            if (pixels[i] != first) return true;
        }
        return false;
    }

    private static void CopyChannel(FloatImage source, Rect roi, int c, Mat channel)
    {
        for (var y = 0; y < roi.Height; y++)
        {
            var src = source.Row(roi.Y + y).Slice(roi.X * 4, roi.Width * 4);
            var dst = Row<float>(channel, y);
            for (int x = 0, i = c; x < dst.Length; x++, i += 4) dst[x] = src[i] * CodeScale;
        }
    }

    private static void Blend(Mat fill, Mat weights, FloatImage output, Rect roi, int c)
    {
        for (var y = 0; y < roi.Height; y++)
        {
            var f = Row<float>(fill, y);
            var w = Row<float>(weights, y);
            var dst = output.Row(roi.Y + y).Slice(roi.X * 4, roi.Width * 4);
            for (int x = 0, i = c; x < f.Length; x++, i += 4)
            {
                var weight = w[x];
                if (weight >= 1f) dst[i] = f[x] / CodeScale;
                else if (weight > 0f) dst[i] += weight * (f[x] / CodeScale - dst[i]);
            }
        }
    }

    private static void FillDiffusionReduced(Mat channel, Mat fillMask, string method, double radius, int factor, Mat fill)
    {
        var small = new Size((channel.Cols + factor - 1) / factor, (channel.Rows + factor - 1) / factor);
        using var smallChannel = new Mat();
        using var smallMask = new Mat();
        using var smallFill = new Mat();
        Cv2.Resize(channel, smallChannel, small, 0, 0, InterpolationFlags.Area);
        // Any hole coverage makes the coarse pixel a hole, so no hole colour leaks into the fill.
        Cv2.Resize(fillMask, smallMask, small, 0, 0, InterpolationFlags.Area);
        Cv2.Threshold(smallMask, smallMask, 0, 255, ThresholdTypes.Binary);
        Cv2.Inpaint(smallChannel, smallMask, smallFill, Math.Max(1.0, radius / factor), DiffusionFlags(method));
        Cv2.Resize(smallFill, fill, channel.Size(), 0, 0, InterpolationFlags.Linear);
    }

    private static void FillFsr(Mat channel, Mat fillMask, string method, Mat fill)
    {
        // Range of the known pixels: what the 8-bit FSR input has to represent.
        using var valid = new Mat();
        Cv2.BitwiseNot(fillMask, valid);
        Cv2.MinMaxLoc(channel, out var min, out var max, out _, out _, valid);
        if (!(max > min))
        {
            // Flat (or entirely unknown) surroundings: the best fill is that one value.
            fill.Create(channel.Size(), MatType.CV_32FC1);
            fill.SetTo(new Scalar(double.IsFinite(min) ? min : 0));
            return;
        }
        var span = max - min;
        using var bytes = new Mat();
        channel.ConvertTo(bytes, MatType.CV_8UC1, 255.0 / span, -min * 255.0 / span);
        using var filled = new Mat();
        // xphoto's mask is the opposite of cv::inpaint's: non-zero marks valid pixels.
        XPhoto.CvXPhoto.Inpaint(bytes, valid, filled,
            method == InpaintDefinition.MethodFsrBest ? XPhoto.InpaintTypes.FSR_BEST : XPhoto.InpaintTypes.FSR_FAST);
        filled.ConvertTo(fill, MatType.CV_32FC1, span / 255.0, min);
    }

    private static unsafe Span<T> Row<T>(Mat mat, int y) where T : unmanaged =>
        new(mat.DataPointer + y * mat.Step(), mat.Cols);
}
