namespace Runway.Looks.Tests;

/// <summary>.cube reading and writing on the real format-test files (Adobe/Iridas, Resolve, OCIO) and the real looks.</summary>
public sealed class CubeFormatTests
{
    public static TheoryData<string> AllCubeFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in TestData.Files("colour/luts/format-tests", ".cube")) data.Add(Path.GetRelativePath(TestData.Root, f));
        foreach (var f in TestData.Files("colour/luts/looks", ".cube")) data.Add(Path.GetRelativePath(TestData.Root, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(AllCubeFiles))]
    public void Every_real_cube_file_reads_and_survives_a_round_trip_in_its_dialects(string relative)
    {
        var look = CubeFormat.Read(TestData.File(relative));
        Assert.True(look.Shaper is not null || look.Cube is not null);
        var dialects = new List<CubeDialect>();
        if ((look.Shaper?.HasUniformDomain ?? true) && (look.Cube?.HasUniformDomain ?? true)) dialects.Add(CubeDialect.Resolve);
        if (look.Shaper is null || look.Cube is null) dialects.Add(CubeDialect.Adobe);
        Assert.NotEmpty(dialects);
        foreach (var dialect in dialects)
        {
            var text = new StringWriter();
            CubeFormat.Write(text, look, dialect);
            var back = CubeFormat.Read(new StringReader(text.ToString()), relative);
            Assert.Equal(look.Title, back.Title);
            AssertTablesEqual(look.Shaper?.Table, back.Shaper?.Table);
            AssertTablesEqual(look.Cube?.Table, back.Cube?.Table);
            Assert.Equal(look.Cube?.DomainMin, back.Cube?.DomainMin);
            Assert.Equal(look.Cube?.DomainMax, back.Cube?.DomainMax);
            Assert.Equal(look.Shaper?.DomainMin, back.Shaper?.DomainMin);
            Assert.Equal(look.Shaper?.DomainMax, back.Shaper?.DomainMax);
        }
    }

    private static void AssertTablesEqual(float[]? expected, float[]? actual)
    {
        Assert.Equal(expected is null, actual is null);
        if (expected is null) return;
        Assert.Equal(expected.Length, actual!.Length);
        // Six decimals are written, as Resolve does.
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 5e-7 + 1e-6 * Math.Abs(expected[i]), $"value {i}: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void Adobe_domain_per_channel_is_read_from_DOMAIN_MIN_and_MAX()
    {
        var look = CubeFormat.Read(TestData.File("colour/luts/format-tests/iridas/Demo.cube"));
        Assert.Equal("Demo", look.Title);
        Assert.Null(look.Cube);
        Assert.Equal(new Rgb(0, 0, 0), look.Shaper!.DomainMin);
        Assert.Equal(new Rgb(1, 2, 3), look.Shaper.DomainMax);
        Assert.Contains("Comments can go anywhere", look.Comments);
        // Halfway along each channel's own domain lands on the middle row (0.5, 1, 1.5).
        Assert.Equal(new Rgb(0.5f, 1f, 1.5f), look.Apply(new Rgb(0.5f, 1f, 1.5f)));
    }

    [Fact]
    public void Resolve_shaper_and_cube_keep_their_own_input_ranges()
    {
        var look = CubeFormat.Read(TestData.File("colour/luts/format-tests/ocio/resolve_1d3d.cube"));
        Assert.Equal(6, look.Shaper!.Size);
        Assert.Equal(Rgb.All(-1), look.Shaper.DomainMin);
        Assert.Equal(Rgb.All(3), look.Shaper.DomainMax);
        Assert.Equal(3, look.Cube!.Size);
        Assert.Equal(Rgb.All(0), look.Cube.DomainMin);
        Assert.Equal(Rgb.All(4), look.Cube.DomainMax);
        // The shaper's first row (3.3, 3.4, 3.5) is what input −1 becomes before the cube.
        Assert.Equal(new Rgb(3.3f, 3.4f, 3.5f), look.Shaper.Apply(Rgb.All(-1)));
        var composed = look.Cube.Apply(look.Shaper.Apply(new Rgb(0.2f, 1.1f, 2.5f)));
        Assert.Equal(composed, look.Apply(new Rgb(0.2f, 1.1f, 2.5f)));
    }

    [Fact]
    public void A_3D_only_file_with_LUT_1D_INPUT_RANGE_uses_that_range_for_its_cube()
    {
        // colour 0.3.11 wrote this sRGB EOTF cube over −1..3 with the 1D keyword; its first node is eotf(−1) = −1/12.92.
        var look = CubeFormat.Read(TestData.File("colour/luts/format-tests/resolve/eotf_sRGB_3D.cube"));
        Assert.Equal(Rgb.All(-1), look.Cube!.DomainMin);
        Assert.Equal(Rgb.All(3), look.Cube.DomainMax);
        Assert.Equal(-1 / 12.92f, look.Cube.Table[0], 5);
    }

    [Fact]
    public void Resolve_shaper_without_ranges_defaults_to_unit_domains()
    {
        var look = CubeFormat.Read(TestData.File("colour/luts/format-tests/resolve/LogC_Video.cube"));
        Assert.Equal(16, look.Shaper!.Size);
        Assert.Equal(4, look.Cube!.Size);
        Assert.True(look.Shaper.HasDefaultDomain && look.Cube.HasDefaultDomain);
        Assert.Equal(2, look.Comments.Count);
    }

    [Fact]
    public void Unit_cube_is_the_identity_and_RGB_scale_cube_scales_channels()
    {
        var unit = CubeFormat.Read(TestData.File("colour/luts/format-tests/iridas/Unit.cube"));
        var v = new Rgb(0.123f, 0.77f, 0.5f);
        var u = unit.Apply(v);
        Assert.Equal(v.R, u.R, 5);
        Assert.Equal(v.G, u.G, 5);
        Assert.Equal(v.B, u.B, 5);
        var scale = CubeFormat.Read(TestData.File("colour/luts/format-tests/iridas/RGB_1_0.5_0.25.cube")).Apply(Rgb.All(0.8f));
        Assert.Equal(0.8f, scale.R, 5);
        Assert.Equal(0.4f, scale.G, 5);
        Assert.Equal(0.2f, scale.B, 5);
    }

    [Fact]
    public void Adobe_dialect_bakes_a_shaper_into_one_table_and_Resolve_keeps_both()
    {
        var look = CubeFormat.Read(TestData.File("colour/luts/format-tests/resolve/LogC_Video.cube"));
        var adobe = new StringWriter();
        CubeFormat.Write(adobe, look, CubeDialect.Adobe);
        var baked = CubeFormat.Read(new StringReader(adobe.ToString()));
        Assert.Null(baked.Shaper);
        Assert.Equal(4, baked.Cube!.Size);
        // At the lattice nodes the bake is exact.
        var node = Rgb.All(1f / 3);
        var want = look.Apply(node);
        var got = baked.Apply(node);
        Assert.Equal(want.R, got.R, 5);
        var resolve = new StringWriter();
        CubeFormat.Write(resolve, look, CubeDialect.Resolve);
        var text = resolve.ToString();
        Assert.StartsWith("TITLE \"AlexaV3 K1S1 LogC to Video Rec709\"\n#", text);
        Assert.Contains("LUT_1D_SIZE 16\nLUT_3D_SIZE 4\n", text);
        Assert.DoesNotContain("DOMAIN", text);
    }

    [Theory]
    [InlineData("LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n", 0, "needs 8 table rows but the file has 3")]
    [InlineData("LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 x\n", 4, "'x' is not a finite number")]
    [InlineData("TITLE \"t\"\nLUT_3D_SIZE 1\n", 2, "LUT_3D_SIZE 1 is outside 2..256")]
    [InlineData("LUT_3D_SIZE 2\nLUT_SIZE_WRONG 3\n", 2, "unknown keyword 'LUT_SIZE_WRONG'")]
    [InlineData("# only a comment\n0 0 0\n", 2, "table data before LUT_1D_SIZE or LUT_3D_SIZE")]
    [InlineData("LUT_1D_SIZE 2\n0 0 0\n1 1 1\n2 2 2\n", 4, "more rows than the header declares")]
    [InlineData("LUT_1D_SIZE 2\n0 0 0\nDOMAIN_MIN 0 0 0\n1 1 1\n", 3, "keyword DOMAIN_MIN after the table data began on line 2")]
    [InlineData("LUT_1D_SIZE 2\nDOMAIN_MIN 0 0\n0 0 0\n1 1 1\n", 2, "DOMAIN_MIN wants three numbers")]
    [InlineData("LUT_1D_SIZE 2\nLUT_1D_INPUT_RANGE 1 0\n0 0 0\n1 1 1\n", 2, "max 0 must exceed min 1")]
    [InlineData("LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n", 2, "LUT_3D_SIZE appears twice")]
    [InlineData("LUT_1D_SIZE 2\n0 0\n1 1 1\n", 2, "a table row wants three numbers")]
    [InlineData("", 0, "no LUT_1D_SIZE or LUT_3D_SIZE line")]
    public void Bad_files_fail_with_the_line_and_the_problem(string text, int line, string problem)
    {
        var e = Assert.Throws<CubeFormatException>(() => CubeFormat.Read(new StringReader(text), "bad.cube"));
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message);
        Assert.StartsWith(line > 0 ? $"bad.cube:{line}: " : "bad.cube: ", e.Message);
    }

    [Fact]
    public void Write_to_a_file_replaces_it_atomically_and_reads_back()
    {
        var dir = Directory.CreateTempSubdirectory("looks-cube-");
        try
        {
            var path = Path.Combine(dir.FullName, "x.cube");
            var look = new Look(null, Lut3D.Identity(5), "x", ["made by a test"]);
            CubeFormat.Write(path, look, CubeDialect.Resolve);
            Assert.Single(Directory.GetFiles(dir.FullName));
            var back = CubeFormat.Read(path);
            Assert.Equal(5, back.Cube!.Size);
            Assert.Equal(["made by a test"], back.Comments);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
