using Runway.Effects.Pixels;
using Runway.Looks;

namespace Runway.Effects.Engines.Style;

/// <summary>
/// Colour statistics of an image in Oklab: mean, covariance and (optionally) each channel's quantiles, over a regular
/// grid of opaque pixels. What colour transfer matches, and what the evaluation compares.
/// </summary>
/// <param name="Mean">Mean (L, a, b).</param>
/// <param name="Covariance">3×3 covariance of (L, a, b).</param>
/// <param name="Quantiles">Per channel, <see cref="QuantileCount"/> values at evenly spaced probabilities 0..1; null
/// when not computed.</param>
/// <param name="Samples">Pixels the statistics were taken over.</param>
public sealed record ColourStatistics(double[] Mean, double[,] Covariance, float[][]? Quantiles, int Samples)
{
    /// <summary>Quantiles kept per channel for histogram matching.</summary>
    public const int QuantileCount = 256;

    /// <summary>The statistics as Runway.Looks' record, for its Gaussian transport map.</summary>
    public OklabStatistics ToOklab() => new(Mean, Covariance, Samples);

    /// <summary>
    /// Statistics of a working image (linear RGBA, straight alpha) over at most about <paramref name="maxSamples"/>
    /// pixels on a regular grid; pixels with zero alpha or non-finite values are left out.
    /// </summary>
    /// <exception cref="ArgumentException">No usable pixel.</exception>
    public static ColourStatistics Measure(FloatImage image, int maxSamples, bool quantiles) =>
        Measure(image.Pixels, image.Width, image.Height, maxSamples, quantiles);

    /// <summary>As <see cref="Measure(FloatImage, int, bool)"/> over raw RGBA float pixels.</summary>
    public static ColourStatistics Measure(ReadOnlySpan<float> rgba, int width, int height, int maxSamples, bool quantiles)
    {
        // Grid step so that about maxSamples pixels are read: statistics of a few tens of thousands of pixels are as
        // stable as those of all of them, at a small fraction of the cost.
        var step = Math.Max(1, (int)Math.Sqrt(width * (double)height / Math.Max(1, maxSamples)));
        var capacity = ((width + step - 1) / step) * ((height + step - 1) / step);
        var channels = quantiles ? new[] { new float[capacity], new float[capacity], new float[capacity] } : null;
        Span<double> sum = stackalloc double[3];
        Span<double> outer = stackalloc double[9];
        var n = 0;
        for (var y = step / 2; y < height; y += step)
        {
            var row = rgba.Slice(y * width * 4, width * 4);
            for (var x = step / 2; x < width; x += step)
            {
                var o = x * 4;
                if (!(row[o + 3] > 0)) continue;
                Oklab.FromLinear(row[o], row[o + 1], row[o + 2], out var l, out var a, out var b);
                if (!float.IsFinite(l + a + b)) continue;
                sum[0] += l;
                sum[1] += a;
                sum[2] += b;
                outer[0] += (double)l * l;
                outer[1] += (double)l * a;
                outer[2] += (double)l * b;
                outer[4] += (double)a * a;
                outer[5] += (double)a * b;
                outer[8] += (double)b * b;
                if (channels is not null)
                {
                    channels[0][n] = l;
                    channels[1][n] = a;
                    channels[2][n] = b;
                }
                n++;
            }
        }
        if (n == 0) throw new ArgumentException("the image has no opaque, finite pixels to take colour statistics from");
        var mean = new[] { sum[0] / n, sum[1] / n, sum[2] / n };
        var cov = new double[3, 3];
        cov[0, 0] = outer[0] / n - mean[0] * mean[0];
        cov[0, 1] = cov[1, 0] = outer[1] / n - mean[0] * mean[1];
        cov[0, 2] = cov[2, 0] = outer[2] / n - mean[0] * mean[2];
        cov[1, 1] = outer[4] / n - mean[1] * mean[1];
        cov[1, 2] = cov[2, 1] = outer[5] / n - mean[1] * mean[2];
        cov[2, 2] = outer[8] / n - mean[2] * mean[2];
        float[][]? q = null;
        if (channels is not null)
        {
            q = new float[3][];
            for (var c = 0; c < 3; c++)
            {
                var values = channels[c].AsSpan(0, n);
                values.Sort();
                q[c] = new float[QuantileCount];
                for (var k = 0; k < QuantileCount; k++) q[c][k] = values[(int)Math.Round(k * (n - 1.0) / (QuantileCount - 1))];
            }
        }
        return new ColourStatistics(mean, cov, q, n);
    }

    /// <summary>The mean as a CIELAB colour (through linear sRGB and the sRGB encoding), for ΔE2000 comparisons.</summary>
    public Lab MeanLab()
    {
        var (r, g, b) = ColorSpaces.OklabToLinear(Mean[0], Mean[1], Mean[2]);
        return ColorSpaces.SrgbToLab(new Rgb((float)ColorSpaces.LinearToSrgb(r), (float)ColorSpaces.LinearToSrgb(g), (float)ColorSpaces.LinearToSrgb(b)));
    }

    /// <summary>
    /// A colour-spread distance to <paramref name="other"/> in ΔE2000 units: for the six unit probes p = ±L, ±a, ±b,
    /// the mean ΔE2000 between μ + C^½p and μ + C'^½p (C, C' the two covariances, symmetric square roots, μ this
    /// image's mean for both so only the spread and its orientation count). 0 when the covariances are equal.
    /// </summary>
    public double CovarianceDistanceE2000(ColourStatistics other)
    {
        // C^½ maps a unit probe to "one standard deviation that way": the two points differ exactly as the spreads do.
        var mine = SquareRoot(Covariance);
        var theirs = SquareRoot(other.Covariance);
        double[][] probes =
        [
            [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1],
        ];
        double sum = 0;
        foreach (var p in probes)
        {
            var x = new double[3];
            var y = new double[3];
            for (var i = 0; i < 3; i++)
            {
                for (var j = 0; j < 3; j++)
                {
                    x[i] += mine[i, j] * p[j];
                    y[i] += theirs[i, j] * p[j];
                }
                x[i] += Mean[i];
                y[i] += Mean[i];
            }
            sum += ColorSpaces.DeltaE2000(ToLab(x), ToLab(y));
        }
        return sum / probes.Length;
    }

    /// <summary>
    /// Symmetric square root of a covariance, through Runway.Looks' Gaussian transport map: from the identity to C
    /// it is I^-½ (I^½ C I^½)^½ I^-½ = C^½.
    /// </summary>
    private static double[,] SquareRoot(double[,] covariance)
    {
        var identity = new OklabStatistics([0, 0, 0], new double[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } }, 1);
        return MoodBoard.Transfer(identity, new OklabStatistics([0, 0, 0], covariance, 1)).Matrix;
    }

    private static Lab ToLab(double[] oklab)
    {
        var (r, g, b) = ColorSpaces.OklabToLinear(oklab[0], oklab[1], oklab[2]);
        return ColorSpaces.SrgbToLab(new Rgb((float)ColorSpaces.LinearToSrgb(r), (float)ColorSpaces.LinearToSrgb(g), (float)ColorSpaces.LinearToSrgb(b)));
    }
}
