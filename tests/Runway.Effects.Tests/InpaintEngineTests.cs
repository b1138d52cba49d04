using Runway.Effects.Definitions;
using Runway.Effects.Engines.Classical;
using Runway.Effects.Pixels;

namespace Runway.Effects.Tests;

public sealed class InpaintEngineTests
{
    private static readonly InpaintEngine Engine = new();
    private const int W = 96;
    private const int H = 64;

    // A smooth HDR field from 0.5 to about 4.0, varying in both directions, with varying alpha.
    private static FloatImage HdrSource() => Images.Filled(W, H, (x, y) =>
        (0.5f + 3.5f * x / (W - 1), 1f + 2f * y / (H - 1), 4f - 2f * x / (W - 1), 0.25f + 0.75f * y / (H - 1)));

    private static bool InRect(int x, int y, int x0, int y0, int w, int h) => x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;

    // Hole: a 16x12 rectangle at (40,26).
    private static FloatImage RectMask() => Images.Mask(W, H, (x, y) => InRect(x, y, 40, 26, 16, 12));

    private static EffectResult Render(FloatImage source, FloatImage? mask, FloatImage output, ParamSet? p = null,
        double renderScale = 1, bool interactive = false, CancellationToken ct = default) =>
        Engine.Render(Images.Frame(source, mask, output, p ?? Images.InpaintParams(), renderScale, interactive), ct);

    [Fact]
    public void No_mask_returns_the_source_bit_exactly_with_a_note()
    {
        using var source = HdrSource();
        using var output = new FloatImage(W, H);
        var result = Render(source, null, output);
        Assert.True(Images.BitEqual(source, output));
        Assert.Equal([InpaintEngine.NoteNoMask], result.Notes);
        Assert.Equal("classical/opencv", result.Engine);
    }

    [Fact]
    public void Empty_mask_returns_the_source_bit_exactly_with_a_note()
    {
        using var source = HdrSource();
        // Values at the threshold are not holes: "above the threshold" is strict.
        using var mask = Images.Filled(W, H, (_, _) => (0.5f, 0.5f, 0.5f, 1f));
        using var output = new FloatImage(W, H);
        var result = Render(source, mask, output);
        Assert.True(Images.BitEqual(source, output));
        Assert.Equal([InpaintEngine.NoteMaskEmpty], result.Notes);
    }

    [Fact]
    public void Mask_of_a_different_size_is_rejected()
    {
        using var source = HdrSource();
        using var mask = Images.Mask(W - 1, H, (_, _) => true);
        using var output = new FloatImage(W, H);
        Assert.Throws<ArgumentException>(() => Render(source, mask, output));
    }

    [Theory]
    [InlineData(InpaintDefinition.MethodTelea)]
    [InlineData(InpaintDefinition.MethodNavierStokes)]
    [InlineData(InpaintDefinition.MethodFsrFast)]
    public void Hdr_values_above_one_survive_inside_and_outside_the_hole(string method)
    {
        using var source = HdrSource();
        using var mask = RectMask();
        using var output = new FloatImage(W, H);
        Render(source, mask, output, Images.InpaintParams((InpaintDefinition.ParamMethod, method)));

        var inside = new List<float>();
        for (var y = 26; y < 38; y++)
            for (var x = 40; x < 56; x++)
                inside.Add(output.Row(y)[x * 4]);
        // Red runs 2.3..2.9 across the hole; a clipped fill would be ≤ 1.
        Assert.All(inside, v => Assert.InRange(v, 1.8f, 3.4f));
        // Far from the hole the HDR source is untouched (up to 4.0).
        Assert.Equal(4f, output.Row(0)[(W - 1) * 4]);
        Assert.Equal(source.Row(H - 1)[(W - 1) * 4 + 1], output.Row(H - 1)[(W - 1) * 4 + 1]);
    }

    [Fact]
    public void Smooth_hdr_gradient_is_filled_close_to_the_truth()
    {
        using var source = HdrSource();
        using var mask = RectMask();
        using var output = new FloatImage(W, H);
        Render(source, mask, output);
        double maxError = 0;
        for (var y = 26; y < 38; y++)
            for (var x = 40; x < 56; x++)
                for (var c = 0; c < 3; c++)
                    maxError = Math.Max(maxError, Math.Abs(output.Row(y)[x * 4 + c] - source.Row(y)[x * 4 + c]));
        // Diffusion of a linear ramp bends it a little toward the boundary average; 0.25 is ~7% of the ramp's range.
        Assert.True(maxError < 0.25, $"max fill error {maxError}");
    }

    [Fact]
    public void Alpha_is_the_source_alpha_everywhere()
    {
        using var source = HdrSource();
        using var mask = RectMask();
        using var output = new FloatImage(W, H);
        Render(source, mask, output, Images.InpaintParams((InpaintDefinition.ParamDilate, 6.0), (InpaintDefinition.ParamFeather, 6.0)));
        for (var y = 0; y < H; y++)
            for (var x = 0; x < W; x++)
                Assert.Equal(source.Row(y)[x * 4 + 3], output.Row(y)[x * 4 + 3]);
    }

    [Theory]
    [InlineData(0.0, 0.0, 1.0)]
    [InlineData(3.0, 4.0, 1.0)]
    [InlineData(8.0, 6.0, 0.5)]
    public void Output_beyond_the_dilated_and_feathered_hole_is_the_source_exactly(double dilate, double feather, double renderScale)
    {
        using var source = HdrSource();
        using var mask = RectMask();
        using var output = new FloatImage(W, H);
        Render(source, mask, output, Images.InpaintParams((InpaintDefinition.ParamDilate, dilate), (InpaintDefinition.ParamFeather, feather)),
            renderScale);
        var reach = (dilate + feather) * renderScale;
        int changedOutside = 0, changedInside = 0;
        for (var y = 0; y < H; y++)
            for (var x = 0; x < W; x++)
            {
                // Euclidean distance to the rectangle [40,55]x[26,37].
                var dx = Math.Max(0, Math.Max(40 - x, x - 55));
                var dy = Math.Max(0, Math.Max(26 - y, y - 37));
                var d = Math.Sqrt(dx * dx + dy * dy);
                var same = source.Row(y).Slice(x * 4, 4).SequenceEqual(output.Row(y).Slice(x * 4, 4));
                if (d >= reach + 1e-6 && !same) changedOutside++;
                if (d == 0 && !same) changedInside++;
            }
        Assert.Equal(0, changedOutside);
        Assert.True(changedInside > 100, $"only {changedInside} hole pixels changed");
    }

    [Fact]
    public void Feather_blends_smoothly_from_fill_to_source()
    {
        // A step source: hole colour 1 on a field of 0. With a wide feather the band pixels sit strictly between.
        using var source = Images.Filled(W, H, (x, y) => InRect(x, y, 40, 26, 16, 12) ? (1f, 1f, 1f, 1f) : (0f, 0f, 0f, 1f));
        using var mask = RectMask();
        using var output = new FloatImage(W, H);
        Render(source, mask, output, Images.InpaintParams((InpaintDefinition.ParamDilate, 0.0), (InpaintDefinition.ParamFeather, 4.0)));
        // The fill of a black surround is black, so the removed square disappears everywhere.
        for (var y = 20; y < 44; y++)
            for (var x = 34; x < 62; x++)
                Assert.InRange(output.Row(y)[x * 4], -1e-4f, 1e-4f);
    }

    [Fact]
    public void Spatial_params_scale_with_render_scale()
    {
        using var source = HdrSource();
        using var mask = RectMask();
        using var full = new FloatImage(W, H);
        using var half = new FloatImage(W, H);
        var p = Images.InpaintParams((InpaintDefinition.ParamDilate, 8.0), (InpaintDefinition.ParamFeather, 0.0));
        Render(source, mask, full, p, renderScale: 1);
        Render(source, mask, half, p, renderScale: 0.5);
        // 6 px right of the hole: inside the 8 px dilation at full scale, outside the 4 px one at half scale.
        var x = 55 + 6;
        Assert.NotEqual(source.Row(30)[x * 4], full.Row(30)[x * 4]);
        Assert.Equal(source.Row(30)[x * 4], half.Row(30)[x * 4]);
    }

    [Fact]
    public void Invert_mask_fills_where_the_mask_is_black()
    {
        using var source = HdrSource();
        using var mask = Images.Mask(W, H, (x, y) => !InRect(x, y, 40, 26, 16, 12));
        using var output = new FloatImage(W, H);
        Render(source, mask, output, Images.InpaintParams((InpaintDefinition.ParamInvertMask, true), (InpaintDefinition.ParamDilate, 0.0),
            (InpaintDefinition.ParamFeather, 0.0)));
        Assert.NotEqual(source.Row(30)[45 * 4], output.Row(30)[45 * 4]);
        Assert.Equal(source.Row(5)[5 * 4], output.Row(5)[5 * 4]);
    }

    [Theory]
    [InlineData("auto", true)]
    [InlineData("alpha", true)]
    [InlineData("luminance", false)]
    public void Mask_channel_picks_alpha_or_luminance(string channel, bool expectFill)
    {
        using var source = HdrSource();
        // Black everywhere (luminance 0) but alpha 1 in the rectangle and 0 elsewhere: alpha varies, so auto = alpha.
        using var mask = Images.Filled(W, H, (x, y) => (0f, 0f, 0f, InRect(x, y, 40, 26, 16, 12) ? 1f : 0f));
        using var output = new FloatImage(W, H);
        var result = Render(source, mask, output, Images.InpaintParams((InpaintDefinition.ParamMaskChannel, channel)));
        Assert.Equal(expectFill, !Images.BitEqual(source, output));
        if (!expectFill) Assert.Equal([InpaintEngine.NoteMaskEmpty], result.Notes);
    }

    [Fact]
    public void Auto_mask_channel_uses_luminance_when_alpha_is_constant()
    {
        using var source = HdrSource();
        using var mask = RectMask(); // opaque everywhere, white in the hole
        using var output = new FloatImage(W, H);
        Render(source, mask, output);
        Assert.NotEqual(source.Row(30)[45 * 4], output.Row(30)[45 * 4]);
    }

    [Fact]
    public void Interactive_large_hole_is_filled_at_reduced_resolution_and_stays_close()
    {
        const int w = 1400, h = 900;
        using var source = Images.Filled(w, h, (x, y) => (0.2f + 1.8f * x / w, 0.5f + y / (float)h, 0.3f, 1f));
        using var mask = Images.Mask(w, h, (x, y) => InRect(x, y, 200, 150, 900, 600));
        using var output = new FloatImage(w, h);
        var result = Render(source, mask, output, interactive: true);
        Assert.Contains(result.Notes, n => n.Contains("resolution", StringComparison.Ordinal));
        // Centre of the hole: a diffusion fill of a linear ramp lands near the truth even from coarse data.
        var truth = source.Row(450)[650 * 4];
        Assert.InRange(output.Row(450)[650 * 4], truth - 0.35f, truth + 0.35f);
        Assert.Equal(source.Row(10)[10 * 4], output.Row(10)[10 * 4]);
    }

    [Fact]
    public void Interactive_fsr_falls_back_to_telea_with_a_note()
    {
        using var source = HdrSource();
        using var mask = RectMask();
        using var output = new FloatImage(W, H);
        var result = Render(source, mask, output, Images.InpaintParams((InpaintDefinition.ParamMethod, "fsr-best")), interactive: true);
        Assert.Contains(result.Notes, n => n.Contains("telea used instead of fsr-best", StringComparison.Ordinal));
    }

    [Fact]
    public void Cancelled_token_stops_the_render()
    {
        using var source = HdrSource();
        using var mask = RectMask();
        using var output = new FloatImage(W, H);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Render(source, mask, output, ct: cts.Token));
    }

    [Fact]
    public void Concurrent_renders_on_the_shared_engine_agree()
    {
        using var source = HdrSource();
        using var mask = RectMask();
        using var reference = new FloatImage(W, H);
        Render(source, mask, reference);
        Parallel.For(0, 8, _ =>
        {
            using var output = new FloatImage(W, H);
            Render(source, mask, output);
            Assert.True(Images.BitEqual(reference, output));
        });
    }
}
