using Runway.Effects.Pixels;
using Runway.Models.Packs;
using Runway.Models.Processing;
using Runway.Models.Runtime;

namespace Runway.Models.Tests;

public class ProcessingTests
{
    private static ResidentModel Load(ModelPack pack) => ResidentModel.Load(pack, ModelRegistry.Estimate(pack));

    private static ModelPack Pack(string name) => PackReader.Read(Fixtures.Pack(name));

    private static float MaxDifference(FloatImage a, FloatImage b, int border = 0)
    {
        var max = 0f;
        for (var y = border; y < a.Height - border; y++)
        {
            for (var x = border; x < a.Width - border; x++)
            {
                for (var c = 0; c < 4; c++) max = Math.Max(max, Math.Abs(a.Row(y)[x * 4 + c] - b.Row(y)[x * 4 + c]));
            }
        }
        return max;
    }

    [Fact]
    public void Tile_plan_covers_the_axis_and_aligns_the_last_tile_to_the_end()
    {
        var tiling = new TilingDeclaration(32, 8, TileBlend.Feather);
        Assert.Equal([new Span1D(0, 100, 0, 0)], TilePlan.Axis(100, null));
        Assert.Equal([new Span1D(0, 32, 0, 0)], TilePlan.Axis(32, tiling));
        var spans = TilePlan.Axis(100, tiling);
        Assert.Equal([0, 24, 48, 68], spans.Select(s => s.Start));
        Assert.Equal(12, spans[3].OverlapBefore);
        Assert.Equal(12, spans[2].OverlapAfter);
    }

    [Theory]
    [InlineData(TileBlend.Feather)]
    [InlineData(TileBlend.Cut)]
    public void Tile_weights_of_neighbours_sum_to_one_across_the_overlap(TileBlend blend)
    {
        var spans = TilePlan.Axis(100, new TilingDeclaration(32, 8, blend));
        var sum = new float[100];
        var w = new float[32];
        foreach (var s in spans)
        {
            TilePlan.Weights(s, blend, w);
            for (var i = 0; i < s.Length; i++) sum[s.Start + i] += w[i];
        }
        Assert.All(sum, v => Assert.Equal(1f, v, 5));
    }

    [Theory]
    [InlineData(104, 80, TileBlend.Feather, 0)]
    [InlineData(104, 80, TileBlend.Cut, 0)]
    [InlineData(100, 77, TileBlend.Feather, 1)]
    public void Tiled_run_has_no_seam_against_an_untiled_run(int width, int height, TileBlend blend, int border)
    {
        // conv-blur's receptive field is 1 px; the feather discards the outer 2 px of each 8 px overlap, so a correct
        // tiler reproduces the untiled frame up to float rounding (measured ≤ 3e-7). Frames that are not multiples of 8
        // are padded by repetition when untiled but end at the frame edge when tiled, so their outermost pixel differs.
        var pack = Pack(Fixtures.ConvBlur) with { Tiling = new TilingDeclaration(32, 8, blend) };
        using var tiled = Load(pack);
        using var whole = Load(pack with { Tiling = null });
        using var source = Fixtures.Picture(width, height, gain: 3f);
        using var a = new FloatImage(width, height);
        using var b = new FloatImage(width, height);
        tiled.Run(source, null, a, CancellationToken.None);
        whole.Run(source, null, b, CancellationToken.None);
        Assert.True(MaxDifference(a, b, border) < 1e-5f, $"max difference {MaxDifference(a, b, border)}");
    }

    [Fact]
    public void Padding_to_the_multiple_keeps_the_frame_size_and_the_convolution_exact()
    {
        var pack = Pack(Fixtures.ConvBlur) with { Tiling = null };
        using var model = Load(pack);
        using var source = Fixtures.Picture(13, 9);
        using var output = new FloatImage(13, 9);
        model.Run(source, null, output, CancellationToken.None);
        float[] k = [1, 2, 1];
        for (var y = 1; y < 8; y++)
        {
            for (var x = 1; x < 12; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var expected = 0f;
                    for (var dy = -1; dy <= 1; dy++)
                    {
                        for (var dx = -1; dx <= 1; dx++) expected += k[dy + 1] * k[dx + 1] / 16f * source.Row(y + dy)[(x + dx) * 4 + c];
                    }
                    Assert.Equal(expected, output.Row(y)[x * 4 + c], 5);
                }
                Assert.Equal(source.Row(y)[x * 4 + 3], output.Row(y)[x * 4 + 3]);
            }
        }
    }

    [Fact]
    public void Linear_output_is_not_clipped()
    {
        using var model = Load(Pack(Fixtures.ConvBlur));
        using var source = new FloatImage(40, 40);
        source.Pixels.Fill(4f);
        using var output = new FloatImage(40, 40);
        model.Run(source, null, output, CancellationToken.None);
        Assert.Equal(4f, output.Row(20)[20 * 4], 5);
    }

    [Fact]
    public void Encoding_maps_srgb_range_and_normalisation_both_ways()
    {
        TensorDeclaration Decl(ColourEncoding enc, ValueRange range) => new("t", TensorRole.Image, TensorElement.Float32, TensorLayout.Nchw,
            [TensorDim.Of(1), TensorDim.Of(3), TensorDim.Dynamic("h"), TensorDim.Dynamic("w")], 1, range, enc, enc.IsSrgb);
        const float Mid = 0.21404114f; // linear value whose sRGB code is 0.5
        var srgb = Decl(new ColourEncoding(ColourKind.Srgb, ColourKind.Srgb, [], []), new ValueRange(0, 255));
        Assert.Equal(127.5f, TensorCodec.EncodeValue(Mid, 0, srgb, colour: true), 3);
        Assert.Equal(Mid, TensorCodec.DecodeValue(127.5f, 0, srgb, colour: true), 5);
        Assert.Equal(1f, TensorCodec.DecodeValue(400f, 0, srgb, colour: true));

        var norm = Decl(new ColourEncoding(ColourKind.Normalised, ColourKind.Srgb, [0.25f, 0.5f, 0.5f], [0.5f, 0.25f, 1f]), new ValueRange(-1, 1));
        Assert.Equal((0f - 0.25f) / 0.5f, TensorCodec.EncodeValue(Mid, 0, norm, colour: true), 5);
        Assert.Equal(Mid, TensorCodec.DecodeValue(-0.5f, 0, norm, colour: true), 5);

        var linear = Decl(ColourEncoding.Linear, ValueRange.Unit);
        Assert.Equal(7.5f, TensorCodec.DecodeValue(7.5f, 0, linear, colour: true));
        Assert.Equal(-0.25f, TensorCodec.EncodeValue(-0.25f, 0, linear, colour: true));
    }

    [Fact]
    public void Nhwc_model_with_normalised_srgb_encoding_decodes_to_the_expected_linear_values()
    {
        // nhwc-double computes y = 2x on the normalised tensor; decoding gives sRGB' = 2 sRGB − mean, clipped to 0..1.
        using var model = Load(Pack(Fixtures.NhwcDouble));
        using var source = new FloatImage(6, 5);
        float[] linear = [0.21404114f, 0.05f, 0.5f];
        float[] mean = [0.5f, 0.25f, 0f];
        for (var p = 0; p < 30; p++)
        {
            for (var c = 0; c < 3; c++) source.Pixels[p * 4 + c] = linear[c];
            source.Pixels[p * 4 + 3] = 0.75f;
        }
        using var output = new FloatImage(6, 5);
        model.Run(source, null, output, CancellationToken.None);
        for (var c = 0; c < 3; c++)
        {
            var code = Math.Clamp(2 * Oetf(linear[c]) - mean[c], 0f, 1f);
            Assert.Equal(Eotf(code), output.Pixels[4 * 17 + c], 4);
        }
        Assert.Equal(0.75f, output.Pixels[4 * 17 + 3]);
    }

    [Fact]
    public void Fixed_size_model_gets_a_resized_frame_and_returns_the_frame_size()
    {
        using var model = Load(Pack(Fixtures.FixedIdentity));
        using var source = new FloatImage(40, 24);
        for (var p = 0; p < 40 * 24; p++)
        {
            source.Pixels[p * 4] = 0.3f;
            source.Pixels[p * 4 + 1] = 2.5f;
            source.Pixels[p * 4 + 2] = -0.1f;
            source.Pixels[p * 4 + 3] = 1f;
        }
        using var output = new FloatImage(40, 24);
        model.Run(source, null, output, CancellationToken.None);
        Assert.All(Enumerable.Range(0, 40 * 24), p =>
        {
            Assert.Equal(0.3f, output.Pixels[p * 4], 5);
            Assert.Equal(2.5f, output.Pixels[p * 4 + 1], 5);
            Assert.Equal(-0.1f, output.Pixels[p * 4 + 2], 5);
        });
    }

    [Fact]
    public void Cancelled_run_throws_operation_cancelled()
    {
        using var model = Load(Pack(Fixtures.ConvBlur));
        using var source = Fixtures.Picture(64, 64);
        using var output = new FloatImage(64, 64);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => model.Run(source, null, output, cts.Token));
    }

    private static float Oetf(float v) => v <= 0.0031308f ? v * 12.92f : 1.055f * MathF.Pow(v, 1f / 2.4f) - 0.055f;

    private static float Eotf(float v) => v <= 0.04045f ? v / 12.92f : MathF.Pow((v + 0.055f) / 1.055f, 2.4f);
}
