using Xunit.Abstractions;

namespace Runway.Looks.Tests;

/// <summary>The lattice fit on synthetic pairs, where the true transform is known everywhere.</summary>
public sealed class LutFitterTests(ITestOutputHelper output)
{
    // A smooth, clearly non-linear grade: a contrast curve, a warm highlight / cool shadow split and a hue crossover.
    private static Rgb Grade(Rgb v)
    {
        var l = (v.R + v.G + v.B) / 3;
        float Curve(float x) => x * x * (3 - 2 * x) * 0.7f + x * 0.3f;
        return new Rgb(Curve(v.R) + 0.05f * l, Curve(v.G) + 0.02f * v.B, Curve(v.B) + 0.06f * (1 - l));
    }

    private static LookSamples Samples(int count, int seed, Func<Rgb, bool>? where = null, double outlierFraction = 0)
    {
        var random = new Random(seed);
        var samples = new LookSamples();
        while (samples.Count < count)
        {
            var v = new Rgb(random.NextSingle(), random.NextSingle(), random.NextSingle());
            if (where is not null && !where(v)) continue;
            var y = Grade(v);
            // Outliers: pairs whose "after" is an unrelated colour (e.g. a retouched or misaligned pixel).
            if (random.NextDouble() < outlierFraction) y = new Rgb(random.NextSingle(), random.NextSingle(), random.NextSingle());
            samples.Add(v, y);
        }
        return samples;
    }

    private static double MaxError(Lut3D lut, Func<Rgb, bool>? where = null)
    {
        var random = new Random(99);
        double worst = 0;
        for (var i = 0; i < 3000; i++)
        {
            var v = new Rgb(random.NextSingle(), random.NextSingle(), random.NextSingle());
            if (where is not null && !where(v)) continue;
            var a = lut.Apply(v);
            var b = Grade(v);
            worst = Math.Max(worst, Math.Max(Math.Abs(a.R - b.R), Math.Max(Math.Abs(a.G - b.G), Math.Abs(a.B - b.B))));
        }
        return worst;
    }

    [Fact]
    public void Dense_exact_pairs_recover_a_smooth_grade_closely()
    {
        var (lut, report) = LutFitter.Fit(Samples(60_000, 1), new LutFitOptions { Size = 17 });
        Assert.Equal(17, lut.Size);
        // A 17³ tetrahedral lattice of this curve is accurate to about 1e-3; the fit must stay near that.
        Assert.True(MaxError(lut) < 0.005, $"max error {MaxError(lut):F4}; {report}");
    }

    [Fact]
    public void Oklab_fit_returns_a_code_value_lut_that_recovers_the_grade()
    {
        // Fitted Oklab → Oklab on a 17³ lattice, handed back as a 33³ code-value LUT (OklabResultSize).
        var (lut, _) = LutFitter.Fit(Samples(60_000, 1), new LutFitOptions { Size = 17, Space = LutFitSpace.Oklab });
        Assert.Equal(33, lut.Size);
        Assert.True(lut.HasDefaultDomain);
        var random = new Random(7);
        double sum = 0;
        for (var i = 0; i < 2000; i++)
        {
            var v = new Rgb(random.NextSingle(), random.NextSingle(), random.NextSingle());
            sum += ColorSpaces.DeltaE2000(lut.Apply(v), Grade(v));
        }
        // Measured 0.146 mean ΔE2000 (the Oklab lattice composed with the nonlinear round trip and resampled on 33³);
        // 0.5 is well below a visible difference and far below what the grade moves colours by.
        output.WriteLine($"Oklab fit: mean ΔE2000 {sum / 2000:F3} over 2000 colours");
        Assert.InRange(sum / 2000, 0, 0.5);
    }

    [Fact]
    public void Robust_weighting_resists_outlier_pairs_that_pull_plain_least_squares()
    {
        var samples = Samples(60_000, 2, outlierFraction: 0.15);
        var (robust, _) = LutFitter.Fit(samples, new LutFitOptions { Size = 17, Smoothness = 1e-5, RobustIterations = 3 });
        var (plain, _) = LutFitter.Fit(samples, new LutFitOptions { Size = 17, Smoothness = 1e-5, RobustIterations = 0 });
        var robustError = MaxError(robust);
        var plainError = MaxError(plain);
        Assert.True(robustError < plainError * 0.6, $"robust {robustError:F4} vs plain {plainError:F4}");
    }

    [Fact]
    public void Colours_never_seen_are_extrapolated_smoothly_not_left_at_identity()
    {
        // Pairs only from low-saturation colours (within 0.25 of grey); saturated corners are never seen.
        static bool Muted(Rgb v) => Math.Max(v.R, Math.Max(v.G, v.B)) - Math.Min(v.R, Math.Min(v.G, v.B)) < 0.25f;
        var (lut, _) = LutFitter.Fit(Samples(40_000, 3, Muted), new LutFitOptions { Size = 17, Smoothness = 1e-5 });
        Assert.True(MaxError(lut, Muted) < 0.01);
        // Unseen colours: finite, and much closer to the grade than the identity would be on average.
        var random = new Random(5);
        double fitted = 0, identity = 0;
        var n = 0;
        for (var i = 0; i < 3000; i++)
        {
            var v = new Rgb(random.NextSingle(), random.NextSingle(), random.NextSingle());
            if (Muted(v)) continue;
            var a = lut.Apply(v);
            var b = Grade(v);
            Assert.True(float.IsFinite(a.R + a.G + a.B));
            fitted += Math.Abs(a.R - b.R) + Math.Abs(a.G - b.G) + Math.Abs(a.B - b.B);
            identity += Math.Abs(v.R - b.R) + Math.Abs(v.G - b.G) + Math.Abs(v.B - b.B);
            n++;
        }
        // Measured: 0.078 vs 0.138 (0.57×); a fit that ignored unseen colours would sit at identity (1×).
        Assert.True(fitted < identity * 0.7, $"mean L1 error on unseen colours {fitted / n:F4} vs identity's {identity / n:F4}");
    }

    [Fact]
    public void Fitting_with_no_pairs_is_refused()
    {
        Assert.Throws<ArgumentException>(() => LutFitter.Fit(new LookSamples()));
    }
}
