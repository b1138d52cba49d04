using OpenCvSharp;
using Runway.Effects.Engines.Temporal;
using Runway.Effects.Pixels;

namespace Runway.Effects.Quality;

/// <summary>Temporal stability of a rendered sequence.</summary>
public static class TemporalMetrics
{
    /// <summary>
    /// Warped flicker: the mean absolute difference (R, G, B, value units) between <paramref name="current"/> and
    /// <paramref name="previous"/> after the previous output is motion-compensated onto the current frame, over the
    /// pixels where <paramref name="mask"/> is non-zero (one byte per pixel). Motion comes from the reference frames
    /// (e.g. the clean source): flow current → previous, so static content that moved with the camera scores 0 and
    /// only changes the effect made from one frame to the next (boiling, popping fills) count. Pixels whose
    /// compensated position falls outside the previous frame are skipped.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes differ, or no masked pixel has a compensated position.</exception>
    public static double WarpedFlicker(FloatImage previous, FloatImage current, FloatImage previousReference, FloatImage currentReference,
        ReadOnlySpan<byte> mask)
    {
        var (w, h) = (current.Width, current.Height);
        foreach (var image in new[] { previous, previousReference, currentReference })
        {
            if (image.Width != w || image.Height != h) throw new ArgumentException("all four images must have the same size");
        }
        if (mask.Length != w * h) throw new ArgumentException($"mask has {mask.Length} entries for {w * h} pixels", nameof(mask));

        // Full resolution and the finest settings: the metric should not be limited by the flow it measures with.
        var settings = FlowSettings.Fine with { MaxSide = Math.Max(w, h) };
        var size = new Size(w, h);
        using var from = FlowEstimator.Grey(currentReference, size);
        using var to = FlowEstimator.Grey(previousReference, size);
        using var flow = FlowEstimator.Compute(from, to, settings);
        var view = new MatView(flow);

        double sum = 0;
        long count = 0;
        for (var y = 0; y < h; y++)
        {
            var fr = view.Row<float>(y, 2);
            var cur = current.Row(y);
            for (var x = 0; x < w; x++)
            {
                if (mask[y * w + x] == 0) continue;
                var px = x + fr[x * 2];
                var py = y + fr[x * 2 + 1];
                if (!(px >= 0) || !(py >= 0) || px > w - 1 || py > h - 1) continue;
                var x0 = (int)px;
                var y0 = (int)py;
                var x1 = Math.Min(x0 + 1, w - 1);
                var y1 = Math.Min(y0 + 1, h - 1);
                var fx = px - x0;
                var fy = py - y0;
                var r0 = previous.Row(y0);
                var r1 = previous.Row(y1);
                for (var c = 0; c < 3; c++)
                {
                    var a = r0[x0 * 4 + c] + fx * (r0[x1 * 4 + c] - r0[x0 * 4 + c]);
                    var b = r1[x0 * 4 + c] + fx * (r1[x1 * 4 + c] - r1[x0 * 4 + c]);
                    sum += Math.Abs(cur[x * 4 + c] - (a + fy * (b - a)));
                }
                count++;
            }
        }
        if (count == 0) throw new ArgumentException("no masked pixel has a motion-compensated position in the previous frame", nameof(mask));
        return sum / (count * 3);
    }
}
