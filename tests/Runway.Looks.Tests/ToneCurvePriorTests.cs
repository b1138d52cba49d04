using Xunit.Abstractions;

namespace Runway.Looks.Tests;

/// <summary>The tone-curve prior of the pair fit, photo groups in <see cref="LookSamples"/>, and cross-validation.</summary>
public sealed class ToneCurvePriorTests(ITestOutputHelper output)
{
    /// <summary>A per-channel grade: a different power curve on each channel.</summary>
    private static Rgb Grade(Rgb c) => new(MathF.Pow(c.R, 0.6f), MathF.Pow(c.G, 0.8f), MathF.Pow(c.B, 1.3f) * 0.9f + 0.05f);

    [Fact]
    public void Tone_curve_is_monotone_and_follows_a_known_curve_despite_noise_and_outliers()
    {
        var random = new Random(3);
        var samples = new LookSamples();
        for (var i = 0; i < 20_000; i++)
        {
            var c = new Rgb(random.NextSingle(), random.NextSingle(), random.NextSingle());
            var g = Grade(c);
            // 2% of pairs are wild (retouched pixels); the rest carry small noise.
            var after = random.NextDouble() < 0.02
                ? new Rgb(random.NextSingle(), random.NextSingle(), random.NextSingle())
                : new Rgb(g.R + 0.01f * (random.NextSingle() - 0.5f), g.G + 0.01f * (random.NextSingle() - 0.5f), g.B + 0.01f * (random.NextSingle() - 0.5f));
            samples.Add(c, after);
        }
        var curve = ToneCurveFitter.Fit(samples.Before.ToArray(), samples.After.ToArray(), default, 65, Rgb.All(0), Rgb.All(1), bins: 32);
        double worst = 0;
        for (var i = 0; i < 65; i++)
        {
            for (var ch = 0; ch < 3; ch++)
            {
                if (i > 0) Assert.True(curve.Table[i * 3 + ch] >= curve.Table[(i - 1) * 3 + ch], $"channel {ch} falls at row {i}");
            }
            var x = i / 64f;
            if (x is < 0.05f or > 0.95f) continue; // the end bins average over their width, where x^0.6 bends hardest
            var truth = Grade(Rgb.All(x));
            var got = curve.Apply(Rgb.All(x));
            worst = Math.Max(worst, Math.Max(Math.Abs(got.R - truth.R), Math.Max(Math.Abs(got.G - truth.G), Math.Abs(got.B - truth.B))));
        }
        output.WriteLine($"worst curve error inside 0.05..0.95: {worst:F4}");
        // Measured 0.010 (outliers pull each bin mean by ~1% of their spread); 0.03 fails a curve off by a bin.
        Assert.True(worst < 0.03, $"curve error {worst:F4}");
    }

    [Fact]
    public void Colours_never_seen_follow_the_tone_curve_prior_rather_than_the_identity()
    {
        // Pairs only near the grey axis; the test asks for saturated colours far from any pair.
        var random = new Random(7);
        var samples = new LookSamples();
        for (var i = 0; i < 30_000; i++)
        {
            var v = random.NextSingle();
            var c = new Rgb(Math.Clamp(v + 0.04f * (random.NextSingle() - 0.5f), 0, 1), Math.Clamp(v + 0.04f * (random.NextSingle() - 0.5f), 0, 1),
                Math.Clamp(v + 0.04f * (random.NextSingle() - 0.5f), 0, 1));
            samples.Add(c, Grade(c));
        }
        var common = new LutFitOptions { Size = 17, Smoothness = 1e-3 };
        var (plain, _) = LutFitter.Fit(samples, common);
        var (prior, _) = LutFitter.Fit(samples, common with { Prior = LutPrior.ToneCurve, PriorWeight = 10, ToneCurveBins = 16 });
        double plainError = 0, priorError = 0;
        var n = 0;
        for (var i = 0; i < 500; i++)
        {
            var c = new Rgb(random.NextSingle(), random.NextSingle(), random.NextSingle());
            if (MathF.Max(c.R, MathF.Max(c.G, c.B)) - MathF.Min(c.R, MathF.Min(c.G, c.B)) < 0.5f) continue;
            plainError += ColorSpaces.DeltaE2000(plain.Apply(c), Grade(c));
            priorError += ColorSpaces.DeltaE2000(prior.Apply(c), Grade(c));
            n++;
        }
        plainError /= n;
        priorError /= n;
        output.WriteLine($"{n} saturated unseen colours, mean ΔE2000: identity prior {plainError:F2}, tone-curve prior {priorError:F2}");
        // Measured 5.99 → 0.15: the grade is per channel, so the curve learned on the grey axis is the grade everywhere.
        Assert.True(priorError < 0.5 * plainError, $"tone-curve prior {priorError:F2} vs identity {plainError:F2}");
        Assert.True(priorError < 2, $"tone-curve prior {priorError:F2}");
    }

    [Fact]
    public void Each_added_image_is_a_group_that_can_be_held_out()
    {
        var samples = new LookSamples();
        samples.AddImages(Image(3, 0.2f), Image(3, 0.3f));
        samples.AddImages(Image(5, 0.4f), Image(5, 0.5f));
        samples.Add(Rgb.All(0.9f), Rgb.All(1f)); // joins the last group
        Assert.Equal(2, samples.Groups);
        Assert.Equal(9, samples.Count);
        Assert.Equal(3, samples.Group(0).Count);
        Assert.Equal(6, samples.Group(1).Count);
        Assert.Equal(6, samples.Without(0).Count);
        Assert.Equal(0.4f, samples.Without(0).Before[0]);
        Assert.Equal(1f, samples.Group(1).After[^1]);
        Assert.Equal(2, samples.Shaped(InputShaper.DefaultLog2).Groups);

        static float[] Image(int pixels, float v) => Enumerable.Range(0, pixels).SelectMany(_ => new[] { v, v, v, 1f }).ToArray();
    }

    [Fact]
    public void Cross_validation_picks_the_options_that_predict_held_out_images_and_needs_two()
    {
        var random = new Random(11);
        var samples = new LookSamples();
        for (var image = 0; image < 3; image++)
        {
            var pixels = new float[4 * 4000];
            var graded = new float[pixels.Length];
            for (var p = 0; p < 4000; p++)
            {
                var c = new Rgb(random.NextSingle(), random.NextSingle(), random.NextSingle());
                var g = Grade(c);
                (pixels[p * 4], pixels[p * 4 + 1], pixels[p * 4 + 2], pixels[p * 4 + 3]) = (c.R, c.G, c.B, 1);
                (graded[p * 4], graded[p * 4 + 1], graded[p * 4 + 2], graded[p * 4 + 3]) = (g.R, g.G, g.B, 1);
            }
            samples.AddImages(pixels, graded);
        }
        // A 2³ lattice cannot bend; a 9³ one can: held-out images must tell them apart.
        LutFitOptions stiff = new() { Size = 2 }, able = new() { Size = 9, Smoothness = 1e-5 };
        var (best, scores) = LutFitter.CrossValidate(samples, [stiff, able]);
        output.WriteLine($"held-out mean ΔE2000: 2³ {scores[0]:F2}, 9³ {scores[1]:F2}");
        Assert.Same(able, best);
        Assert.True(scores[1] < 0.5 * scores[0]);

        var one = samples.Group(0);
        var e = Assert.Throws<ArgumentException>(() => LutFitter.CrossValidate(one, [able]));
        Assert.Contains("at least 2 images", e.Message);
    }
}
