using OpenCvSharp;
using Runway.Effects.Engines.Temporal;

namespace Runway.Effects.Engines.Rotoscope;

/// <summary>Hints in working-size pixels: a rectangle around the subject and points on or off it.</summary>
/// <param name="Rect">Everything outside is background; null = no rectangle.</param>
/// <param name="Positive">Centres of discs of sure subject.</param>
/// <param name="Negative">Centres of discs of sure background.</param>
/// <param name="PointRadius">Disc radius, working pixels.</param>
internal sealed record SegmentHints(Rect? Rect, IReadOnlyList<Point> Positive, IReadOnlyList<Point> Negative, int PointRadius)
{
    public bool Any => Rect is not null || Positive.Count > 0 || Negative.Count > 0;

    public static SegmentHints None { get; } = new(null, [], [], 1);
}

/// <summary>
/// Graph-cut colour segmentation with OpenCV's GrabCut (Gaussian-mixture colour models of subject and background,
/// re-estimated over a few iterations), initialised from a prior matte and/or rectangle and point hints.
/// </summary>
/// <remarks>
/// With a prior, only a band around its edge is left for GrabCut to decide: the prior eroded by the band is sure
/// subject, outside it dilated by the band is sure background. That keeps a good prior (a keyframe, a propagated
/// matte) from drifting while letting the colour model pull the edge onto the subject where motion estimation missed
/// it. GrabCut runs on the bounding box of the undecided region plus a margin, so the background colour model is
/// local and the cost follows the subject's size, not the frame's.
/// </remarks>
internal static class ColourSegmenter
{
    /// <summary>
    /// Segments <paramref name="bgr"/> (CV_8UC3) and returns the subject as CV_32FC1 0/1, or null when the hints
    /// leave nothing to decide (no subject or no background sample).
    /// </summary>
    public static Mat? Segment(Mat bgr, Mat? prior, SegmentHints hints, int band, int iterations, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var size = bgr.Size();
        using var labels = new Mat(size, MatType.CV_8UC1, Scalar.All((int)GrabCutClasses.PR_BGD));
        if (prior is not null)
        {
            using var fg = new Mat();
            Cv2.Threshold(prior, fg, 0.5, 255, ThresholdTypes.Binary);
            using var fg8 = new Mat();
            fg.ConvertTo(fg8, MatType.CV_8UC1);
            using var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * band + 1, 2 * band + 1));
            using var core = new Mat();
            using var reach = new Mat();
            Cv2.Erode(fg8, core, kernel);
            Cv2.Dilate(fg8, reach, kernel);
            labels.SetTo(Scalar.All((int)GrabCutClasses.BGD));
            labels.SetTo(Scalar.All((int)GrabCutClasses.PR_BGD), reach);
            labels.SetTo(Scalar.All((int)GrabCutClasses.PR_FGD), fg8);
            labels.SetTo(Scalar.All((int)GrabCutClasses.FGD), core);
            if (hints.Rect is { } r) OutsideRect(labels, r);
        }
        else if (hints.Rect is { } r)
        {
            labels.SetTo(Scalar.All((int)GrabCutClasses.BGD));
            var inside = r.Intersect(new Rect(0, 0, size.Width, size.Height));
            if (inside.Width > 0 && inside.Height > 0)
            {
                using var sub = new Mat(labels, inside);
                sub.SetTo(Scalar.All((int)GrabCutClasses.PR_FGD));
            }
        }
        else
        {
            // Points only: the frame's border is the background sample; the rest is open.
            var border = Math.Max(2, Math.Min(size.Width, size.Height) / 50);
            Cv2.Rectangle(labels, new Rect(0, 0, size.Width, size.Height), Scalar.All((int)GrabCutClasses.BGD), border);
        }
        foreach (var pt in hints.Positive) Cv2.Circle(labels, pt, hints.PointRadius, Scalar.All((int)GrabCutClasses.FGD), -1);
        foreach (var pt in hints.Negative) Cv2.Circle(labels, pt, hints.PointRadius, Scalar.All((int)GrabCutClasses.BGD), -1);

        var roi = UndecidedBounds(labels, 2 * band + 8);
        if (roi is not { } box) return Decided(labels);
        using var roiLabels = new Mat(labels, box).Clone();
        if (!HasBothSides(roiLabels)) return Decided(labels);
        using (var roiImage = new Mat(bgr, box))
        using (var bgdModel = new Mat())
        using (var fgdModel = new Mat())
        {
            cancellationToken.ThrowIfCancellationRequested();
            Cv2.GrabCut(roiImage, roiLabels, new Rect(), bgdModel, fgdModel, iterations, GrabCutModes.InitWithMask);
        }
        using (var dst = new Mat(labels, box)) roiLabels.CopyTo(dst);
        cancellationToken.ThrowIfCancellationRequested();
        return Decided(labels);
    }

    private static void OutsideRect(Mat labels, Rect r)
    {
        using var keep = new Mat(labels.Size(), MatType.CV_8UC1, Scalar.All(255));
        var inside = r.Intersect(new Rect(0, 0, labels.Width, labels.Height));
        if (inside.Width > 0 && inside.Height > 0)
        {
            using var sub = new Mat(keep, inside);
            sub.SetTo(Scalar.All(0));
        }
        labels.SetTo(Scalar.All((int)GrabCutClasses.BGD), keep);
    }

    /// <summary>Subject where the label is FGD or PR_FGD (odd labels), as CV_32FC1 0/1.</summary>
    private static Mat Decided(Mat labels)
    {
        using var odd = new Mat();
        Cv2.BitwiseAnd(labels, Scalar.All(1), odd);
        var matte = new Mat();
        odd.ConvertTo(matte, MatType.CV_32FC1);
        return matte;
    }

    /// <summary>Bounding box of the probable (PR_*) labels grown by <paramref name="margin"/>, or null when none.</summary>
    private static Rect? UndecidedBounds(Mat labels, int margin)
    {
        using var undecided = new Mat();
        Cv2.InRange(labels, Scalar.All(2), Scalar.All(3), undecided);
        var box = Cv2.BoundingRect(undecided);
        if (box.Width == 0 || box.Height == 0) return null;
        var x0 = Math.Max(0, box.X - margin);
        var y0 = Math.Max(0, box.Y - margin);
        var x1 = Math.Min(labels.Width, box.Right + margin);
        var y1 = Math.Min(labels.Height, box.Bottom + margin);
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }

    /// <summary>GrabCut needs at least one subject sample and one background sample to fit its colour models.</summary>
    private static bool HasBothSides(Mat labels)
    {
        using var odd = new Mat();
        Cv2.BitwiseAnd(labels, Scalar.All(1), odd);
        var subject = Cv2.CountNonZero(odd);
        return subject > 0 && subject < labels.Width * labels.Height;
    }
}

/// <summary>Carries a matte from one frame to another along dense optical flow.</summary>
internal static class MatteWarp
{
    /// <summary>
    /// The matte of frame A (<paramref name="matte"/>, CV_32FC1 at working size) moved onto frame B: for each pixel p
    /// of B, the value of A's matte at p + flow(B→A)(p). <paramref name="greyB"/>/<paramref name="greyA"/> are the
    /// flow-size greys of B and A (<see cref="FlowEstimator.Grey"/>).
    /// </summary>
    public static Mat Warp(Mat matte, Mat greyB, Mat greyA, FlowSettings settings)
    {
        using var flow = FlowEstimator.Compute(greyB, greyA, settings);
        var size = matte.Size();
        using var map = new Mat();
        Cv2.Resize(flow, map, size, 0, 0, InterpolationFlags.Linear);
        var rx = size.Width / (float)flow.Cols;
        var ry = size.Height / (float)flow.Rows;
        var view = new MatView(map);
        for (var y = 0; y < size.Height; y++)
        {
            var row = view.Row<float>(y, 2);
            for (var x = 0; x < size.Width; x++)
            {
                row[x * 2] = x + row[x * 2] * rx;
                row[x * 2 + 1] = y + row[x * 2 + 1] * ry;
            }
        }
        var warped = new Mat();
        using var none = new Mat();
        Cv2.Remap(matte, warped, map, none, InterpolationFlags.Linear, BorderTypes.Replicate);
        return warped;
    }
}
