using System.Numerics;
using OpenCvSharp;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Extend;
using Runway.Effects.Pixels;
using Runway.Effects.Quality;

namespace Runway.Effects.Tests;

public class ExtendShotTests
{
    private const int W = 320, H = 180;

    /// <summary>
    /// A smooth random texture (fixed seed) in range 0.02..1.3 (some of it above 1), <paramref name="w"/>×<paramref name="h"/>, 3 channels.
    /// </summary>
    internal static Mat Texture(int w, int h)
    {
        var random = new Random(1234);
        var values = new float[h * w * 3];
        for (var i = 0; i < values.Length; i++) values[i] = random.NextSingle();
        using var noise = Mat.FromPixelData(h, w, MatType.CV_32FC3, values);
        var smooth = new Mat();
        Cv2.GaussianBlur(noise, smooth, new Size(0, 0), 2.0);
        Cv2.Normalize(smooth, smooth, 0.02, 1.3, NormTypes.MinMax);
        return smooth;
    }

    /// <summary>The crop of <paramref name="texture"/> at (x, y), as a working image with the given alpha.</summary>
    private static FloatImage Crop(Mat texture, double x, double y, float alpha = 1f)
    {
        using var m = Mat.Eye(2, 3, MatType.CV_64FC1).ToMat();
        m.Set(0, 2, -x);
        m.Set(1, 2, -y);
        using var shifted = new Mat();
        Cv2.WarpAffine(texture, shifted, m, new Size(W, H), InterpolationFlags.Cubic, BorderTypes.Reflect);
        var image = new FloatImage(W, H);
        var px = image.Pixels;
        for (var j = 0; j < H; j++)
        for (var i = 0; i < W; i++)
        {
            var v = shifted.At<Vec3f>(j, i);
            var o = (j * W + i) * 4;
            px[o] = v.Item0;
            px[o + 1] = v.Item1;
            px[o + 2] = v.Item2;
            px[o + 3] = alpha;
        }
        return image;
    }

    internal static FloatImage Constant(float value)
    {
        var image = new FloatImage(W, H);
        image.Pixels.Fill(value);
        return image;
    }

    internal static ParamSet Params(string mode = ExtendShotDefinition.ModeExtrapolate, double damping = 0, long history = 6, long frames = 24) =>
        ParamSet.Bind(ExtendShotDefinition.Definition, new Dictionary<string, object>
        {
            [ExtendShotDefinition.ParamMode] = mode,
            [ExtendShotDefinition.ParamDamping] = damping,
            [ExtendShotDefinition.ParamHistory] = history,
            [ExtendShotDefinition.ParamFrames] = frames,
        });

    /// <summary>Frames 0..6 of a pan moving the picture left by <paramref name="speed"/> px per frame (camera right).</summary>
    internal static List<FloatImage> Pan(Mat texture, double speed, float alpha = 1f) =>
        Enumerable.Range(0, 7).Select(i => Crop(texture, 100 + i * speed, 60, alpha)).ToList();

    internal static EffectFrame At(IReadOnlyList<FloatImage> clip, FloatImage output, double time, ParamSet ps, bool interactive = false) =>
        new(clip[^1], null, output, ps, time, 1.0, interactive, "test")
        {
            Neighbours = clip.Take(clip.Count - 1).Select((f, i) => new TimedImage(i, f, null)).ToList(),
            SourceRange = new ClipRange(0, clip.Count - 1),
        };

    /// <summary>PSNR (peak 1.3, the texture's range) over the frame minus a border of <paramref name="margin"/> pixels.</summary>
    private static double InteriorPsnr(FloatImage truth, FloatImage test, int margin)
    {
        var mask = new byte[W * H];
        for (var y = margin; y < H - margin; y++)
        for (var x = margin; x < W - margin; x++) mask[y * W + x] = 1;
        return ImageMetrics.Psnr(truth, test, mask, MaskRegion.Inside, peak: 1.3);
    }

    [Fact]
    public void Extend_shot_is_registered_with_a_time_extension()
    {
        var d = EffectCatalog.Find(ExtendShotDefinition.Id);
        Assert.NotNull(d);
        Assert.Equal(new TimeExtension(ExtendShotDefinition.ParamFrames, ExtendShotDefinition.ParamDirection), d.Extends);
        Assert.Equal(ExtendShotDefinition.ParamHistory, d.FramesNeeded.LimitParam);
        Assert.Contains("\"com.runwayml.extend-shot\"", EffectCatalog.ToJson());
    }

    [Fact]
    public void Inside_the_source_range_the_source_passes_through()
    {
        using var texture = Texture(600, 400);
        var clip = Pan(texture, 3);
        using var output = new FloatImage(W, H);
        var r = new ExtendShotEngine().Render(At(clip, output, 6, Params()) with { Source = clip[3] }, CancellationToken.None);
        Assert.Contains(ExtendShotEngine.NoteInside, r.Notes);
        Assert.True(clip[3].Pixels.SequenceEqual(output.Pixels));
        clip.ForEach(f => f.Dispose());
    }

    [Fact]
    public void Extrapolated_pan_continues_the_motion_and_keeps_values_above_one_and_alpha()
    {
        using var texture = Texture(700, 400);
        var clip = Pan(texture, 3, alpha: 0.5f);
        using var output = new FloatImage(W, H);
        var engine = new ExtendShotEngine(new ExtendShotOptions(FillRevealed: false));
        foreach (var k in new[] { 1, 4 })
        {
            var r = engine.Render(At(clip, output, 6 + k, Params(damping: 0)), CancellationToken.None);
            using var truth = Crop(texture, 100 + (6 + k) * 3, 60, 0.5f);
            using var hold = Crop(texture, 100 + 6 * 3, 60, 0.5f);
            var psnr = InteriorPsnr(truth, output, 4 * k + 4);
            var holdPsnr = InteriorPsnr(truth, hold, 4 * k + 4);
            // A pan of 3 px/frame recovered to a fraction of a pixel is far closer to the truth than holding, which is
            // 3k px off on a texture with detail at a few pixels; 10 dB is a gap a lost motion estimate cannot bridge.
            Assert.True(psnr > holdPsnr + 10, $"k={k}: {psnr:0.0} dB vs hold {holdPsnr:0.0} dB; {string.Join("; ", r.Notes)}");
            var px = output.Pixels;
            var max = 0f;
            for (var i = 0; i < px.Length; i += 4)
            {
                max = Math.Max(max, px[i]);
                Assert.Equal(0.5f, px[i + 3], 3);
            }
            Assert.True(max > 1.1f, $"HDR values were clipped: max {max}");
        }
        clip.ForEach(f => f.Dispose());
    }

    [Fact]
    public void Frames_rendered_out_of_order_equal_frames_rendered_in_order()
    {
        using var texture = Texture(700, 400);
        var clip = Pan(texture, 2.5);
        var ps = Params(damping: 0.2);
        var inOrder = new List<float[]>();
        var engine = new ExtendShotEngine();
        using var output = new FloatImage(W, H);
        foreach (var k in new[] { 1, 2, 3 })
        {
            engine.Render(At(clip, output, 6 + k, ps), CancellationToken.None);
            inOrder.Add(output.Pixels.ToArray());
        }
        var fresh = new ExtendShotEngine();
        foreach (var k in new[] { 3, 1, 2 })
        {
            fresh.Render(At(clip, output, 6 + k, ps), CancellationToken.None);
            Assert.True(inOrder[k - 1].AsSpan().SequenceEqual(output.Pixels), $"frame {k} differs when rendered out of order");
        }
        Assert.Equal(1, fresh.CachedEstimates);
        clip.ForEach(f => f.Dispose());
    }

    [Fact]
    public void Hold_loop_and_ping_pong_pick_the_expected_frames()
    {
        var clip = Enumerable.Range(0, 4).Select(i => Constant(i + 1)).ToList(); // times 0..3, end frame value 4
        using var output = new FloatImage(W, H);
        var engine = new ExtendShotEngine();
        float Value(string mode, int k)
        {
            engine.Render(At(clip, output, 3 + k, Params(mode, history: 3)), CancellationToken.None);
            return output.Pixels[0];
        }
        Assert.Equal([4f, 4f, 4f], new[] { 1, 2, 7 }.Select(k => Value(ExtendShotDefinition.ModeHold, k)));
        // Loop: the history window in playback order (1, 2, 3, 4), repeated.
        Assert.Equal([1f, 2f, 3f, 4f, 1f], Enumerable.Range(1, 5).Select(k => Value(ExtendShotDefinition.ModeLoop, k)));
        // Ping-pong: back from the end (3, 2, 1), then forward again (2, 3, 4), then back.
        Assert.Equal([3f, 2f, 1f, 2f, 3f, 4f, 3f], Enumerable.Range(1, 7).Select(k => Value(ExtendShotDefinition.ModePingPong, k)));
        clip.ForEach(f => f.Dispose());
    }

    [Fact]
    public void Extending_before_the_first_frame_runs_the_motion_backwards()
    {
        using var texture = Texture(700, 400);
        // Times 0..6 with the picture moving left 3 px/frame; extending before time 0 should move it right.
        var clip = Enumerable.Range(0, 7).Select(i => Crop(texture, 100 + i * 3, 60)).ToList();
        using var output = new FloatImage(W, H);
        var ps = ParamSet.Bind(ExtendShotDefinition.Definition, new Dictionary<string, object>
        {
            [ExtendShotDefinition.ParamDirection] = TimeExtension.Before,
            [ExtendShotDefinition.ParamDamping] = 0.0,
        });
        var frame = new EffectFrame(clip[0], null, output, ps, -2, 1.0, false, "test")
        {
            Neighbours = clip.Skip(1).Select((f, i) => new TimedImage(i + 1, f, null)).ToList(),
            SourceRange = new ClipRange(0, 6),
        };
        new ExtendShotEngine(new ExtendShotOptions(FillRevealed: false)).Render(frame, CancellationToken.None);
        using var truth = Crop(texture, 100 - 2 * 3, 60);
        using var hold = Crop(texture, 100, 60);
        Assert.True(InteriorPsnr(truth, output, 12) > InteriorPsnr(truth, hold, 12) + 10);
        clip.ForEach(f => f.Dispose());
    }

    [Fact]
    public void Revealed_edge_is_filled_with_finite_values_in_final_renders()
    {
        using var texture = Texture(700, 400);
        var clip = Pan(texture, 4);
        using var output = new FloatImage(W, H);
        var r = new ExtendShotEngine().Render(At(clip, output, 6 + 5, Params(damping: 0)), CancellationToken.None);
        Assert.Contains(r.Notes, n => n.Contains("filled by patch synthesis"));
        foreach (var v in output.Pixels) Assert.True(float.IsFinite(v));
        clip.ForEach(f => f.Dispose());
    }

    // The tail cache is keyed by content, not by who asks: another instance gets the same final frame back without a
    // render; a changed pixel in the end frame, in a history frame the render reads, or a changed param renders anew.
    [Fact]
    public void Final_frames_are_served_from_the_tail_cache_only_for_the_same_pixels_and_params()
    {
        using var texture = Texture(700, 400);
        var clip = Pan(texture, 2.5);
        var engine = new ExtendShotEngine(new ExtendShotOptions(FillRevealed: false));
        using var output = new FloatImage(W, H);
        var first = engine.Render(At(clip, output, 8, Params()), CancellationToken.None);
        Assert.DoesNotContain(first.Notes, n => n.StartsWith(ExtendShotEngine.NoteTailCached, StringComparison.Ordinal));
        var rendered = output.Pixels.ToArray();

        output.Pixels.Clear();
        var again = engine.Render(At(clip, output, 8, Params()) with { InstanceId = "another instance" }, CancellationToken.None);
        Assert.Contains(again.Notes, n => n.StartsWith(ExtendShotEngine.NoteTailCached, StringComparison.Ordinal));
        Assert.True(rendered.AsSpan().SequenceEqual(output.Pixels), "the cached frame differs from the rendered one");

        bool Cached(EffectResult r) => r.Notes.Any(n => n.StartsWith(ExtendShotEngine.NoteTailCached, StringComparison.Ordinal));
        Assert.False(Cached(engine.Render(At(clip, output, 8, Params(damping: 0.5)), CancellationToken.None)), "damping changed");
        Assert.False(Cached(engine.Render(At(clip, output, 9, Params()), CancellationToken.None)), "another frame of the tail");
        Assert.False(Cached(engine.Render(At(clip, output, 8, Params(), interactive: true), CancellationToken.None)), "drafts are not cached");
        // One value in the end frame, then one in the nearest history frame: both are read at full resolution.
        clip[^1].Pixels[(90 * W + 160) * 4] += 0.25f;
        Assert.False(Cached(engine.Render(At(clip, output, 8, Params()), CancellationToken.None)), "end frame changed");
        clip[^2].Pixels[(90 * W + 160) * 4 + 1] += 0.25f;
        Assert.False(Cached(engine.Render(At(clip, output, 8, Params()), CancellationToken.None)), "history frame changed");
        Assert.True(Cached(engine.Render(At(clip, output, 8, Params()), CancellationToken.None)), "the changed clip's frame is cached too");
        clip.ForEach(f => f.Dispose());
    }

    [Fact]
    public void Tail_cache_evicts_the_least_recently_used_frame_past_its_budget()
    {
        using var a = Constant(0.1f);
        using var b = Constant(0.2f);
        using var c = Constant(0.3f);
        using var output = new FloatImage(W, H);
        var cache = new TailCache(2L * W * H * 16); // two frames
        cache.Add("a", a, ["a"]);
        cache.Add("b", b, ["b"]);
        Assert.True(cache.TryCopy("a", output, out _)); // a is now the most recently used
        cache.Add("c", c, ["c"]);
        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryCopy("b", output, out _));
        Assert.True(cache.TryCopy("c", output, out var notes));
        Assert.Equal(new[] { "c" }, notes);
        Assert.Equal(0.3f, output.Pixels[^1]);
        Assert.NotEqual(TailCache.Hash(a.Pixels), TailCache.Hash(b.Pixels));
        Assert.Equal(TailCache.Hash(a.Pixels), TailCache.Hash(a.Pixels.ToArray()));
    }

    [Fact]
    public void Render_honours_cancellation()
    {
        using var texture = Texture(600, 400);
        var clip = Pan(texture, 3);
        using var output = new FloatImage(W, H);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new ExtendShotEngine().Render(At(clip, output, 8, Params()), cts.Token));
        clip.ForEach(f => f.Dispose());
    }

    [Fact]
    public void Similarity_power_is_repeated_application()
    {
        var s = new Similarity(Complex.FromPolarCoordinates(1.01, 0.02), new Complex(3, -1));
        var z = new Complex(40, -25);
        var twice = s.Apply(s.Apply(z));
        Assert.True((s.Power(2).Apply(z) - twice).Magnitude < 1e-9);
        var half = s.Power(0.5);
        Assert.True((half.Apply(half.Apply(z)) - s.Apply(z)).Magnitude < 1e-9);
        Assert.True((s.Power(0).Apply(z) - z).Magnitude < 1e-12);
        Assert.True((s.Inverse().Apply(s.Apply(z)) - z).Magnitude < 1e-9);
    }

    [Fact]
    public void Damping_sets_the_motion_steps_in_closed_form()
    {
        Assert.Equal(5, ExtendShotEngine.EffectiveSteps(5, 0), 9);
        Assert.Equal(0, ExtendShotEngine.EffectiveSteps(5, 1), 9);
        // r = 0.5: 0.5 + 0.25 + 0.125
        Assert.Equal(0.875, ExtendShotEngine.EffectiveSteps(3, 0.5), 9);
    }
}
