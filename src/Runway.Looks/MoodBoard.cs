namespace Runway.Looks;

/// <summary>Mean and covariance of colours in Oklab (lightness, a = green–red, b = blue–yellow).</summary>
public sealed record OklabStatistics(double[] Mean, double[,] Covariance, long Count)
{
    /// <summary>Statistics of RGBA images holding sRGB code values, over every <paramref name="step"/>-th opaque pixel.</summary>
    public static OklabStatistics FromImages(IEnumerable<float[]> rgbaImages, int step = 1)
    {
        var sum = new double[3];
        var outer = new double[3, 3];
        long n = 0;
        Span<double> v = stackalloc double[3];
        foreach (var image in rgbaImages)
        {
            for (var i = 0; i + 3 < image.Length; i += 4 * step)
            {
                if (!(image[i + 3] > 0)) continue;
                (v[0], v[1], v[2]) = ColorSpaces.LinearToOklab(ColorSpaces.SrgbToLinear(image[i]), ColorSpaces.SrgbToLinear(image[i + 1]), ColorSpaces.SrgbToLinear(image[i + 2]));
                if (!double.IsFinite(v[0] + v[1] + v[2])) continue;
                for (var a = 0; a < 3; a++)
                {
                    sum[a] += v[a];
                    for (var b = 0; b < 3; b++) outer[a, b] += v[a] * v[b];
                }
                n++;
            }
        }
        if (n == 0) throw new ArgumentException("the images have no opaque pixels");
        var mean = sum.Select(s => s / n).ToArray();
        var cov = new double[3, 3];
        for (var a = 0; a < 3; a++)
        for (var b = 0; b < 3; b++)
            cov[a, b] = outer[a, b] / n - mean[a] * mean[b];
        return new OklabStatistics(mean, cov, n);
    }

    /// <summary>
    /// A neutral counterpart of these statistics: same lightness mean and spread, no colour cast, no link between
    /// lightness and hue, and chroma spread equal in every hue direction (same total). Mapping it onto the original
    /// adds exactly what makes the statistics a "look": the cast, split toning and the hue bias of saturation.
    /// </summary>
    public OklabStatistics Neutral()
    {
        var cov = new double[3, 3];
        cov[0, 0] = Covariance[0, 0];
        var chroma = (Covariance[1, 1] + Covariance[2, 2]) / 2;
        cov[1, 1] = chroma;
        cov[2, 2] = chroma;
        return new OklabStatistics([Mean[0], 0, 0], cov, Count);
    }
}

/// <summary>
/// A look from a mood board (reference stills only): the linear map in Oklab that carries the source colour
/// distribution's mean and covariance onto the references' (the closed-form optimal-transport map between Gaussians),
/// baked into a 3D LUT over sRGB code values 0..1.
/// </summary>
public static class MoodBoard
{
    /// <summary>
    /// Fits the look. With <paramref name="sources"/> (stills of the footage to grade) the map matches them to the
    /// references; without, it starts from the references' <see cref="OklabStatistics.Neutral"/> counterpart, so the
    /// look adds the board's cast and toning to any footage without changing its exposure or contrast.
    /// Outputs are clamped to 0..1: the LUT is display-referred like the stills it comes from.
    /// </summary>
    public static Lut3D Fit(IReadOnlyList<float[]> references, int size = 33, IReadOnlyList<float[]>? sources = null, int step = 1)
    {
        if (references.Count == 0) throw new ArgumentException("a mood board needs at least one reference still", nameof(references));
        var target = OklabStatistics.FromImages(references, step);
        var source = sources is { Count: > 0 } ? OklabStatistics.FromImages(sources, step) : target.Neutral();
        var (shift, matrix) = Transfer(source, target);
        return Lut3D.FromFunction(size, c =>
        {
            var (l, a, b) = ColorSpaces.LinearToOklab(ColorSpaces.SrgbToLinear(c.R), ColorSpaces.SrgbToLinear(c.G), ColorSpaces.SrgbToLinear(c.B));
            double dl = l - source.Mean[0], da = a - source.Mean[1], db = b - source.Mean[2];
            var nl = shift[0] + matrix[0, 0] * dl + matrix[0, 1] * da + matrix[0, 2] * db;
            var na = shift[1] + matrix[1, 0] * dl + matrix[1, 1] * da + matrix[1, 2] * db;
            var nb = shift[2] + matrix[2, 0] * dl + matrix[2, 1] * da + matrix[2, 2] * db;
            var (r, g, bl) = ColorSpaces.OklabToLinear(nl, na, nb);
            return new Rgb(Encode(r), Encode(g), Encode(bl));
        });

        static float Encode(double linear) => (float)Math.Clamp(ColorSpaces.LinearToSrgb(linear), 0, 1);
    }

    /// <summary>
    /// The Gaussian optimal-transport map x ↦ μt + A(x − μs) with A = S^-½ (S^½ T S^½)^½ S^-½ (S, T the source and
    /// target covariances): it matches both moments and moves colours as little as possible doing so.
    /// </summary>
    public static (double[] Shift, double[,] Matrix) Transfer(OklabStatistics source, OklabStatistics target)
    {
        var sHalf = Symmetric.Power(source.Covariance, 0.5);
        var sInvHalf = Symmetric.Power(source.Covariance, -0.5);
        var middle = Symmetric.Power(Symmetric.Multiply(Symmetric.Multiply(sHalf, target.Covariance), sHalf), 0.5);
        var a = Symmetric.Multiply(Symmetric.Multiply(sInvHalf, middle), sInvHalf);
        return (target.Mean, a);
    }
}

/// <summary>3×3 symmetric matrix helpers (Jacobi eigen-decomposition).</summary>
internal static class Symmetric
{
    public static double[,] Multiply(double[,] x, double[,] y)
    {
        var r = new double[3, 3];
        for (var i = 0; i < 3; i++)
        for (var j = 0; j < 3; j++)
        for (var k = 0; k < 3; k++)
            r[i, j] += x[i, k] * y[k, j];
        return r;
    }

    /// <summary>M^p through eigenvalues, with eigenvalues floored so that tiny or negative ones (rounding) stay finite.</summary>
    public static double[,] Power(double[,] m, double p)
    {
        var (values, vectors) = Eigen(m);
        var floor = Math.Max(1e-12, 1e-9 * values.Max());
        var r = new double[3, 3];
        for (var k = 0; k < 3; k++)
        {
            var f = Math.Pow(Math.Max(values[k], floor), p);
            for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++)
                r[i, j] += f * vectors[i, k] * vectors[j, k];
        }
        return r;
    }

    private static (double[] Values, double[,] Vectors) Eigen(double[,] m)
    {
        var a = (double[,])m.Clone();
        var v = new double[3, 3] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
        for (var sweep = 0; sweep < 50; sweep++)
        {
            var off = Math.Abs(a[0, 1]) + Math.Abs(a[0, 2]) + Math.Abs(a[1, 2]);
            if (off < 1e-30) break;
            for (var p = 0; p < 2; p++)
            for (var q = p + 1; q < 3; q++)
            {
                if (Math.Abs(a[p, q]) < 1e-300) continue;
                var theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                var t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                if (theta == 0) t = 1;
                var c = 1 / Math.Sqrt(t * t + 1);
                var s = t * c;
                for (var k = 0; k < 3; k++)
                {
                    var akp = a[k, p];
                    var akq = a[k, q];
                    a[k, p] = c * akp - s * akq;
                    a[k, q] = s * akp + c * akq;
                }
                for (var k = 0; k < 3; k++)
                {
                    var apk = a[p, k];
                    var aqk = a[q, k];
                    a[p, k] = c * apk - s * aqk;
                    a[q, k] = s * apk + c * aqk;
                }
                for (var k = 0; k < 3; k++)
                {
                    var vkp = v[k, p];
                    var vkq = v[k, q];
                    v[k, p] = c * vkp - s * vkq;
                    v[k, q] = s * vkp + c * vkq;
                }
            }
        }
        return ([a[0, 0], a[1, 1], a[2, 2]], v);
    }
}
