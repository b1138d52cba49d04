namespace Runway.Looks;

/// <summary>
/// Fits a global per-channel tone curve (monotone non-decreasing 1D transform) to before/after pairs. Used as the
/// prior of <see cref="LutFitter"/>: what several photos graded by one hand share is mostly a tonal and colour-balance
/// tendency per channel, and a curve with 3 × <c>bins</c> unknowns carries it to unseen photos far more reliably than
/// the thousands of nodes of a 3D lattice.
/// </summary>
public static class ToneCurveFitter
{
    /// <summary>
    /// Fits one curve per channel: weighted mean output per input bin, made monotone by pool-adjacent-violators
    /// (weighted by pair count), then sampled on <paramref name="size"/> rows over the domain. Inputs beyond the
    /// outermost populated bins continue with slope 1 from the last fitted value, so unseen extremes keep their
    /// gradation instead of flattening.
    /// </summary>
    /// <param name="inputs">Before colours, RGB interleaved.</param>
    /// <param name="outputs">After colours, RGB interleaved.</param>
    /// <param name="weights">Per-pair weights (null = 1).</param>
    /// <param name="size">Rows of the returned curve.</param>
    /// <param name="domainMin">Input domain start per channel.</param>
    /// <param name="domainMax">Input domain end per channel.</param>
    /// <param name="bins">Input bins per channel (resolution of the curve).</param>
    public static Lut1D Fit(ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputs, ReadOnlySpan<float> weights, int size, Rgb domainMin, Rgb domainMax, int bins = 64)
    {
        if (inputs.Length != outputs.Length) throw new ArgumentException("inputs and outputs differ in length");
        if (size < 2) throw new ArgumentOutOfRangeException(nameof(size), size, "a curve needs at least 2 rows");
        var count = inputs.Length / 3;
        var table = new float[size * 3];
        var sumW = new double[bins];
        var sumY = new double[bins];
        var sumX = new double[bins];
        for (var c = 0; c < 3; c++)
        {
            Array.Clear(sumW);
            Array.Clear(sumY);
            Array.Clear(sumX);
            double min = domainMin[c], span = domainMax[c] - domainMin[c];
            for (var s = 0; s < count; s++)
            {
                var x = inputs[s * 3 + c];
                var y = outputs[s * 3 + c];
                var w = weights.IsEmpty ? 1.0 : weights[s];
                if (!(w > 0)) continue;
                var b = (int)((x - min) / span * bins);
                b = Math.Clamp(b, 0, bins - 1);
                sumW[b] += w;
                sumY[b] += w * y;
                sumX[b] += w * x;
            }

            // Populated bins as (mean input, mean output, weight), then pooled until monotone.
            var xs = new List<double>(bins);
            var ys = new List<double>(bins);
            var ws = new List<double>(bins);
            for (var b = 0; b < bins; b++)
            {
                if (!(sumW[b] > 0)) continue;
                xs.Add(sumX[b] / sumW[b]);
                ys.Add(sumY[b] / sumW[b]);
                ws.Add(sumW[b]);
            }
            var fitted = Isotonic(ys, ws);

            for (var i = 0; i < size; i++)
            {
                var x = min + span * i / (size - 1);
                table[i * 3 + c] = (float)Evaluate(xs, fitted, x);
            }
        }
        return new Lut1D(size, table, domainMin, domainMax);
    }

    /// <summary>Piecewise-linear through the points; slope 1 beyond the ends; identity when there are none.</summary>
    private static double Evaluate(List<double> xs, double[] ys, double x)
    {
        if (xs.Count == 0) return x;
        if (x <= xs[0]) return ys[0] + (x - xs[0]);
        if (x >= xs[^1]) return ys[^1] + (x - xs[^1]);
        var hi = xs.BinarySearch(x);
        if (hi >= 0) return ys[hi];
        hi = ~hi;
        var lo = hi - 1;
        var t = (x - xs[lo]) / (xs[hi] - xs[lo]);
        return ys[lo] + (ys[hi] - ys[lo]) * t;
    }

    /// <summary>Weighted pool-adjacent-violators: the closest non-decreasing sequence in weighted least squares.</summary>
    private static double[] Isotonic(List<double> values, List<double> weights)
    {
        var n = values.Count;
        var blockValue = new double[n];
        var blockWeight = new double[n];
        var blockLength = new int[n];
        var blocks = 0;
        for (var i = 0; i < n; i++)
        {
            blockValue[blocks] = values[i];
            blockWeight[blocks] = weights[i];
            blockLength[blocks] = 1;
            blocks++;
            while (blocks > 1 && blockValue[blocks - 2] > blockValue[blocks - 1])
            {
                var w = blockWeight[blocks - 2] + blockWeight[blocks - 1];
                blockValue[blocks - 2] = (blockValue[blocks - 2] * blockWeight[blocks - 2] + blockValue[blocks - 1] * blockWeight[blocks - 1]) / w;
                blockWeight[blocks - 2] = w;
                blockLength[blocks - 2] += blockLength[blocks - 1];
                blocks--;
            }
        }
        var result = new double[n];
        var k = 0;
        for (var b = 0; b < blocks; b++)
            for (var j = 0; j < blockLength[b]; j++) result[k++] = blockValue[b];
        return result;
    }
}
