using Runway.Effects.Definitions;
using Runway.Effects.Engines.Style;
using Runway.Effects.Pixels;

namespace Runway.Effects.Tests;

/// <summary>Behaviour of the classical style transfer engine on small synthetic pictures.</summary>
public sealed class StyleTransferEngineTests
{
    private static FloatImage Content(float scale = 1f) => Images.Filled(96, 64, (x, y) =>
        (scale * (0.1f + 0.6f * x / 95f), scale * (0.2f + 0.3f * y / 63f), scale * (0.15f + 0.2f * ((x / 8 + y / 8) % 2)), 0.25f + 0.75f * x / 95f));

    private static FloatImage WarmReference() => Images.Filled(40, 30, (x, y) =>
        (0.5f + 0.4f * x / 39f, 0.2f + 0.1f * y / 29f, 0.02f + 0.03f * ((x + y) % 3), 1f));

    private static StyleTransferEngine Engine() => new();

    [Fact]
    public void Definition_is_registered_with_an_optional_reference_clip_and_the_previous_frame()
    {
        var d = EffectCatalog.Find(StyleTransferDefinition.Id);
        Assert.NotNull(d);
        Assert.Contains(d!, EffectCatalog.Visible);
        var reference = Assert.Single(d!.Clips, c => c.Name == StyleTransferDefinition.ClipReference);
        Assert.True(reference.Optional);
        Assert.False(reference.IsMask);
        Assert.Equal(1, d.FramesNeeded.Before);
        Assert.Equal(0, d.FramesNeeded.After);
        Assert.IsType<StyleTransferEngine>(EffectCatalog.Create(StyleTransferDefinition.Id));
        Assert.Contains("\"com.runwayml.style-transfer\"", EffectCatalog.ToJson());
    }

    [Fact]
    public void Colour_transfer_moves_the_mean_colour_to_the_reference()
    {
        using var source = Content();
        using var reference = WarmReference();
        using var output = new FloatImage(source.Width, source.Height);
        var p = StyleTransferMedia.Params((StyleTransferDefinition.ParamTexture, StyleTransferDefinition.TextureNone));
        var result = Engine().Render(StyleTransferMedia.Frame(source, output, p, reference), CancellationToken.None);

        var want = ColourStatistics.Measure(reference, 1 << 20, false).Mean;
        var before = ColourStatistics.Measure(source, 1 << 20, false).Mean;
        var got = ColourStatistics.Measure(output, 1 << 20, false).Mean;
        for (var c = 0; c < 3; c++) Assert.True(Math.Abs(got[c] - want[c]) < 0.01, $"Oklab channel {c}: {got[c]} vs reference {want[c]} (source {before[c]})");
        Assert.Contains(result.Notes, n => n.StartsWith("colour: covariance", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(StyleTransferDefinition.TextureStylize)]
    [InlineData(StyleTransferDefinition.TexturePencil)]
    [InlineData(StyleTransferDefinition.TextureDetailEnhance)]
    [InlineData(StyleTransferDefinition.TextureEdgePreserving)]
    public void Texture_keeps_alpha_and_values_above_one(string texture)
    {
        // A bright HDR block (linear 6.0) inside an ordinary picture.
        using var source = Images.Filled(96, 64, (x, y) =>
        {
            var hot = x is >= 30 and < 70 && y is >= 16 and < 48;
            return hot ? (6f, 5f, 4f, 0.5f) : (0.2f + 0.3f * ((x / 6) % 2), 0.3f, 0.25f, 1f);
        });
        using var output = new FloatImage(source.Width, source.Height);
        var p = StyleTransferMedia.Params((StyleTransferDefinition.ParamTexture, texture), (StyleTransferDefinition.ParamTextureStrength, 1.0),
            (StyleTransferDefinition.ParamTextureSize, 10.0));
        Engine().Render(StyleTransferMedia.Frame(source, output, p), CancellationToken.None);

        var src = source.Pixels;
        var dst = output.Pixels;
        for (var i = 3; i < src.Length; i += 4) Assert.Equal(src[i], dst[i]);
        var centre = output.Row(32).Slice(50 * 4, 4);
        Assert.True(centre[0] > 2f && centre[1] > 2f && centre[2] > 1.5f, $"HDR centre came back as {centre[0]}, {centre[1]}, {centre[2]}");
        Assert.All(dst.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.False(Images.BitEqual(source, output), "the texture changed nothing");
    }

    [Fact]
    public void Texture_strength_zero_and_no_reference_return_the_source_exactly()
    {
        using var source = Content(3f);
        using var output = new FloatImage(source.Width, source.Height);
        var p = StyleTransferMedia.Params((StyleTransferDefinition.ParamTextureStrength, 0.0));
        Engine().Render(StyleTransferMedia.Frame(source, output, p), CancellationToken.None);
        Assert.True(Images.BitEqual(source, output));
    }

    [Fact]
    public void Preserve_luminance_keeps_the_source_lightness_and_preserve_colour_its_chroma()
    {
        using var source = Content();
        using var reference = WarmReference();
        using var keepL = new FloatImage(source.Width, source.Height);
        using var keepC = new FloatImage(source.Width, source.Height);
        Engine().Render(StyleTransferMedia.Frame(source, keepL, StyleTransferMedia.Params(
            (StyleTransferDefinition.ParamPreserveLuminance, true)), reference), CancellationToken.None);
        Engine().Render(StyleTransferMedia.Frame(source, keepC, StyleTransferMedia.Params(
            (StyleTransferDefinition.ParamPreserveColour, true)), reference), CancellationToken.None);

        var s = source.Pixels;
        var l = keepL.Pixels;
        var c = keepC.Pixels;
        double chromaChange = 0, lightnessChange = 0;
        for (var i = 0; i < s.Length; i += 4)
        {
            Oklab.FromLinear(s[i], s[i + 1], s[i + 2], out var sl, out var sa, out var sb);
            Oklab.FromLinear(l[i], l[i + 1], l[i + 2], out var ll, out var la, out var lb);
            Oklab.FromLinear(c[i], c[i + 1], c[i + 2], out var cl, out var ca, out var cb);
            Assert.True(Math.Abs(ll - sl) < 1e-3, $"lightness {ll} vs source {sl}");
            Assert.True(Math.Abs(ca - sa) < 1e-3 && Math.Abs(cb - sb) < 1e-3, $"chroma {ca},{cb} vs source {sa},{sb}");
            chromaChange += Math.Abs(la - sa) + Math.Abs(lb - sb);
            lightnessChange += Math.Abs(cl - sl);
        }
        Assert.True(chromaChange / (s.Length / 4) > 0.01, "preserve luminance should still change the colour");
        Assert.True(lightnessChange / (s.Length / 4) > 0.005, "preserve colour should still change the tone");
    }

    [Fact]
    public void Stabilised_render_depends_only_on_the_frames_not_on_render_order()
    {
        using var a = Content();
        using var b = Images.Filled(96, 64, (x, y) => (0.1f + 0.6f * Math.Max(0, x - 2) / 95f, 0.2f + 0.3f * y / 63f, 0.15f + 0.2f * (((x + 2) / 8 + y / 8) % 2), 1f));
        using var reference = WarmReference();
        using var first = new FloatImage(96, 64);
        using var again = new FloatImage(96, 64);
        using var other = new FloatImage(96, 64);
        var engine = Engine();
        var p = StyleTransferMedia.Params((StyleTransferDefinition.ParamTemporal, 0.8), (StyleTransferDefinition.ParamTextureSize, 10.0));
        var r1 = engine.Render(StyleTransferMedia.Frame(b, first, p, reference, time: 11, neighbours: [new TimedImage(10, a, null)]), CancellationToken.None);
        // Render other frames in between (and the previous one after), as hosts do.
        engine.Render(StyleTransferMedia.Frame(a, other, p, reference, time: 10), CancellationToken.None);
        engine.Render(StyleTransferMedia.Frame(b, other, p, reference, time: 12, neighbours: [new TimedImage(11, b, null)]), CancellationToken.None);
        engine.Render(StyleTransferMedia.Frame(b, again, p, reference, time: 11, neighbours: [new TimedImage(10, a, null), new TimedImage(12, a, null)]), CancellationToken.None);
        Assert.True(Images.BitEqual(first, again));
        Assert.Contains(r1.Notes, n => n.StartsWith("stabilised with frame 10", StringComparison.Ordinal));
    }

    [Fact]
    public void Interactive_render_skips_stabilisation_and_says_so()
    {
        using var a = Content();
        using var output = new FloatImage(96, 64);
        var result = Engine().Render(StyleTransferMedia.Frame(a, output, StyleTransferMedia.Params(), time: 5,
            neighbours: [new TimedImage(4, a, null)], interactive: true), CancellationToken.None);
        Assert.Contains("draft: stabilisation skipped", result.Notes);
        Assert.Contains(result.Notes, n => n.Contains("(draft)", StringComparison.Ordinal));
    }

    [Fact]
    public void Cancelled_render_throws()
    {
        using var a = Content();
        using var output = new FloatImage(96, 64);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Engine().Render(StyleTransferMedia.Frame(a, output, StyleTransferMedia.Params()), cts.Token));
    }

    [Fact]
    public void Missing_reference_file_is_a_param_error()
    {
        using var a = Content();
        using var output = new FloatImage(96, 64);
        var p = StyleTransferMedia.Params((StyleTransferDefinition.ParamReferencePath, "/nonexistent/style.png"));
        var e = Assert.Throws<ParamException>(() => Engine().Render(StyleTransferMedia.Frame(a, output, p), CancellationToken.None));
        Assert.Contains("style.png", e.Message);
    }

    [Fact]
    public void Reference_file_and_reference_clip_of_the_same_picture_give_the_same_colours()
    {
        var path = TestData.File("style/styles/udnie.jpg");
        using var clip = StyleTransferMedia.LoadLinear(path, 4096);
        using var source = Content();
        using var fromClip = new FloatImage(96, 64);
        using var fromFile = new FloatImage(96, 64);
        var none = (StyleTransferDefinition.ParamTexture, (object)StyleTransferDefinition.TextureNone);
        Engine().Render(StyleTransferMedia.Frame(source, fromClip, StyleTransferMedia.Params(none), clip), CancellationToken.None);
        Engine().Render(StyleTransferMedia.Frame(source, fromFile, StyleTransferMedia.Params(none, (StyleTransferDefinition.ParamReferencePath, path))), CancellationToken.None);
        var x = fromClip.Pixels;
        var y = fromFile.Pixels;
        for (var i = 0; i < x.Length; i++) Assert.True(Math.Abs(x[i] - y[i]) < 2e-3, $"value {i}: clip {x[i]} vs file {y[i]}");
    }

    [Fact]
    public void Reference_statistics_are_cached_by_content()
    {
        using var r1 = WarmReference();
        using var r2 = WarmReference();
        var cache = new ReferenceCache();
        Assert.Same(cache.ForImage(r1), cache.ForImage(r2));
        r2.Row(0)[0] += 0.5f;
        Assert.NotSame(cache.ForImage(r1), cache.ForImage(r2));
    }
}
