using System.Runtime.CompilerServices;
using OpenCvSharp;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Classical;
using Runway.Effects.Engines.Synthesis;
using Runway.Effects.Pixels;
using Runway.Effects.Quality;
using Xunit.Abstractions;

namespace Runway.Effects.Tests;

/// <summary>
/// Generative fill against OpenCV Telea on real photos with large holes whose truth is known (the photo itself), inside
/// the hole: PSNR, SSIM and gradient-structure similarity (<see cref="GradientMetrics"/>). Also writes a contact sheet
/// (masked source | mask | Telea | generative fill | truth per row) to out/test-artifacts/generative-fill/ for a person
/// to look at.
/// </summary>
public sealed class GenerativeFillQualityTests(ITestOutputHelper output)
{
    // Photos are scored at 256×256 (area-downscaled from 512, masks nearest) so the whole set runs in well under a minute
    // on a loaded 2-core machine; structure and hole shapes are unchanged.
    private const int Side = 256;

    private static IEnumerable<(string Name, string Image, string Mask, bool BlackIsHole)> Cases()
    {
        var freeform = Path.Combine(TestData.Root, "inpainting/places2_512_freeform");
        foreach (var img in Directory.GetFiles(Path.Combine(freeform, "images")).Order().Take(5))
            yield return (Path.GetFileNameWithoutExtension(img), img, Path.Combine(freeform, "masks", Path.GetFileNameWithoutExtension(img) + ".png"), true);
        var obj = Path.Combine(TestData.Root, "inpainting/places2_512_object");
        // Photo i with the object mask of photo i+1 (see the testdata README): the hole covers known background.
        foreach (var i in new[] { 1, 4, 7, 10, 13 })
            yield return ($"object{i}", Path.Combine(obj, "images", $"{i}.png"), Path.Combine(obj, "masks", $"{i % 14 + 1}.png"), false);
    }

    [Fact]
    public void Gradient_structure_similarity_is_one_for_equal_structure_and_low_for_a_blur_of_texture()
    {
        using var texture = Images.Filled(64, 64, (x, y) => ((x / 2 + y / 2) % 2 == 0 ? (0.9f, 0.9f, 0.9f, 1f) : (0.1f, 0.1f, 0.1f, 1f)));
        // Same texture shifted by one cell: not aligned, same amount of structure.
        using var shifted = Images.Filled(64, 64, (x, y) => (((x + 2) / 2 + y / 2) % 2 == 0 ? (0.9f, 0.9f, 0.9f, 1f) : (0.1f, 0.1f, 0.1f, 1f)));
        using var flat = Images.Filled(64, 64, (_, _) => (0.5f, 0.5f, 0.5f, 1f));
        Assert.Equal(1.0, GradientMetrics.MagnitudeSimilarity(texture, texture), 6);
        Assert.True(GradientMetrics.MagnitudeSimilarity(texture, shifted) > 0.9);
        Assert.True(GradientMetrics.MagnitudeSimilarity(texture, flat) < 0.05);
        var inside = new byte[64 * 64];
        inside.AsSpan(0, 64 * 32).Fill(1);
        Assert.Equal(1.0, GradientMetrics.MagnitudeSimilarity(flat, flat, inside, MaskRegion.Inside), 6);
    }

    private sealed record Scores(double Psnr, double Ssim, double Gms);

    [Fact]
    public void Generative_fill_beats_telea_on_psnr_ssim_and_gradient_structure_inside_large_real_holes_and_writes_a_contact_sheet()
    {
        var telea = new InpaintEngine();
        var fill = new GenerativeFillEngine();
        var rows = new List<FloatImage[]>();
        var t = new List<Scores>();
        var g = new List<Scores>();
        try
        {
            foreach (var c in Cases())
            {
                using var full = TestData.LoadRgb(c.Image);
                var truth = Resize(full, Side);
                var mask = HoleMask(c.Mask, Side, c.BlackIsHole);
                var hole = ImageMetrics.MaskFrom(mask);
                var teleaOut = new FloatImage(Side, Side);
                var fillOut = new FloatImage(Side, Side);
                var tp = ParamSet.Bind(InpaintDefinition.Definition, new Dictionary<string, object>
                {
                    [InpaintDefinition.ParamMethod] = InpaintDefinition.MethodTelea,
                    [InpaintDefinition.ParamDilate] = 0.0,
                    [InpaintDefinition.ParamFeather] = 0.0,
                    [InpaintDefinition.ParamTemporalWindow] = 0L,
                });
                telea.Render(new EffectFrame(truth, mask, teleaOut, tp, 0, 1, false, "q"), CancellationToken.None);
                var gp = ParamSet.Bind(GenerativeFillDefinition.Definition, new Dictionary<string, object>
                {
                    [GenerativeFillDefinition.ParamDilate] = 0.0,
                    [GenerativeFillDefinition.ParamFeather] = 0.0,
                    [GenerativeFillDefinition.ParamTemporal] = false,
                });
                fill.Render(new EffectFrame(truth, mask, fillOut, gp, 0, 1, false, "q"), CancellationToken.None);
                var ts = Score(truth, teleaOut, hole);
                var gs = Score(truth, fillOut, hole);
                t.Add(ts);
                g.Add(gs);
                output.WriteLine($"{c.Name,-28} hole {hole.Count(b => b != 0) / (double)hole.Length:P0}  PSNR telea {ts.Psnr:F2} fill {gs.Psnr:F2}  " +
                                 $"SSIM telea {ts.Ssim:F3} fill {gs.Ssim:F3}  GMS telea {ts.Gms:F3} fill {gs.Gms:F3}");
                Assert.Equal(double.PositiveInfinity, ImageMetrics.Psnr(truth, fillOut, hole, MaskRegion.Outside));
                rows.Add([Masked(truth, hole), mask, teleaOut, fillOut, truth]);
            }
            WriteContactSheet(rows);

            double Mean(List<Scores> s, Func<Scores, double> f) => s.Average(f);
            var dPsnr = Mean(g, s => s.Psnr) - Mean(t, s => s.Psnr);
            var dSsim = Mean(g, s => s.Ssim) - Mean(t, s => s.Ssim);
            var dGms = Mean(g, s => s.Gms) - Mean(t, s => s.Gms);
            output.WriteLine($"mean over {g.Count}: PSNR telea {Mean(t, s => s.Psnr):F2} fill {Mean(g, s => s.Psnr):F2} (Δ {dPsnr:F2} dB); " +
                             $"SSIM telea {Mean(t, s => s.Ssim):F3} fill {Mean(g, s => s.Ssim):F3} (Δ {dSsim:F3}); " +
                             $"GMS telea {Mean(t, s => s.Gms):F3} fill {Mean(g, s => s.Gms):F3} (Δ {dGms:F3})");
            Assert.True(dPsnr >= MinPsnrGainDb, $"mean PSNR gain {dPsnr:F2} dB below {MinPsnrGainDb}");
            Assert.True(dSsim >= MinSsimGain, $"mean SSIM gain {dSsim:F3} below {MinSsimGain}");
            Assert.True(dGms >= MinGmsGain, $"mean gradient-structure gain {dGms:F3} below {MinGmsGain}");
        }
        finally
        {
            foreach (var r in rows) foreach (var img in r) img.Dispose();
        }
    }

    // Measured (2026-11-24, these 10 cases at 256², patch 7, quality normal, seed 0, deterministic), mean inside the hole:
    // Telea 18.56 dB / SSIM 0.545 / gradient structure 0.670.
    // - patch fill alone: 15.25 / 0.439 / 0.710 (plausible texture, not aligned with the truth);
    // - previous recipe (Navier–Stokes structure layer, 15% of the patches' low frequencies, 10% of their detail at
    //   σ 3): 18.74 (+0.18) / 0.546 (+0.001) / 0.690 (+0.020) — SSIM a tie;
    // - now (structure layer 70% membrane fill + 30% Navier–Stokes, no patch low frequencies, 20% of the patches' detail
    //   at σ 1.5; see GenerativeFillEngine.StructureAndTexture): 19.50 (+0.94 dB) / 0.557 (+0.012) / 0.688 (+0.017).
    //   Per case it beats Telea on PSNR 9/10, SSIM 8/10, gradient structure 7/10.
    // Sweep on these cases (Δ vs Telea: PSNR / SSIM / gradient structure; layers recomputed over the whole 256² image, so
    // within ±0.03 dB of the engine, which solves over the hole's box): membrane alone +0.83 / +0.015 / −0.013;
    // Navier–Stokes alone +0.04 / +0.003 / +0.017; (NS + membrane)/2 +0.88 / +0.016 / +0.009; NS share 0.3 with detail
    // (σ, amplitude) (1.5, 0.1) +0.98 / +0.016 / +0.008, (1.5, 0.3) +0.95 / +0.006 / +0.027, (1.5, 0.5) +0.90 / −0.008 /
    // +0.043, (1, 0.2) +0.97 / +0.014 / +0.014, (3, 0.2) +0.96 / +0.010 / +0.021; NS share 0.5, (1.5, 0.2) +0.87 / +0.010 /
    // +0.023; adding 10% of the patches' low frequencies cost 0.15–0.2 dB and 0.004 SSIM everywhere; weighting patch
    // content up near the hole's border (exp(−d/λ), λ 4–16 px) only lost. Amplitude 0.2 at σ 1.5 is the point where
    // both SSIM and gradient structure stay ≥ +0.01.
    // Checked on the 18 places2 cases NOT tuned on (freeform photos 6–14 and object photos 2, 3, 5, 6, 8, 9, 11, 12, 14
    // with the next photo's mask): Telea 16.33 / 0.389 / 0.566, now 16.97 (+0.64 dB) / 0.402 (+0.013) / 0.580 (+0.014),
    // ahead per case on PSNR 17/18, SSIM 17/18, gradient structure 15/18 (previous recipe: +0.01 / +0.001 / +0.015).
    // Thresholds: a little over half the measured margins (deterministic, but OpenCV's inpainting may differ slightly
    // between builds).
    private const double MinPsnrGainDb = 0.5;
    private const double MinSsimGain = 0.006;
    private const double MinGmsGain = 0.009;

    private static Scores Score(FloatImage truth, FloatImage result, byte[] hole) => new(
        ImageMetrics.Psnr(truth, result, hole, MaskRegion.Inside),
        ImageMetrics.Ssim(truth, result, hole, MaskRegion.Inside),
        GradientMetrics.MagnitudeSimilarity(truth, result, hole, MaskRegion.Inside));

    private static FloatImage Resize(FloatImage src, int side)
    {
        using var mat = ToMat(src);
        using var small = new Mat();
        Cv2.Resize(mat, small, new Size(side, side), 0, 0, InterpolationFlags.Area);
        return FromMat(small);
    }

    // A white-opaque-is-hole mask image at the working size (nearest), whatever the dataset's convention.
    private static FloatImage HoleMask(string path, int side, bool blackIsHole)
    {
        using var m = TestData.LoadMask(path, side, side);
        return Images.Filled(side, side, (x, y) =>
        {
            var v = m.Row(y)[x * 4 + 3] > 0.5f;
            return v != blackIsHole ? (1f, 1f, 1f, 1f) : (0f, 0f, 0f, 1f);
        });
    }

    private static FloatImage Masked(FloatImage truth, byte[] hole)
    {
        var img = new FloatImage(truth.Width, truth.Height);
        truth.CopyTo(img);
        var px = img.Pixels;
        for (var i = 0; i < hole.Length; i++)
            if (hole[i] != 0) { px[i * 4] = 0.5f; px[i * 4 + 1] = 0.5f; px[i * 4 + 2] = 0.5f; }
        return img;
    }

    private static unsafe Mat ToMat(FloatImage img)
    {
        var mat = new Mat(img.Height, img.Width, MatType.CV_32FC4);
        img.Pixels.CopyTo(new Span<float>((void*)mat.DataPointer, img.Width * img.Height * 4));
        return mat;
    }

    private static unsafe FloatImage FromMat(Mat mat)
    {
        var img = new FloatImage(mat.Cols, mat.Rows);
        new Span<float>((void*)mat.DataPointer, img.Width * img.Height * 4).CopyTo(img.Pixels);
        return img;
    }

    private void WriteContactSheet(List<FloatImage[]> rows)
    {
        var cols = rows[0].Length;
        using var sheet = new Mat(rows.Count * Side, cols * Side, MatType.CV_8UC3, Scalar.All(0));
        for (var r = 0; r < rows.Count; r++)
            for (var c = 0; c < cols; c++)
            {
                var img = rows[r][c];
                for (var y = 0; y < Side; y++)
                {
                    var row = img.Row(y);
                    for (var x = 0; x < Side; x++)
                    {
                        // Working images here hold sRGB code values / 255 (loaded 8-bit photos), so write them as is.
                        static byte B(float v) => (byte)Math.Clamp(v * 255f + 0.5f, 0f, 255f);
                        sheet.Set(r * Side + y, c * Side + x, new Vec3b(B(row[x * 4 + 2]), B(row[x * 4 + 1]), B(row[x * 4])));
                    }
                }
            }
        var dir = Path.Combine(RepoRoot(), "out", "test-artifacts", "generative-fill");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "contact-sheet.png");
        Assert.True(Cv2.ImWrite(path, sheet), $"could not write {path}");
        output.WriteLine($"contact sheet: {path} (columns: masked source | mask | Telea | generative fill | truth)");
    }

    private static string RepoRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));
}
