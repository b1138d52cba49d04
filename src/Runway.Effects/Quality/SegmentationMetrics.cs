using OpenCvSharp;

namespace Runway.Effects.Quality;

/// <summary>
/// Video-object-segmentation measures in the DAVIS benchmark's sense, on binary masks given as one byte per pixel
/// (non-zero = object), row-major.
/// </summary>
/// <remarks>
/// <para>Region similarity J is the intersection over union of the two masks (1 when both are empty).</para>
/// <para>Boundary F is the F-measure of boundary precision and recall: a boundary pixel is an object pixel with a
/// 4-neighbour outside the object (the image border itself is not a boundary); a predicted boundary pixel
/// counts as correct when a true boundary pixel lies within the tolerance (a disc of radius
/// ⌈<see cref="DefaultBoundaryTolerance"/> × image diagonal⌉ pixels, DAVIS's 0.008), and a true one as recalled when
/// a predicted one does. Both empty → 1; exactly one empty → 0.</para>
/// </remarks>
public static class SegmentationMetrics
{
    /// <summary>Boundary match tolerance as a fraction of the image diagonal (the DAVIS value).</summary>
    public const double DefaultBoundaryTolerance = 0.008;

    /// <summary>Region similarity J: |A ∩ B| / |A ∪ B|, 1 when both masks are empty.</summary>
    /// <exception cref="ArgumentException">The masks differ in length.</exception>
    public static double RegionSimilarity(ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> truth)
    {
        if (predicted.Length != truth.Length) throw new ArgumentException($"masks have {predicted.Length} and {truth.Length} pixels");
        long inter = 0, union = 0;
        for (var i = 0; i < predicted.Length; i++)
        {
            var a = predicted[i] != 0;
            var b = truth[i] != 0;
            if (a && b) inter++;
            if (a || b) union++;
        }
        return union == 0 ? 1.0 : inter / (double)union;
    }

    /// <summary>Boundary F-measure (see the type remarks) of <paramref name="predicted"/> against <paramref name="truth"/>.</summary>
    /// <param name="tolerance">Match tolerance as a fraction of the image diagonal.</param>
    /// <exception cref="ArgumentException">A mask's length is not <paramref name="width"/> × <paramref name="height"/>.</exception>
    public static double BoundaryF(ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> truth, int width, int height,
        double tolerance = DefaultBoundaryTolerance)
    {
        if (predicted.Length != width * height || truth.Length != width * height)
            throw new ArgumentException($"masks must have {width}x{height} pixels");
        using var pb = Boundary(predicted, width, height, out var pCount);
        using var tb = Boundary(truth, width, height, out var tCount);
        if (pCount == 0 && tCount == 0) return 1.0;
        if (pCount == 0 || tCount == 0) return 0.0;

        var radius = (int)Math.Ceiling(tolerance * Math.Sqrt((double)width * width + (double)height * height));
        using var disc = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * radius + 1, 2 * radius + 1));
        using var pGrown = new Mat();
        using var tGrown = new Mat();
        Cv2.Dilate(pb, pGrown, disc);
        Cv2.Dilate(tb, tGrown, disc);
        using var hitP = new Mat();
        using var hitT = new Mat();
        Cv2.BitwiseAnd(pb, tGrown, hitP);
        Cv2.BitwiseAnd(tb, pGrown, hitT);
        var precision = Cv2.CountNonZero(hitP) / (double)pCount;
        var recall = Cv2.CountNonZero(hitT) / (double)tCount;
        return precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
    }

    /// <summary>Boundary map (CV_8UC1, 255 on boundary pixels) of a mask; <paramref name="count"/> = boundary pixels.</summary>
    private static Mat Boundary(ReadOnlySpan<byte> mask, int width, int height, out int count)
    {
        var map = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
        count = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = y * width + x;
                if (mask[i] == 0) continue;
                var edge = (x > 0 && mask[i - 1] == 0) || (x < width - 1 && mask[i + 1] == 0) ||
                           (y > 0 && mask[i - width] == 0) || (y < height - 1 && mask[i + width] == 0);
                if (!edge) continue;
                map.Set(y, x, (byte)255);
                count++;
            }
        }
        return map;
    }
}
