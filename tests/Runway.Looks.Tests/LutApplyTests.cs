namespace Runway.Looks.Tests;

/// <summary>Tetrahedral application: exactness, float range, alpha, strength and the parallel image path.</summary>
public sealed class LutApplyTests
{
    // A LUT of an affine map: tetrahedral (like any barycentric) interpolation reproduces affine maps exactly, so
    // any wrong weight or corner shows up as an error.
    private static readonly float[,] Matrix = { { 0.9f, 0.2f, -0.1f }, { 0.05f, 1.1f, -0.15f }, { -0.2f, 0.3f, 0.8f } };

    private static Rgb Affine(Rgb v) => new(
        Matrix[0, 0] * v.R + Matrix[0, 1] * v.G + Matrix[0, 2] * v.B + 0.01f,
        Matrix[1, 0] * v.R + Matrix[1, 1] * v.G + Matrix[1, 2] * v.B - 0.02f,
        Matrix[2, 0] * v.R + Matrix[2, 1] * v.G + Matrix[2, 2] * v.B + 0.03f);

    [Fact]
    public void Tetrahedral_interpolation_reproduces_an_affine_map_everywhere_in_the_domain()
    {
        var lut = Lut3D.FromFunction(5, Affine, Rgb.All(-0.5f), Rgb.All(2f));
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var v = new Rgb(random.NextSingle() * 2.5f - 0.5f, random.NextSingle() * 2.5f - 0.5f, random.NextSingle() * 2.5f - 0.5f);
            var want = Affine(v);
            var got = lut.Apply(v);
            Assert.True(Math.Abs(want.R - got.R) < 1e-5 && Math.Abs(want.G - got.G) < 1e-5 && Math.Abs(want.B - got.B) < 1e-5, $"{v}: {got} vs {want}");
        }
    }

    [Fact]
    public void Values_inside_an_HDR_domain_are_not_clipped_and_values_outside_are_held_at_the_edge()
    {
        var lut = Lut3D.Identity(17, Rgb.All(-0.25f), Rgb.All(4f));
        var inside = lut.Apply(new Rgb(3.7f, -0.2f, 1.5f));
        Assert.Equal(3.7f, inside.R, 5);
        Assert.Equal(-0.2f, inside.G, 5);
        Assert.Equal(1.5f, inside.B, 5);
        var outside = lut.Apply(new Rgb(9f, -3f, float.NaN));
        Assert.Equal(new Rgb(4f, -0.25f, -0.25f), outside);
    }

    [Fact]
    public void Nodes_map_exactly_to_their_table_entries()
    {
        var look = CubeFormat.Read(TestData.File("colour/luts/format-tests/iridas/Colour_Correct.cube"));
        var cube = look.Cube!;
        var i = cube.NodeIndex(2, 1, 3) * 3;
        var got = cube.Apply(new Rgb(cube.NodeInput(0, 2), cube.NodeInput(1, 1), cube.NodeInput(2, 3)));
        Assert.Equal(new Rgb(cube.Table[i], cube.Table[i + 1], cube.Table[i + 2]), got);
    }

    [Fact]
    public void Image_apply_clamps_NaN_and_out_of_domain_inputs_like_the_single_pixel_path()
    {
        var look = new Look(null, Lut3D.FromFunction(9, v => new Rgb(v.B, v.R, v.G)));
        float[] src = [float.NaN, 2f, -1f, 0.5f, .. Enumerable.Repeat(0.25f, 60)];
        var dst = new float[src.Length];
        look.Apply(src, dst, 16, 1);
        Assert.Equal(look.Apply(new Rgb(float.NaN, 2f, -1f)), new Rgb(dst[0], dst[1], dst[2]));
        Assert.Equal(new Rgb(0, 0, 1), new Rgb(dst[0], dst[1], dst[2]));
        Assert.Equal(0.5f, dst[3]);
    }

    [Fact]
    public void Image_apply_keeps_alpha_mixes_by_strength_and_matches_per_pixel_apply()
    {
        var look = new Look(Lut1D.Identity(8), Lut3D.FromFunction(9, v => new Rgb(v.G, v.B * 0.5f, 1 - v.R)));
        const int w = 300, h = 250;
        var random = new Random(3);
        var src = new float[w * h * 4];
        for (var i = 0; i < src.Length; i++) src[i] = random.NextSingle();
        var full = new float[src.Length];
        var half = new float[src.Length];
        look.Apply(src, full, w, h);
        look.Apply(src, half, w, h, strength: 0.5f);
        for (var p = 0; p < w * h; p += 97)
        {
            var one = look.Apply(new Rgb(src[p * 4], src[p * 4 + 1], src[p * 4 + 2]));
            // The image path may use the vector kernel (fused multiply-adds): equal to rounding.
            Assert.Equal(one.R, full[p * 4], 5);
            Assert.Equal(one.G, full[p * 4 + 1], 5);
            Assert.Equal(one.B, full[p * 4 + 2], 5);
            Assert.Equal(src[p * 4 + 3], full[p * 4 + 3]);
            Assert.Equal(src[p * 4 + 3], half[p * 4 + 3]);
            for (var c = 0; c < 3; c++) Assert.Equal((src[p * 4 + c] + full[p * 4 + c]) / 2, half[p * 4 + c], 5);
        }
        var none = (float[])src.Clone();
        look.Apply(none, none, w, h, strength: 0);
        Assert.Equal(src, none);
    }

    // A .cube file's own sampled shaper (LUT_1D before LUT_3D, no runway-shaper comment) runs in the AVX2 kernel since
    // 2026-11-24: its table reads are gathers and its interpolation the scalar expression a + (b − a)·f without fused
    // multiply-adds, so the shaper stage is bit-identical. The lattice after it is affine (reproduced exactly by
    // tetrahedral weights), so any wrong row, fraction or clamp would show far above the 1e-6 allowed for the lattice's
    // own fused multiply-adds. Single pixels take the scalar loop (the vector loop needs eight).
    [Fact]
    public void Sampled_shaper_in_the_vector_kernel_matches_the_scalar_path_within_1e_6()
    {
        // A steep, uneven curve per channel over different domains (one beyond 0..1, as LUT_1D_INPUT_RANGE allows).
        const int rows = 1024;
        var table = new float[rows * 3];
        for (var i = 0; i < rows; i++)
        {
            var u = i / (float)(rows - 1);
            table[i * 3] = MathF.Sqrt(u);
            table[i * 3 + 1] = u * u;
            table[i * 3 + 2] = 0.5f + 0.5f * MathF.Sin(9 * u);
        }
        var shaper = new Lut1D(rows, table, new Rgb(0, -0.25f, 0.001f), new Rgb(1, 4, 46));
        var look = new Look(shaper, Lut3D.FromFunction(17, Affine));
        Assert.Null(look.InputShaper);
        const int count = 50_003; // not a multiple of 8: the scalar tail runs too
        var random = new Random(11);
        var src = new float[count * 4];
        for (var i = 0; i < src.Length; i++) src[i] = (i & 3) == 3 ? 0.75f : random.NextSingle() * 6 - 1;
        // Exact nodes, the domain ends, just inside and past them, and values no table holds.
        float[] special = [0, -0f, 1, 4, 46, -0.25f, 0.001f, 3.9999998f, 45.99999f, 1e-30f, float.NaN, float.PositiveInfinity,
            float.NegativeInfinity, float.MaxValue, -float.MaxValue, 1f / 1023, 2f / 1023];
        for (var j = 0; j < special.Length; j++)
        {
            for (var c = 0; c < 3; c++)
            {
                src[(100 + j) * 4 + c] = special[j];
                src[(200 + j) * 4 + c] = special[(j + c) % special.Length];
            }
        }
        var vector = new float[src.Length];
        look.Apply(src, vector, count, 1);
        for (var p = 0; p < count; p++)
        {
            var scalar = look.Apply(new Rgb(src[p * 4], src[p * 4 + 1], src[p * 4 + 2]));
            for (var c = 0; c < 3; c++)
            {
                var d = Math.Abs(scalar[c] - vector[p * 4 + c]);
                Assert.True(d <= 1e-6, $"pixel {p} channel {c}: input {src[p * 4 + c]}, scalar {scalar[c]}, vector {vector[p * 4 + c]}");
            }
            Assert.Equal(0.75f, vector[p * 4 + 3]);
        }
    }
}
