using OpenCvSharp;
using Runway.Effects.Engines.Temporal;

namespace Runway.Effects.Engines;

/// <summary>Geometry shared by the engines that fill a hole and blend it back into the source.</summary>
internal static class HoleRegions
{
    /// <summary><paramref name="box"/> grown by <paramref name="margin"/> on every side, clipped to the frame.</summary>
    public static Rect Grow(Rect box, int margin, int width, int height)
    {
        var x0 = Math.Max(0, box.X - margin);
        var y0 = Math.Max(0, box.Y - margin);
        var x1 = Math.Min(width, box.X + box.Width + margin);
        var y1 = Math.Min(height, box.Y + box.Height + margin);
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }

    /// <summary>
    /// Blend weights from the distance to the hole (CV_32FC1, 0 inside it): 1 up to <paramref name="dilate"/>, a
    /// smoothstep down to 0 across <paramref name="feather"/>, 0 beyond. <paramref name="fillMask"/> (CV_8UC1, same size)
    /// gets 255 wherever the weight is above 0 — the pixels to synthesise.
    /// </summary>
    public static void FeatherWeights(Mat distance, float dilate, float feather, Mat fillMask, Mat weights)
    {
        var reach = dilate + feather;
        var d = new MatView(distance);
        var m = new MatView(fillMask);
        var w = new MatView(weights);
        for (var y = 0; y < d.Rows; y++)
        {
            var dr = d.Row<float>(y);
            var mr = m.Row<byte>(y);
            var wr = w.Row<float>(y);
            for (var x = 0; x < dr.Length; x++)
            {
                var dist = dr[x];
                float weight;
                if (dist <= dilate) weight = 1f;
                else if (dist < reach)
                {
                    var t = 1f - (dist - dilate) / feather;
                    weight = t * t * (3f - 2f * t);
                }
                else weight = 0f;
                wr[x] = weight;
                mr[x] = weight > 0f ? (byte)255 : (byte)0;
            }
        }
    }
}
