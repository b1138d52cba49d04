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
/// the hole: PSNR, SSIM and gradient-structure similarity (<see cref="GradientMetrics"/>), and whether the fill is
/// textured rather than a blur (<see cref="GenerativeFillTexture"/>). Tuned on <see cref="Cases"/>, confirmed on
/// <see cref="HeldOutCases"/>; at the default texture detail 1 (textured), at 0 (the smooth recipe) and at 0.5. Also writes contact sheets to out/test-artifacts/generative-fill/ for a person to look
/// at: contact-sheet.png (tuned cases) and contact-sheet-held-out.png, one row per case, columns left to right
/// masked source | mask | Telea | ours | truth (<see cref="ContactSheetColumns"/>, labelled in a header row).
/// </summary>
public sealed class GenerativeFillQualityTests(ITestOutputHelper output)
{
    // Photos are scored at 256×256 (area-downscaled from 512, masks nearest) so the whole set runs in well under a minute
    // on a loaded 2-core machine; structure and hole shapes are unchanged.
    private const int Side = 256;

    internal static IEnumerable<(string Name, string Image, string Mask, bool BlackIsHole)> Cases()
    {
        var freeform = Path.Combine(TestData.Root, "inpainting/places2_512_freeform");
        foreach (var img in Directory.GetFiles(Path.Combine(freeform, "images")).Order().Take(5))
            yield return (Path.GetFileNameWithoutExtension(img), img, Path.Combine(freeform, "masks", Path.GetFileNameWithoutExtension(img) + ".png"), true);
        var obj = Path.Combine(TestData.Root, "inpainting/places2_512_object");
        // Photo i with the object mask of photo i+1 (see the testdata README): the hole covers known background.
        foreach (var i in new[] { 1, 4, 7, 10, 13 })
            yield return ($"object{i}", Path.Combine(obj, "images", $"{i}.png"), Path.Combine(obj, "masks", $"{i % 14 + 1}.png"), false);
    }

    /// <summary>The 18 places2 cases the recipe was NOT tuned on: freeform photos 6–14, object photos 2, 3, 5, 6, 8, 9, 11, 12, 14 with the next photo's mask.</summary>
    internal static IEnumerable<(string Name, string Image, string Mask, bool BlackIsHole)> HeldOutCases()
    {
        var freeform = Path.Combine(TestData.Root, "inpainting/places2_512_freeform");
        foreach (var img in Directory.GetFiles(Path.Combine(freeform, "images")).Order().Skip(5).Take(9))
            yield return (Path.GetFileNameWithoutExtension(img), img, Path.Combine(freeform, "masks", Path.GetFileNameWithoutExtension(img) + ".png"), true);
        var obj = Path.Combine(TestData.Root, "inpainting/places2_512_object");
        foreach (var i in new[] { 2, 3, 5, 6, 8, 9, 11, 12, 14 })
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

    private sealed record Scores(double Psnr, double Ssim, double Gms, double Texture);

    [Fact]
    public void Texture_ratio_is_near_one_for_real_texture_and_near_zero_for_a_blur()
    {
        // The measure itself: a textured image scores about 1 (hole as textured as its ring), the same image blurred
        // inside the hole scores far lower.
        using var textured = PatchFillTests.Noise(96, 96, 4);
        var hole = new byte[96 * 96];
        for (var y = 30; y < 66; y++) for (var x = 30; x < 66; x++) hole[y * 96 + x] = 1;
        using var blurred = new FloatImage(96, 96);
        textured.CopyTo(blurred);
        var px = blurred.Pixels;
        for (var y = 30; y < 66; y++)
            for (var x = 30; x < 66; x++)
                for (var c = 0; c < 3; c++) px[(y * 96 + x) * 4 + c] = 0.5f;
        var real = GenerativeFillTexture.Ratio(textured, hole);
        var blur = GenerativeFillTexture.Ratio(blurred, hole);
        output.WriteLine($"texture ratio: real {real:F3}, flat {blur:F3}");
        // Measured: real 1.01, flat 0.20 (36 px hole: the step between the flat fill and the ring, and the ring's detail
        // the σ 2 blur carries a few pixels in, are all a flat fill scores).
        Assert.InRange(real, 0.85, 1.15);
        Assert.True(blur < 0.3, $"a flat fill scored {blur:F3}");
    }

    [Fact]
    public void Generative_fill_keeps_texture_and_beats_telea_on_psnr_and_gradient_structure_inside_large_real_holes_and_writes_a_contact_sheet()
    {
        var (telea, fill) = Run(Cases(), "contact-sheet.png");
        var d = Report("tuned", telea, fill);
        Assert.True(d.Texture >= MinTextureRatio, $"texture ratio {d.Texture:F3} below {MinTextureRatio}: the fill is a blur");
        Assert.True(d.Psnr >= MinPsnrGainDb, $"mean PSNR gain {d.Psnr:F2} dB below {MinPsnrGainDb}");
        Assert.True(d.Ssim >= MinSsimGain, $"mean SSIM change {d.Ssim:F3} below {MinSsimGain}");
        Assert.True(d.Gms >= MinGmsGain, $"mean gradient-structure gain {d.Gms:F3} below {MinGmsGain}");
    }

    [Fact]
    public void Generative_fill_keeps_texture_and_beats_telea_on_psnr_and_gradient_structure_on_held_out_real_holes()
    {
        var (telea, fill) = Run(HeldOutCases(), "contact-sheet-held-out.png");
        var d = Report("held-out", telea, fill);
        Assert.True(d.Texture >= MinTextureRatio, $"texture ratio {d.Texture:F3} below {MinTextureRatio}: the fill is a blur");
        Assert.True(d.Psnr > HeldOutMinPsnrGainDb, $"mean PSNR change {d.Psnr:F2} dB: no win over Telea");
        Assert.True(d.Ssim >= HeldOutMinSsimGain, $"mean SSIM change {d.Ssim:F3} below {HeldOutMinSsimGain}");
        Assert.True(d.Gms >= HeldOutMinGmsGain, $"mean gradient-structure gain {d.Gms:F3} below {HeldOutMinGmsGain}");
    }

    [Fact]
    public void At_texture_detail_zero_the_smooth_recipe_beats_telea_on_psnr_ssim_and_gradient_structure_inside_large_real_holes()
    {
        var (telea, fill) = Run(Cases(), "contact-sheet-detail0.png", detail: 0.0);
        var d = Report("tuned, detail 0", telea, fill);
        Assert.True(d.Psnr >= SmoothMinPsnrGainDb, $"mean PSNR gain {d.Psnr:F2} dB below {SmoothMinPsnrGainDb}");
        Assert.True(d.Ssim >= SmoothMinSsimGain, $"mean SSIM gain {d.Ssim:F3} below {SmoothMinSsimGain}");
        Assert.True(d.Gms >= SmoothMinGmsGain, $"mean gradient-structure gain {d.Gms:F3} below {SmoothMinGmsGain}");
    }

    [Fact]
    public void At_texture_detail_zero_the_smooth_recipe_beats_telea_on_held_out_real_holes()
    {
        var (telea, fill) = Run(HeldOutCases(), "contact-sheet-held-out-detail0.png", detail: 0.0);
        var d = Report("held-out, detail 0", telea, fill);
        Assert.True(d.Psnr >= SmoothHeldOutMinPsnrGainDb, $"mean PSNR gain {d.Psnr:F2} dB below {SmoothHeldOutMinPsnrGainDb}");
        Assert.True(d.Ssim >= SmoothHeldOutMinSsimGain, $"mean SSIM gain {d.Ssim:F3} below {SmoothHeldOutMinSsimGain}");
        Assert.True(d.Gms >= SmoothHeldOutMinGmsGain, $"mean gradient-structure gain {d.Gms:F3} below {SmoothHeldOutMinGmsGain}");
    }

    [Fact]
    public void At_half_texture_detail_the_fill_sits_between_the_smooth_and_textured_recipes()
    {
        var (telea, fill) = Run(Cases(), "contact-sheet-detail0.5.png", detail: 0.5);
        var d = Report("tuned, detail 0.5", telea, fill);
        Assert.InRange(d.Texture, HalfMinTextureRatio, HalfMaxTextureRatio);
        Assert.True(d.Psnr >= HalfMinPsnrGainDb, $"mean PSNR gain {d.Psnr:F2} dB below {HalfMinPsnrGainDb}");
        Assert.True(d.Gms >= HalfMinGmsGain, $"mean gradient-structure gain {d.Gms:F3} below {HalfMinGmsGain}");
    }

    // Mean over the cases of (fill − Telea) for PSNR, SSIM and gradient structure, and the fill's mean texture ratio.
    private Scores Report(string set, List<Scores> t, List<Scores> g)
    {
        double Mean(List<Scores> s, Func<Scores, double> f) => s.Average(f);
        int Wins(Func<Scores, double> f) => t.Zip(g).Count(p => f(p.Second) > f(p.First));
        var delta = new Scores(Mean(g, s => s.Psnr) - Mean(t, s => s.Psnr), Mean(g, s => s.Ssim) - Mean(t, s => s.Ssim),
            Mean(g, s => s.Gms) - Mean(t, s => s.Gms), Mean(g, s => s.Texture));
        output.WriteLine($"{set}, mean over {g.Count}: PSNR telea {Mean(t, s => s.Psnr):F2} fill {Mean(g, s => s.Psnr):F2} (Δ {delta.Psnr:F2} dB, wins {Wins(s => s.Psnr)}); " +
                         $"SSIM telea {Mean(t, s => s.Ssim):F3} fill {Mean(g, s => s.Ssim):F3} (Δ {delta.Ssim:F3}, wins {Wins(s => s.Ssim)}); " +
                         $"GMS telea {Mean(t, s => s.Gms):F3} fill {Mean(g, s => s.Gms):F3} (Δ {delta.Gms:F3}, wins {Wins(s => s.Gms)}); " +
                         $"texture ratio telea {Mean(t, s => s.Texture):F3} fill {delta.Texture:F3}");
        return delta;
    }

    // Renders Telea and generative fill (final, temporal off, no dilate/feather) on every case at Side², scores both
    // inside the hole, checks the fill leaves every known pixel alone, and writes the contact sheet.
    private (List<Scores> Telea, List<Scores> Fill) Run(IEnumerable<(string Name, string Image, string Mask, bool BlackIsHole)> cases, string sheet,
        double detail = 1.0)
    {
        var telea = new InpaintEngine();
        var fill = new GenerativeFillEngine();
        var rows = new List<FloatImage[]>();
        var t = new List<Scores>();
        var g = new List<Scores>();
        try
        {
            foreach (var c in cases)
            {
                var truth = Resize(TestData.LoadRgb(c.Image), Side, dispose: true);
                var mask = HoleMask(c.Mask, Side, c.BlackIsHole);
                var hole = ImageMetrics.MaskFrom(mask);
                var teleaOut = new FloatImage(Side, Side);
                var fillOut = new FloatImage(Side, Side);
                // Column order of the contact sheet (ContactSheetColumns): masked source, mask, Telea, ours, truth.
                rows.Add([Masked(truth, hole), mask, teleaOut, fillOut, truth]);
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
                    [GenerativeFillDefinition.ParamDetail] = detail,
                });
                fill.Render(new EffectFrame(truth, mask, fillOut, gp, 0, 1, false, "q"), CancellationToken.None);
                var ts = Score(truth, teleaOut, hole);
                var gs = Score(truth, fillOut, hole);
                t.Add(ts);
                g.Add(gs);
                output.WriteLine($"{c.Name,-28} hole {hole.Count(b => b != 0) / (double)hole.Length:P0}  PSNR telea {ts.Psnr:F2} fill {gs.Psnr:F2}  " +
                                 $"SSIM telea {ts.Ssim:F3} fill {gs.Ssim:F3}  GMS telea {ts.Gms:F3} fill {gs.Gms:F3}  texture telea {ts.Texture:F2} fill {gs.Texture:F2}");
                Assert.Equal(double.PositiveInfinity, ImageMetrics.Psnr(truth, fillOut, hole, MaskRegion.Outside));
            }
            WriteContactSheet(rows, sheet);
            return (t, g);
        }
        finally
        {
            foreach (var r in rows) foreach (var img in r) img.Dispose();
        }
    }

    // Measured 2026-11-24 (patch 7, quality normal, seed 0, deterministic; 256² photos), mean inside the hole,
    // PSNR dB / SSIM / gradient structure / texture ratio (GenerativeFillTexture: 1 = as textured as the ring around
    // the hole; the truth itself scores 1.00 on the tuned set and 1.29 on the held-out set):
    //
    //   10 tuned cases (Cases)            Telea 18.56 / 0.545 / 0.670 / 0.22
    //     previous recipe (70% membrane + 30% Navier–Stokes + 20% of the plain fill's detail at σ 1.5)
    //                                     19.50 / 0.557 / 0.688 / 0.15  ← the blur the contact sheet showed
    //     plain patch fill (unguided)     15.25 / 0.439 / 0.710 / 0.49  ← flat polygons
    //     now (guided fill, full detail)  18.79 / 0.490 / 0.758 / 0.67; per case ahead of Telea on PSNR 7/10,
    //                                     SSIM 0/10, gradient structure 9/10
    //   18 held-out cases (HeldOutCases)  Telea 16.33 / 0.389 / 0.566 / 0.19
    //     previous recipe                 16.97 / 0.402 / 0.580 / 0.14
    //     plain patch fill                14.54 / 0.326 / 0.643 / 0.44
    //     now                             16.39 / 0.345 / 0.687 / 0.71; per case PSNR 14/18, SSIM 0/18, gradient
    //                                     structure 18/18
    //
    // "Now" = PatchFill with StructureGuidance 1, TextureGuidance 4, VoteSharpness 8, then the structure layer's low
    // frequencies (70% membrane + 30% Navier–Stokes) with all of the fill's detail above σ 3 (GenerativeFillEngine).
    // Sweep on the tuned cases (PSNR / SSIM / gradient structure / texture): guided, no layer 18.27 / 0.509 / 0.738 /
    // 0.42; + vote sharpness 4: 18.15 / 0.491 / 0.742 / 0.54; texture guidance 4 + sharpness 8, no layer: 17.96 /
    // 0.480 / 0.747 / 0.66; the same with the layer at detail amplitude 0.7: 19.15 / 0.517 / 0.751 / 0.48, 0.85: 18.98 /
    // 0.503 / 0.756 / 0.58 (held-out 16.55 / 0.356 / 0.683 / 0.61), 1.0 (chosen): above; σ 5 instead of 3: 18.58 /
    // 0.486 / 0.756 / 0.71; without Navier–Stokes: 18.67 / 0.487 / 0.754 / 0.65; texture guidance 8: 18.75 / 0.492 /
    // 0.759 / 0.69; quality best (8 rounds): 18.63 / 0.478 / 0.757 / 0.74.
    //
    // Why SSIM is allowed to lose: SSIM's structure term scores texture that is not aligned with the truth below no
    // texture at all (for equal variances its contrast-structure term falls from C₂/(σ²+C₂) for a blur to C₂/(2σ²+C₂)),
    // and deep inside a large hole no method can align texture with a truth it has never seen. Every setting above
    // traded SSIM for texture at the same rate (about 0.01 SSIM per 0.1 of texture ratio); a fill that wins on SSIM is
    // the blur this recipe replaces. The SSIM thresholds therefore bound the loss instead of asking for a gain.
    // Thresholds leave margin under the measured figures (deterministic, but OpenCV's inpainting and blurs may differ
    // slightly between builds); the held-out PSNR win is slim (+0.06 dB) and the threshold only asks for a win.
    private const double MinTextureRatio = 0.6;
    private const double MinPsnrGainDb = 0.1;
    private const double MinSsimGain = -0.07;
    private const double MinGmsGain = 0.06;
    private const double HeldOutMinPsnrGainDb = 0.0;
    private const double HeldOutMinSsimGain = -0.06;
    private const double HeldOutMinGmsGain = 0.08;

    // Texture detail 0 (the smooth still recipe, as before the detail param: plain patch search, 70% membrane + 30%
    // Navier–Stokes structure layer, 20% of the fill's detail above σ 1.5). Measured at HEAD 6852f8d: tuned 19.50 /
    // 0.557 / 0.688 (Δ vs Telea +0.94 dB / +0.012 / +0.017; per case PSNR 9/10, SSIM 8/10, gradient structure 7/10),
    // held-out 16.97 / 0.402 / 0.580 (Δ +0.64 / +0.013 / +0.014; PSNR 17/18, SSIM 17/18, GS 15/18). Measured with the detail param at 0
    // (2026-11-24, same conditions): identical, to the printed digits.
    // Tuned thresholds: HEAD's (a little over half the margins); held-out: a win on all three, about half the margins.
    private const double SmoothMinPsnrGainDb = 0.5;
    private const double SmoothMinSsimGain = 0.006;
    private const double SmoothMinGmsGain = 0.009;
    private const double SmoothHeldOutMinPsnrGainDb = 0.3;
    private const double SmoothHeldOutMinSsimGain = 0.006;
    private const double SmoothHeldOutMinGmsGain = 0.006;

    // Texture detail 0.5 (guided search, half of each detail layer), measured 2026-11-24, same conditions: tuned 19.27 /
    // 0.528 / 0.744 / texture 0.41 (Δ vs Telea +0.71 dB / −0.017 / +0.074; per case PSNR 9/10, SSIM 1/10, GS 10/10);
    // held-out 16.79 / 0.376 / 0.664 / 0.43 (Δ +0.46 / −0.012 / +0.098; PSNR 16/18, SSIM 4/18, GS 18/18). The texture
    // ratio sits between detail 0 (0.15) and detail 1 (0.67); the bounds keep it strictly between, with margin.
    private const double HalfMinTextureRatio = 0.3, HalfMaxTextureRatio = 0.55;
    private const double HalfMinPsnrGainDb = 0.4;
    private const double HalfMinGmsGain = 0.04;

    /// <summary>Columns of the contact sheet, left to right, as labelled in its header row.</summary>
    internal static readonly string[] ContactSheetColumns = ["masked", "mask", "Telea", "ours", "truth"];

    private static Scores Score(FloatImage truth, FloatImage result, byte[] hole) => new(
        ImageMetrics.Psnr(truth, result, hole, MaskRegion.Inside),
        ImageMetrics.Ssim(truth, result, hole, MaskRegion.Inside),
        GradientMetrics.MagnitudeSimilarity(truth, result, hole, MaskRegion.Inside),
        GenerativeFillTexture.Ratio(result, hole));

    internal static FloatImage Resize(FloatImage src, int side, bool dispose = false)
    {
        using var mat = ToMat(src);
        if (dispose) src.Dispose();
        using var small = new Mat();
        Cv2.Resize(mat, small, new Size(side, side), 0, 0, InterpolationFlags.Area);
        return FromMat(small);
    }

    // A white-opaque-is-hole mask image at the working size (nearest), whatever the dataset's convention.
    internal static FloatImage HoleMask(string path, int side, bool blackIsHole)
    {
        using var m = TestData.LoadMask(path, side, side);
        return Images.Filled(side, side, (x, y) =>
        {
            var v = m.Row(y)[x * 4 + 3] > 0.5f;
            return v != blackIsHole ? (1f, 1f, 1f, 1f) : (0f, 0f, 0f, 1f);
        });
    }

    internal static FloatImage Masked(FloatImage truth, byte[] hole)
    {
        var img = new FloatImage(truth.Width, truth.Height);
        truth.CopyTo(img);
        var px = img.Pixels;
        for (var i = 0; i < hole.Length; i++)
            if (hole[i] != 0) { px[i * 4] = 0.5f; px[i * 4 + 1] = 0.5f; px[i * 4 + 2] = 0.5f; }
        return img;
    }

    internal static unsafe Mat ToMat(FloatImage img)
    {
        var mat = new Mat(img.Height, img.Width, MatType.CV_32FC4);
        img.Pixels.CopyTo(new Span<float>((void*)mat.DataPointer, img.Width * img.Height * 4));
        return mat;
    }

    internal static unsafe FloatImage FromMat(Mat mat)
    {
        var img = new FloatImage(mat.Cols, mat.Rows);
        new Span<float>((void*)mat.DataPointer, img.Width * img.Height * 4).CopyTo(img.Pixels);
        return img;
    }

    // One row per case, columns ContactSheetColumns, under a header row naming them.
    private void WriteContactSheet(List<FloatImage[]> rows, string name)
    {
        const int header = 24;
        var cols = ContactSheetColumns.Length;
        using var sheet = new Mat(header + rows.Count * Side, cols * Side, MatType.CV_8UC3, Scalar.All(0));
        for (var c = 0; c < cols; c++)
            Cv2.PutText(sheet, ContactSheetColumns[c], new Point(c * Side + 8, 17), HersheyFonts.HersheySimplex, 0.6, Scalar.All(255), 1, LineTypes.AntiAlias);
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
                        sheet.Set(header + r * Side + y, c * Side + x, new Vec3b(B(row[x * 4 + 2]), B(row[x * 4 + 1]), B(row[x * 4])));
                    }
                }
            }
        var dir = Path.Combine(RepoRoot(), "out", "test-artifacts", "generative-fill");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        Assert.True(Cv2.ImWrite(path, sheet), $"could not write {path}");
        output.WriteLine($"contact sheet: {path} (columns: {string.Join(" | ", ContactSheetColumns)})");
    }

    private static string RepoRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));
}
