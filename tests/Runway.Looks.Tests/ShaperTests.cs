using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Looks;
using Runway.Effects.Pixels;

namespace Runway.Looks.Tests;

/// <summary>Input shapers for HDR/log footage: values above 1 are graded through the lattice, not clamped.</summary>
public sealed class ShaperTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("looks-shaper-");

    public void Dispose() => _folder.Delete(recursive: true);

    // A scene-linear "grade": a little more contrast around mid grey and warmer, defined for any positive value.
    private static Rgb Grade(Rgb v) => new(
        0.18f * MathF.Pow(MathF.Max(v.R, 0) / 0.18f, 1.1f) * 1.05f,
        0.18f * MathF.Pow(MathF.Max(v.G, 0) / 0.18f, 1.1f),
        0.18f * MathF.Pow(MathF.Max(v.B, 0) / 0.18f, 1.1f) * 0.9f);

    /// <summary>A lattice that applies <see cref="Grade"/> after the given shaper (nodes at the shaper's inverse).</summary>
    private static Look GradeAfter(InputShaper shaper, int size = 33)
    {
        Rgb Inverse(Rgb u) => shaper.Kind == ShaperKind.Linear
            ? new Rgb((float)(shaper.Min + u.R * (shaper.Max - shaper.Min)), (float)(shaper.Min + u.G * (shaper.Max - shaper.Min)), (float)(shaper.Min + u.B * (shaper.Max - shaper.Min)))
            : new Rgb(Stop(u.R), Stop(u.G), Stop(u.B));
        float Stop(float u) => (float)(shaper.Middle * Math.Pow(2, shaper.Min + u * (shaper.Max - shaper.Min)));
        return new Look(null, Lut3D.FromFunction(size, u => Grade(Inverse(u)))).WithInputShaper(shaper);
    }

    [Theory]
    [InlineData("none", null)]
    [InlineData("log2", "log2:-8:8:0.18")]
    [InlineData("log2:-6:10", "log2:-6:10:0.18")]
    [InlineData("log2:-6:10:0.2", "log2:-6:10:0.2")]
    [InlineData("linear:0:16", "linear:0:16")]
    public void Shaper_text_parses(string text, string? described) => Assert.Equal(described, InputShaper.Parse(text)?.Describe());

    [Theory]
    [InlineData("linear:1:0")]
    [InlineData("log2:-8")]
    [InlineData("gamma:2.2")]
    [InlineData("log2:-8:8:0")]
    public void Bad_shaper_text_is_refused(string text) => Assert.Throws<ArgumentException>(() => InputShaper.Parse(text));

    [Fact]
    public void Log2_shaper_grades_values_above_1_instead_of_clamping()
    {
        var shaped = GradeAfter(InputShaper.DefaultLog2);
        foreach (var v in new[] { 0.01f, 0.18f, 1f, 2.5f, 10f, 40f })
        {
            var expected = Grade(Rgb.All(v));
            var got = shaped.Apply(Rgb.All(v));
            // Exact at nodes; between nodes (half a stop apart) the power curve is interpolated linearly, which errs by
            // up to 1.8% of the value mid-cell: 2.5% allowed.
            Assert.True(Math.Abs(got.R - expected.R) <= 0.025f * expected.R, $"{v}: R {got.R} vs {expected.R}");
            Assert.True(Math.Abs(got.B - expected.B) <= 0.025f * expected.B, $"{v}: B {got.B} vs {expected.B}");
        }
        // Without the shaper the same lattice sees 2.5 and 10 as the same (clamped) input.
        var unshaped = shaped.WithInputShaper(null);
        Assert.Equal(unshaped.Apply(Rgb.All(2.5f)), unshaped.Apply(Rgb.All(10f)));
        Assert.True(shaped.Apply(Rgb.All(10f)).G > 2 * shaped.Apply(Rgb.All(2.5f)).G);
    }

    [Fact]
    public void Log2_shaper_on_images_matches_the_exact_function_within_1e_5()
    {
        // After an identity lattice the output is the shaper's lattice coordinate itself (tetrahedral interpolation is
        // exact on linear functions), so the image path (eight pixels at a time where AVX2 exists) can be checked
        // against the formula in double precision, across the range and beyond both ends.
        var shaper = InputShaper.DefaultLog2;
        var look = new Look(null, Lut3D.Identity(33)).WithInputShaper(shaper);
        const int count = 4099; // not a multiple of 8: the scalar tail runs too
        var pixels = new float[count * 4];
        var random = new Random(11);
        for (var i = 0; i < count; i++)
        {
            for (var c = 0; c < 3; c++) pixels[i * 4 + c] = (float)(0.18 * Math.Pow(2, random.NextDouble() * 20 - 10));
            pixels[i * 4 + 3] = 0.75f;
        }
        float[] special = [0, -1, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, 1e30f, 0.18f];
        for (var i = 0; i < special.Length; i++) pixels[i * 4 + i % 3] = special[i];
        var output = new float[pixels.Length];
        look.Apply(pixels, output, count, 1);
        for (var i = 0; i < count * 4; i++)
        {
            if ((i & 3) == 3)
            {
                Assert.Equal(0.75f, output[i]);
                continue;
            }
            var v = pixels[i];
            var expected = v > 0 ? Math.Clamp((Math.Log2(v / 0.18) + 8) / 16, 0, 1) : 0;
            Assert.True(Math.Abs(output[i] - expected) <= 1e-5, $"value {v}: {output[i]} vs {expected}");
        }
    }

    [Fact]
    public void Linear_shaper_is_folded_into_the_lattice_scale_and_matches_the_formula()
    {
        var shaper = new InputShaper(ShaperKind.Linear, 0, 16);
        var look = GradeAfter(shaper, 65);
        var got = look.Apply(new Rgb(8, 4, 12));
        var expected = Grade(new Rgb(8, 4, 12));
        Assert.Equal(expected.R, got.R, 0.02f * expected.R);
        Assert.Equal(expected.B, got.B, 0.02f * expected.B);
        // The image path (AVX2 when available) agrees with the single-colour path.
        var pixels = new float[16 * 4];
        for (var i = 0; i < 16; i++) (pixels[i * 4], pixels[i * 4 + 1], pixels[i * 4 + 2], pixels[i * 4 + 3]) = (i, 15 - i, i * 0.5f, 0.5f);
        var output = new float[pixels.Length];
        look.Apply(pixels, output, 16, 1);
        for (var i = 0; i < 16; i++)
        {
            var one = look.Apply(new Rgb(pixels[i * 4], pixels[i * 4 + 1], pixels[i * 4 + 2]));
            Assert.Equal(one.R, output[i * 4], 1e-4f * MathF.Max(1, one.R));
            Assert.Equal(0.5f, output[i * 4 + 3]);
        }
    }

    [Fact]
    public void Cube_file_carries_the_shaper_as_a_table_and_its_exact_form()
    {
        var look = GradeAfter(InputShaper.DefaultLog2, 17);
        var path = Path.Combine(_folder.FullName, "hdr.cube");
        CubeFormat.Write(path, look, CubeDialect.Resolve);
        var text = File.ReadAllText(path);
        Assert.Contains("LUT_1D_SIZE 4096", text);
        Assert.Matches(@"LUT_1D_INPUT_RANGE 0\.000703 46\.0(79|80)\d*\n", text);
        Assert.Contains("# runway-shaper: log2:-8:8:0.18", text);
        var back = CubeFormat.Read(path);
        Assert.Equal(InputShaper.DefaultLog2, back.InputShaper);
        Assert.Equal(look.Apply(Rgb.All(0.003f)).G, back.Apply(Rgb.All(0.003f)).G, 1e-5f);
        // A reader that only knows the sampled table (Resolve) is close in the mid-tones and highlights.
        var tableOnly = new Look(back.Shaper, back.Cube);
        Assert.Null(tableOnly.InputShaper);
        Assert.Equal(look.Apply(Rgb.All(5f)).G, tableOnly.Apply(Rgb.All(5f)).G, 0.01f * 5);
    }

    [Fact]
    public void Fit_after_a_log2_shaper_learns_an_hdr_grade_from_pairs()
    {
        var random = new Random(3);
        var samples = new LookSamples();
        for (var i = 0; i < 20000; i++)
        {
            // Scene-linear colours from 0.002 to 40, log-uniform per channel.
            var v = new Rgb(Draw(), Draw(), Draw());
            samples.Add(v, Grade(v));
        }
        float Draw() => 0.18f * MathF.Pow(2, random.NextSingle() * 14 - 6.5f);
        var shaper = InputShaper.DefaultLog2;
        var (lut, _) = LutFitter.Fit(samples.Shaped(shaper), new LutFitOptions { Size = 33 });
        var look = new Look(null, lut).WithInputShaper(shaper);
        // Inside the sampled range on all three channels (B = 1.2·v stays below the 7.5 stops drawn).
        foreach (var v in new[] { 0.05f, 0.5f, 3f, 10f })
        {
            var expected = Grade(new Rgb(v, v * 0.7f, v * 1.2f));
            var got = look.Apply(new Rgb(v, v * 0.7f, v * 1.2f));
            // Half-stop cells interpolate the power curve within 1.8%; the fit adds a little: 4% + 0.002 allowed.
            Assert.True(Math.Abs(got.G - expected.G) <= 0.04f * expected.G + 0.002f, $"{v}: G {got.G} vs {expected.G}");
        }
    }

    [Fact]
    public void Effect_shaper_param_grades_hdr_pixels_and_keeps_alpha()
    {
        // A plain 0..1 look (no shaper in the file) applied with the effect's log2 shaper.
        var path = Path.Combine(_folder.FullName, "plain.cube");
        CubeFormat.Write(path, new Look(null, Lut3D.FromFunction(17, v => new Rgb(v.R * 2, v.G * 2, v.B * 2))), CubeDialect.Resolve);
        using var source = new FloatImage(3, 1);
        float[] values = [0.5f, 4f, 30f];
        for (var i = 0; i < 3; i++) (source.Pixels[i * 4], source.Pixels[i * 4 + 1], source.Pixels[i * 4 + 2], source.Pixels[i * 4 + 3]) = (values[i], values[i], values[i], 0.25f);
        var engine = new LearnedLookEngine(_folder.FullName);

        float[] Render(string shaper)
        {
            using var output = new FloatImage(3, 1);
            var result = engine.Render(new EffectFrame(source, null, output, ParamSet.Bind(LearnedLookDefinition.Definition,
                new Dictionary<string, object> { ["look"] = "plain", ["shaper"] = shaper }), 0, 1, false, "test"), CancellationToken.None);
            Assert.Contains(shaper == "log2" ? "log2:-8:8:0.18 shaper" : "17³", string.Join(";", result.Notes));
            Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(0.25f, output.Pixels[i * 4 + 3]));
            return output.Pixels.ToArray();
        }

        var clamped = Render("look");
        Assert.Equal(clamped[4], clamped[8]); // 4 and 30 both clamp to the last node
        var graded = Render("log2");
        Assert.True(graded[0] < graded[4] && graded[4] < graded[8], $"{graded[0]} {graded[4]} {graded[8]}");
        Assert.True(graded[8] > 1);
    }
}
