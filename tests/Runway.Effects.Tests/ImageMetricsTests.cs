using Runway.Effects.Pixels;
using Runway.Effects.Quality;

namespace Runway.Effects.Tests;

public sealed class ImageMetricsTests
{
    private static FloatImage Texture(int seed, float noise = 0f)
    {
        var rng = new Random(seed);
        return Images.Filled(64, 48, (x, y) =>
        {
            var v = 0.5f + 0.4f * MathF.Sin(x * 0.3f) * MathF.Cos(y * 0.2f) + noise * (float)(rng.NextDouble() - 0.5);
            return (v, v * 0.8f, 1f - v, 1f);
        });
    }

    [Fact]
    public void Identical_images_have_infinite_psnr_and_ssim_one()
    {
        using var a = Texture(1);
        using var b = Texture(1);
        Assert.Equal(double.PositiveInfinity, ImageMetrics.Psnr(a, b));
        Assert.Equal(1.0, ImageMetrics.Ssim(a, b), 9);
    }

    [Fact]
    public void Psnr_matches_the_definition_for_a_constant_offset()
    {
        using var a = Images.Filled(8, 8, (_, _) => (0.5f, 0.5f, 0.5f, 1f));
        using var b = Images.Filled(8, 8, (_, _) => (0.6f, 0.6f, 0.6f, 0.2f));
        // MSE = 0.01 → 20 dB; alpha is ignored.
        Assert.Equal(20.0, ImageMetrics.Psnr(a, b), 4);
    }

    [Fact]
    public void More_noise_lowers_psnr_and_ssim()
    {
        using var clean = Texture(1);
        using var light = Texture(1, noise: 0.05f);
        using var heavy = Texture(1, noise: 0.3f);
        Assert.True(ImageMetrics.Psnr(clean, light) > ImageMetrics.Psnr(clean, heavy) + 10);
        var ssimLight = ImageMetrics.Ssim(clean, light);
        var ssimHeavy = ImageMetrics.Ssim(clean, heavy);
        Assert.InRange(ssimLight, 0.5, 0.9999);
        Assert.True(ssimLight > ssimHeavy + 0.1, $"{ssimLight} vs {ssimHeavy}");
    }

    [Fact]
    public void Masked_metrics_only_see_their_side_of_the_mask()
    {
        using var a = Texture(1);
        using var b = Texture(1);
        // Damage only the left half of b.
        for (var y = 0; y < 48; y++)
            for (var x = 0; x < 32; x++)
                b.Row(y)[x * 4] += 0.1f;
        var left = new byte[64 * 48];
        for (var y = 0; y < 48; y++)
            for (var x = 0; x < 32; x++)
                left[y * 64 + x] = 1;
        Assert.Equal(double.PositiveInfinity, ImageMetrics.Psnr(a, b, left, MaskRegion.Outside));
        // Red off by 0.1 on every inside pixel: MSE = 0.01/3.
        Assert.Equal(10 * Math.Log10(3 / 0.01), ImageMetrics.Psnr(a, b, left, MaskRegion.Inside), 3);
        Assert.True(ImageMetrics.Ssim(a, b, left, MaskRegion.Inside) < ImageMetrics.Ssim(a, b, left, MaskRegion.Outside));
    }

    [Fact]
    public void Empty_region_and_size_mismatch_are_rejected()
    {
        using var a = Texture(1);
        using var b = Texture(2);
        Assert.Throws<ArgumentException>(() => ImageMetrics.Psnr(a, b, new byte[64 * 48], MaskRegion.Inside));
        Assert.Throws<ArgumentException>(() => ImageMetrics.Psnr(a, b, new byte[10], MaskRegion.Outside));
        using var c = new FloatImage(10, 10);
        Assert.Throws<ArgumentException>(() => ImageMetrics.Ssim(a, c));
    }

    [Fact]
    public void MaskFrom_thresholds_luminance_or_alpha()
    {
        using var m = Images.Filled(2, 1, (x, _) => x == 0 ? (1f, 1f, 1f, 0f) : (0f, 0f, 0f, 1f));
        Assert.Equal(new byte[] { 1, 0 }, ImageMetrics.MaskFrom(m));
        Assert.Equal(new byte[] { 0, 1 }, ImageMetrics.MaskFrom(m, useAlpha: true));
    }
}
