using Runway.Effects.Definitions;
using Runway.Effects.Engines.Rotoscope;
using Runway.Effects.Pixels;
using R = Runway.Effects.Definitions.RotoscopeDefinition;

namespace Runway.Effects.Tests;

public sealed class RotoscopeEngineTests
{
    private const int W = 160;
    private const int H = 120;
    private const int Radius = 25;

    /// <summary>A textured red disc (values up to 2.0, i.e. above 1) at (cx, cy) over a textured blue-green background.</summary>
    private static FloatImage Scene(double cx, double cy) => Images.Filled(W, H, (x, y) =>
    {
        var inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= Radius * Radius;
        if (inside)
        {
            var v = 0.5f * (float)Math.Sin((x - cx) * 0.6) * (float)Math.Cos((y - cy) * 0.5);
            return (1.5f + v, 0.1f, 0.1f, 1f);
        }
        var b = 0.15f * (float)Math.Sin(x * 0.45) * (float)Math.Cos(y * 0.37);
        return (0.05f, 0.35f + b, 0.45f - b, 1f);
    });

    private static byte[] Disc(double cx, double cy)
    {
        var m = new byte[W * H];
        for (var y = 0; y < H; y++)
            for (var x = 0; x < W; x++)
                m[y * W + x] = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= Radius * Radius ? (byte)1 : (byte)0;
        return m;
    }

    private static FloatImage MaskOf(byte[] m) => Images.Mask(W, H, (x, y) => m[y * W + x] != 0);

    private static byte[] Alpha(FloatImage output)
    {
        var px = output.Pixels;
        var m = new byte[W * H];
        for (var i = 0; i < m.Length; i++) m[i] = px[i * 4 + 3] > 0.5f ? (byte)1 : (byte)0;
        return m;
    }

    private static ParamSet Params(params (string Name, object Value)[] values) =>
        ParamSet.Bind(R.Definition, values.ToDictionary(v => v.Name, v => v.Value));

    private static EffectFrame Frame(FloatImage source, FloatImage? mask, FloatImage output, ParamSet p, double time = 0,
        bool interactive = false, IReadOnlyList<TimedImage>? neighbours = null) =>
        new(source, mask, output, p, time, 1, interactive, "roto-test") { Neighbours = neighbours ?? [] };

    [Fact]
    public void Keyframe_matte_goes_to_alpha_and_colour_above_one_passes_untouched()
    {
        using var source = Scene(80, 60);
        using var mask = MaskOf(Disc(80, 60));
        using var output = new FloatImage(W, H);
        var result = new RotoscopeEngine().Render(Frame(source, mask, output, Params()), CancellationToken.None);

        Assert.True(SegmentationMetrics_J(Alpha(output), Disc(80, 60)) > 0.95);
        var s = source.Pixels;
        var o = output.Pixels;
        for (var i = 0; i < s.Length; i += 4)
        {
            Assert.Equal(s[i], o[i]);
            Assert.Equal(s[i + 1], o[i + 1]);
            Assert.Equal(s[i + 2], o[i + 2]);
        }
        Assert.Contains(result.Notes, n => n.Contains("keyframe"));
    }

    [Fact]
    public void Sequential_render_carries_a_keyframe_beyond_the_search_window()
    {
        var engine = new RotoscopeEngine();
        var p = Params((R.ParamWindow, 1L));
        using var empty = MaskOf(new byte[W * H]);
        using var hint = MaskOf(Disc(50, 60));
        var frames = Enumerable.Range(0, 12).Select(t => Scene(50 + 4 * t, 60)).ToArray();
        try
        {
            using var output = new FloatImage(W, H);
            EffectResult? last = null;
            for (var t = 0; t < frames.Length; t++)
            {
                var neighbours = new List<TimedImage>();
                if (t > 0) neighbours.Add(new TimedImage(t - 1, frames[t - 1], t == 1 ? hint : empty));
                if (t < frames.Length - 1) neighbours.Add(new TimedImage(t + 1, frames[t + 1], empty));
                last = engine.Render(Frame(frames[t], t == 0 ? hint : empty, output, p, t, neighbours: neighbours), CancellationToken.None);
            }
            // 11 frames (44 px) from the keyframe with a ±1 window: only the cache can have carried it.
            Assert.True(SegmentationMetrics_J(Alpha(output), Disc(50 + 4 * 11, 60)) > 0.85);
            Assert.Contains(last!.Notes, n => n.Contains("cached matte at t=10"));
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
        }
    }

    [Fact]
    public void Keyframes_on_both_sides_are_blended()
    {
        using var f0 = Scene(60, 60);
        using var f1 = Scene(64, 60);
        using var f2 = Scene(68, 60);
        using var k0 = MaskOf(Disc(60, 60));
        using var k2 = MaskOf(Disc(68, 60));
        using var empty = MaskOf(new byte[W * H]);
        using var output = new FloatImage(W, H);
        var neighbours = new[] { new TimedImage(2, f2, k2), new TimedImage(0, f0, k0) };
        var result = new RotoscopeEngine().Render(Frame(f1, empty, output, Params(), 1, neighbours: neighbours), CancellationToken.None);

        Assert.Contains(result.Notes, n => n.StartsWith("bidirectional"));
        Assert.True(SegmentationMetrics_J(Alpha(output), Disc(64, 60)) > 0.9);
    }

    [Fact]
    public void Without_any_hint_the_matte_is_empty_and_the_notes_say_why()
    {
        using var source = Scene(80, 60);
        using var output = new FloatImage(W, H);
        var result = new RotoscopeEngine().Render(Frame(source, null, output, Params()), CancellationToken.None);

        Assert.All(Alpha(output), v => Assert.Equal(0, v));
        Assert.Contains(RotoscopeEngine.NoteNoHint, result.Notes);
    }

    [Fact]
    public void Rectangle_alone_segments_a_contrasting_subject()
    {
        using var source = Scene(80, 60);
        using var output = new FloatImage(W, H);
        var p = Params((R.ParamUseRect, true), (R.ParamRectCentre, new[] { 80.0, 60.0 }), (R.ParamRectSize, new[] { 70.0, 70.0 }),
            (R.ParamPropagate, false));
        new RotoscopeEngine().Render(Frame(source, null, output, p), CancellationToken.None);

        Assert.True(SegmentationMetrics_J(Alpha(output), Disc(80, 60)) > 0.85);
    }

    [Fact]
    public void Hold_out_inverts_and_matte_output_is_luminance_with_source_alpha()
    {
        using var source = Scene(80, 60);
        using var mask = MaskOf(Disc(80, 60));
        using var output = new FloatImage(W, H);
        var p = Params((R.ParamHoldOut, true), (R.ParamOutput, R.OutputMatte), (R.ParamRefineRadius, 0.0));
        new RotoscopeEngine().Render(Frame(source, mask, output, p), CancellationToken.None);

        var centre = output.Row(60).Slice(80 * 4, 4).ToArray();
        var corner = output.Row(2).Slice(2 * 4, 4).ToArray();
        Assert.Equal([0f, 0f, 0f, 1f], centre);
        Assert.Equal([1f, 1f, 1f, 1f], corner);
    }

    [Fact]
    public void Choke_shrinks_and_feather_softens_the_edge()
    {
        using var source = Scene(80, 60);
        using var mask = MaskOf(Disc(80, 60));
        using var plain = new FloatImage(W, H);
        using var choked = new FloatImage(W, H);
        using var feathered = new FloatImage(W, H);
        var engine = new RotoscopeEngine();
        engine.Render(Frame(source, mask, plain, Params((R.ParamRefineRadius, 0.0), (R.ParamPropagate, false))), CancellationToken.None);
        engine.Render(Frame(source, mask, choked, Params((R.ParamRefineRadius, 0.0), (R.ParamChoke, 5.0), (R.ParamPropagate, false))), CancellationToken.None);
        engine.Render(Frame(source, mask, feathered, Params((R.ParamRefineRadius, 0.0), (R.ParamFeather, 8.0), (R.ParamPropagate, false))), CancellationToken.None);

        Assert.True(Alpha(choked).Count(v => v != 0) < 0.8 * Alpha(plain).Count(v => v != 0));
        static int Soft(FloatImage f) => f.Pixels.ToArray().Where((_, i) => i % 4 == 3).Count(a => a > 0.05f && a < 0.95f);
        Assert.True(Soft(feathered) > 3 * Math.Max(1, Soft(plain)));
    }

    [Fact]
    public void Draft_render_propagates_without_colour_refit()
    {
        using var f0 = Scene(60, 60);
        using var f1 = Scene(64, 60);
        using var k0 = MaskOf(Disc(60, 60));
        using var output = new FloatImage(W, H);
        var result = new RotoscopeEngine().Render(
            Frame(f1, null, output, Params(), 1, interactive: true, neighbours: [new TimedImage(0, f0, k0)]), CancellationToken.None);

        Assert.Contains("draft: no colour re-fit", result.Notes);
        Assert.True(SegmentationMetrics_J(Alpha(output), Disc(64, 60)) > 0.85);
    }

    [Fact]
    public void Cancelled_render_throws()
    {
        using var source = Scene(80, 60);
        using var mask = MaskOf(Disc(80, 60));
        using var output = new FloatImage(W, H);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => new RotoscopeEngine().Render(Frame(source, mask, output, Params()), cts.Token));
    }

    [Fact]
    public void Refiner_turns_a_blurry_probability_map_into_the_subject()
    {
        using var source = Scene(80, 60);
        // A coarse, offset, blurry guess: what a low-resolution salient-object model might give.
        const int pw = 40, ph = 30;
        var probability = new float[pw * ph];
        for (var y = 0; y < ph; y++)
            for (var x = 0; x < pw; x++)
            {
                var d = Math.Sqrt((x * 4 - 82.0) * (x * 4 - 82.0) + (y * 4 - 61.0) * (y * 4 - 61.0));
                probability[y * pw + x] = (float)Math.Clamp((Radius + 6 - d) / 12.0, 0, 1);
            }
        var matte = new float[W * H];
        MatteRefiner.Refine(source, probability, pw, ph, new MatteRefineSettings(), matte, CancellationToken.None);

        var binary = matte.Select(v => v > 0.5f ? (byte)1 : (byte)0).ToArray();
        var guess = new float[W * H];
        for (var y = 0; y < H; y++)
            for (var x = 0; x < W; x++) guess[y * W + x] = probability[Math.Min(ph - 1, y / 4) * pw + Math.Min(pw - 1, x / 4)];
        var before = SegmentationMetrics_J(guess.Select(v => v > 0.5f ? (byte)1 : (byte)0).ToArray(), Disc(80, 60));
        var after = SegmentationMetrics_J(binary, Disc(80, 60));
        Assert.True(after > 0.93 && after > before + 0.03, $"J {before:F3} before refinement, {after:F3} after");
    }

    [Fact]
    public void Definition_is_registered_and_asks_for_frames_by_its_window()
    {
        var d = EffectCatalog.Find(R.Id);
        Assert.NotNull(d);
        Assert.Equal(R.ParamWindow, d.FramesNeeded.LimitParam);
        Assert.Contains(d.Clips, c => c.Name == R.ClipMask && c.IsMask && c.Optional);
        Assert.IsType<RotoscopeEngine>(EffectCatalog.Create(R.Id));
    }

    [Fact]
    public void Shipped_rotoscope_presets_bind_and_render()
    {
        var folder = Path.Combine(RepoRoot(), "presets");
        var presets = Presets.PresetLibrary.LoadAll([folder]).Where(p => p.EffectId == R.Id).ToList();
        Assert.Contains(presets, p => p.Name == "soft-edge-person");
        using var source = Scene(80, 60);
        using var mask = MaskOf(Disc(80, 60));
        using var output = new FloatImage(W, H);
        foreach (var preset in presets)
        {
            var p = ParamSet.Bind(R.Definition, preset.Values);
            new RotoscopeEngine().Render(Frame(source, mask, output, p), CancellationToken.None);
        }
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "")
    {
        for (var d = new DirectoryInfo(Path.GetDirectoryName(path)!); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Runway.Plugins.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root not found above " + path);
    }

    private static double SegmentationMetrics_J(byte[] a, byte[] b) => Quality.SegmentationMetrics.RegionSimilarity(a, b);
}
