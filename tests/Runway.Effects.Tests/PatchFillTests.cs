using OpenCvSharp;
using Runway.Effects.Engines.Synthesis;
using Runway.Effects.Pixels;
using Runway.Effects.Quality;
using Xunit.Abstractions;

namespace Runway.Effects.Tests;

public sealed class PatchFillTests(ITestOutputHelper output)
{
    // Vertical stripes, 8 px period, in HDR (peaks at 3.0) with a tinted alpha ramp, so copied texture is easy to score.
    private static FloatImage Stripes(int width, int height, float peak = 3f) => Images.Filled(width, height, (x, y) =>
    {
        var v = (x % 8) < 4 ? peak : 0.1f;
        return (v, v * 0.5f, 0.2f, 1f);
    });

    private static Mat Hole(int width, int height, Rect box)
    {
        var hole = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
        hole[box].SetTo(Scalar.All(255));
        return hole;
    }

    private static byte[] Flags(Mat hole)
    {
        var flags = new byte[hole.Rows * hole.Cols];
        int rows = hole.Rows, cols = hole.Cols;
        for (var y = 0; y < rows; y++)
            for (var x = 0; x < cols; x++) flags[y * cols + x] = hole.At<byte>(y, x) != 0 ? (byte)1 : (byte)0;
        return flags;
    }

    [Fact]
    public void Fill_continues_a_periodic_texture_and_keeps_values_above_one()
    {
        using var truth = Stripes(160, 120);
        using var image = Stripes(160, 120);
        using var hole = Hole(160, 120, new Rect(50, 40, 60, 40));
        PatchFill.Fill(image, hole, null, new PatchFillOptions(Seed: 3), CancellationToken.None);
        var flags = Flags(hole);
        var psnr = ImageMetrics.Psnr(truth, image, flags, MaskRegion.Inside, peak: 3.0);
        output.WriteLine($"stripes PSNR inside hole {psnr:F1} dB (peak 3)");
        // Stripes are reproduced exactly by copying aligned patches; a blur (the average of the two stripe values)
        // scores about 6 dB. 25 dB leaves room for a few misaligned pixels at the seams.
        Assert.True(psnr > 25, $"PSNR {psnr:F1} dB");
        var max = 0f;
        for (var y = 40; y < 80; y++)
            for (var x = 50; x < 110; x++) max = Math.Max(max, image.Row(y)[x * 4]);
        Assert.True(max > 2.5f, $"brightest filled value {max}: values above 1 were lost");
        Assert.Equal(double.PositiveInfinity, ImageMetrics.Psnr(truth, image, flags, MaskRegion.Outside));
    }

    [Fact]
    public void Fill_is_deterministic_for_a_seed_and_seed_or_variation_change_it()
    {
        using var photo = Noise(128, 96, 11);
        using var hole = Hole(128, 96, new Rect(40, 30, 40, 30));
        FloatImage Run(int seed, double variation)
        {
            var img = new FloatImage(128, 96);
            photo.CopyTo(img);
            PatchFill.Fill(img, hole, null, new PatchFillOptions(seed, variation), CancellationToken.None);
            return img;
        }
        using var a = Run(1, 0.5);
        using var b = Run(1, 0.5);
        using var c = Run(2, 0.5);
        using var d = Run(1, 0);
        Assert.True(Images.BitEqual(a, b), "same seed and inputs gave different fills");
        Assert.False(Images.BitEqual(a, c), "a different seed gave the same fill");
        Assert.False(Images.BitEqual(a, d), "variation did not change the fill");
    }

    [Fact]
    public void Fill_prefers_the_reference_when_it_holds_what_the_hole_hides()
    {
        // Smooth gradient photo with a checker patch just larger than the hole: the known ring of checker is thinner than
        // a patch, so the image itself holds no checker patch to copy; only the clean plate (the reference) does.
        using var truth = Images.Filled(128, 128, (x, y) =>
        {
            var inChecker = x >= 36 && x < 92 && y >= 36 && y < 92;
            var on = (x / 3 + y / 3) % 2 == 0;
            return inChecker ? (on ? (1.8f, 1.2f, 0.2f, 1f) : (0.2f, 0.1f, 0.05f, 1f)) : (x / 128f, y / 128f, 0.3f, 1f);
        });
        using var hole = Hole(128, 128, new Rect(42, 42, 44, 44));
        using var without = new FloatImage(128, 128);
        using var with = new FloatImage(128, 128);
        truth.CopyTo(without);
        truth.CopyTo(with);
        PatchFill.Fill(without, hole, null, new PatchFillOptions(), CancellationToken.None);
        PatchFill.Fill(with, hole, truth, new PatchFillOptions(), CancellationToken.None);
        var flags = Flags(hole);
        var pWithout = ImageMetrics.Psnr(truth, without, flags, MaskRegion.Inside, peak: 2.0);
        var pWith = ImageMetrics.Psnr(truth, with, flags, MaskRegion.Inside, peak: 2.0);
        output.WriteLine($"without reference {pWithout:F1} dB, with {pWith:F1} dB");
        // Without the reference the checker cannot be rebuilt; with it, aligned patches copy it back.
        Assert.True(pWith > pWithout + 10, $"reference did not help: {pWith:F1} vs {pWithout:F1} dB");
    }

    [Fact]
    public void Fill_honours_cancellation()
    {
        using var image = Noise(256, 256, 5);
        using var hole = Hole(256, 256, new Rect(60, 60, 120, 120));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => PatchFill.Fill(image, hole, null, new PatchFillOptions(), cts.Token));
    }

    [Fact]
    public void Draft_fill_works_at_reduced_resolution_and_still_fills_every_hole_pixel()
    {
        using var image = Noise(1920, 1080, 9);
        // ~10% of the frame. (Timing is in runway-bench: GenerativeFillBench.)
        using var hole = Hole(1920, 1080, new Rect(800, 400, 480, 432));
        var result = PatchFill.Run(image, hole, null, new PatchFillOptions(Draft: true), CancellationToken.None);
        Assert.True(result.WorkingScale < 0.25, $"draft worked at scale {result.WorkingScale}");
        Assert.Equal(480 * 432, result.Filled);
        Assert.NotNull(result.Field);
    }

    internal static FloatImage Noise(int width, int height, int seed)
    {
        var rng = new Random(seed);
        var image = new FloatImage(width, height);
        // Smooth blobs plus grain: texture with structure, like a photo.
        var px = image.Pixels;
        for (var i = 0; i < px.Length; i += 4)
        {
            var x = i / 4 % width;
            var y = i / 4 / width;
            var g = (float)rng.NextDouble() * 0.2f;
            px[i] = 0.5f + 0.4f * MathF.Sin(x * 0.11f) * MathF.Cos(y * 0.07f) + g;
            px[i + 1] = 0.4f + 0.3f * MathF.Sin((x + y) * 0.05f) + g;
            px[i + 2] = 0.3f + g;
            px[i + 3] = 1f;
        }
        return image;
    }
}
