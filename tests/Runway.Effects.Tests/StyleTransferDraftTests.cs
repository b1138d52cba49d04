using System.Diagnostics;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Style;
using Runway.Effects.Pixels;
using Xunit.Abstractions;

namespace Runway.Effects.Tests;

/// <summary>
/// The style transfer draft path (baked colour lattice, float domain-transform texture, cached temporal state) and the
/// stylised-frame cache that final stabilisation reuses.
/// </summary>
public sealed class StyleTransferDraftTests(ITestOutputHelper output)
{
    private static FloatImage Content(int shift = 0, int w = 96, int h = 64) => Images.Filled(w, h, (x, y) =>
    {
        var u = x + shift;
        return (0.1f + 0.6f * u / 95f, 0.2f + 0.3f * y / 63f, 0.15f + 0.2f * ((u / 8 + y / 8) % 2), 1f);
    });

    private static FloatImage WarmReference() => Images.Filled(40, 30, (x, y) =>
        (0.5f + 0.4f * x / 39f, 0.2f + 0.1f * y / 29f, 0.02f + 0.03f * ((x + y) % 3), 1f));

    // Measured 2026-11-24 on the three style/content pictures × four styles at 320 px, strength 0.8: the 33³
    // square-root-encoded lattice differs from the exact Oklab map by at most 0.00253 linear. The limit is twice that.
    [Fact]
    public void Baked_colour_lattice_matches_the_exact_map_on_real_pictures_and_keeps_hdr_exact()
    {
        double worst = 0;
        foreach (var c in new[] { "amber.jpg", "golden_gate.jpg", "tubingen.jpg" })
        {
            using var content = StyleTransferMedia.LoadLinear(TestData.File($"style/content/{c}"), 320);
            // An HDR block and a negative (out-of-gamut) pixel, which must take the exact map.
            for (var y = 10; y < 20; y++)
            for (var x = 10; x < 20; x++)
                content.Row(y)[x * 4] = 5f;
            content.Row(30)[30 * 4 + 2] = -0.2f;
            foreach (var s in new[] { "mosaic.jpg", "starry_night.jpg", "the_scream.jpg", "udnie.jpg" })
            {
                using var style = StyleTransferMedia.LoadLinear(TestData.File($"style/styles/{s}"), 320);
                var transfer = ColourTransfer.Create(StyleTransferDefinition.ColourCovariance,
                    ColourStatistics.Measure(content, 60_000, false), ColourStatistics.Measure(style, 60_000, false));
                using var exact = new FloatImage(content.Width, content.Height);
                using var baked = new FloatImage(content.Width, content.Height);
                transfer.Apply(content, exact, 0.8f, CancellationToken.None);
                transfer.ApplyBaked(content, baked, 0.8f, CancellationToken.None);
                var e = exact.Pixels;
                var b = baked.Pixels;
                for (var i = 0; i < e.Length; i++) worst = Math.Max(worst, Math.Abs(e[i] - b[i]));
                Assert.Equal(exact.Row(15)[15 * 4], baked.Row(15)[15 * 4]);
                Assert.Equal(exact.Row(30)[30 * 4 + 2], baked.Row(30)[30 * 4 + 2]);
            }
        }
        output.WriteLine($"baked lattice vs exact map: worst difference {worst:0.00000} linear");
        Assert.True(worst < 0.005, $"baked lattice differs from the exact map by {worst}");
    }

    [Theory]
    [InlineData(StyleTransferDefinition.TextureStylize)]
    [InlineData(StyleTransferDefinition.TextureEdgePreserving)]
    public void Draft_texture_keeps_alpha_and_values_above_one(string texture)
    {
        using var source = Images.Filled(96, 64, (x, y) =>
        {
            var hot = x is >= 30 and < 70 && y is >= 16 and < 48;
            return hot ? (6f, 5f, 4f, 0.5f) : (0.2f + 0.3f * ((x / 6) % 2), 0.3f, 0.25f, 1f);
        });
        using var result = new FloatImage(source.Width, source.Height);
        var p = StyleTransferMedia.Params((StyleTransferDefinition.ParamTexture, texture), (StyleTransferDefinition.ParamTextureStrength, 1.0),
            (StyleTransferDefinition.ParamTextureSize, 10.0));
        var r = new StyleTransferEngine().Render(StyleTransferMedia.Frame(source, result, p, interactive: true), CancellationToken.None);

        var src = source.Pixels;
        var dst = result.Pixels;
        for (var i = 3; i < src.Length; i += 4) Assert.Equal(src[i], dst[i]);
        var centre = result.Row(32).Slice(50 * 4, 4);
        Assert.True(centre[0] > 2f && centre[1] > 2f && centre[2] > 1.5f, $"HDR centre came back as {centre[0]}, {centre[1]}, {centre[2]}");
        Assert.All(dst.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.False(Images.BitEqual(source, result), "the texture changed nothing");
        Assert.Contains(r.Notes, n => n.Contains("float domain transform", StringComparison.Ordinal));
    }

    [Fact]
    public void Domain_transform_smooths_within_regions_but_keeps_a_strong_edge()
    {
        const int w = 64, h = 32;
        var rng = new Random(7);
        var pixels = new float[w * h * 3];
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
        for (var c = 0; c < 3; c++)
            pixels[(y * w + x) * 3 + c] = (x < w / 2 ? 0.2f : 0.8f) + 0.04f * (float)(rng.NextDouble() - 0.5);
        DomainTransform.Filter(pixels, w, h, 10, 0.2f, CancellationToken.None);
        double noise = 0;
        for (var y = 0; y < h; y++)
        for (var x = 2; x < w / 2 - 4; x++)
            noise = Math.Max(noise, Math.Abs(pixels[(y * w + x) * 3] - 0.2f));
        Assert.True(noise < 0.01, $"left region still varies by {noise}");
        // Across the edge the two sides stay apart (a plain blur of σ 10 would bring them within 0.2 of each other).
        var left = pixels[(h / 2 * w + w / 2 - 1) * 3];
        var right = pixels[(h / 2 * w + w / 2) * 3];
        Assert.True(right - left > 0.5f, $"edge flattened: {left} | {right}");
    }

    [Fact]
    public void Draft_scrubbing_is_stabilised_from_the_cache_only_when_the_previous_frame_matches()
    {
        using var a = Content();
        using var b = Content(shift: -2);
        using var changedA = Content();
        changedA.Row(5)[20] += 0.25f;
        using var reference = WarmReference();
        var p = StyleTransferMedia.Params((StyleTransferDefinition.ParamTemporal, 0.8), (StyleTransferDefinition.ParamTextureSize, 10.0));
        using var scratch = new FloatImage(96, 64);
        using var first = new FloatImage(96, 64);
        using var second = new FloatImage(96, 64);

        var engine = new StyleTransferEngine();
        engine.Render(StyleTransferMedia.Frame(a, scratch, p, reference, time: 10, interactive: true), CancellationToken.None);
        var hit = engine.Render(StyleTransferMedia.Frame(b, first, p, reference, time: 11, neighbours: [new TimedImage(10, a, null)], interactive: true),
            CancellationToken.None);
        Assert.Contains(hit.Notes, n => n.StartsWith("draft: stabilised with frame 10 (cached", StringComparison.Ordinal));

        // A previous frame whose pixels differ from every cached one is never stabilised against a stale result.
        var miss = engine.Render(StyleTransferMedia.Frame(b, scratch, p, reference, time: 11, neighbours: [new TimedImage(10, changedA, null)],
            interactive: true), CancellationToken.None);
        Assert.Contains("draft: stabilisation skipped", miss.Notes);

        // Another engine that saw other frames first, then the same previous frame, gives the same pixels.
        var other = new StyleTransferEngine();
        other.Render(StyleTransferMedia.Frame(changedA, scratch, p, reference, time: 3, interactive: true), CancellationToken.None);
        other.Render(StyleTransferMedia.Frame(a, scratch, p, reference, time: 10, interactive: true), CancellationToken.None);
        other.Render(StyleTransferMedia.Frame(b, second, p, reference, time: 11, neighbours: [new TimedImage(10, a, null)], interactive: true),
            CancellationToken.None);
        Assert.True(Images.BitEqual(first, second));
    }

    [Theory]
    [InlineData(96, 60, 32, 20)]
    [InlineData(97, 61, 40, 25)]
    public void Reduce_is_the_area_average_opencv_computes(int w, int h, int rw, int rh)
    {
        var rng = new Random(11);
        using var image = Images.Filled(w, h, (_, _) => ((float)rng.NextDouble() * 4f, (float)rng.NextDouble(), (float)rng.NextDouble() - 0.2f, (float)rng.NextDouble()));
        using var reduced = new FloatImage(rw, rh);
        TemporalStabilizer.Reduce(image, reduced);
        using var full = OpenCvSharp.Mat.FromPixelData(h, w, OpenCvSharp.MatType.CV_32FC4, image.Buffer);
        using var expected = new OpenCvSharp.Mat();
        OpenCvSharp.Cv2.Resize(full, expected, new OpenCvSharp.Size(rw, rh), 0, 0, OpenCvSharp.InterpolationFlags.Area);
        expected.GetArray(out OpenCvSharp.Vec4f[] pixels);
        var worst = 0f;
        for (var i = 0; i < pixels.Length; i++)
        for (var c = 0; c < 4; c++)
            worst = Math.Max(worst, Math.Abs(pixels[i][c] - reduced.Pixels[i * 4 + c]));
        Assert.True(worst < 1e-5f, $"reduced picture differs from OpenCV's area resize by {worst}");
    }

    [Fact]
    public void Draft_stabilisation_at_reduced_size_keeps_alpha_hdr_and_never_creates_negatives()
    {
        // Larger than the reduced size (640), so the blend runs on reduced copies and is upsampled.
        const int w = 1000, h = 500;
        static FloatImage Frame(int shift) => Images.Filled(w, h, (x, y) =>
        {
            var u = x + shift;
            var hot = (u - 500) * (u - 500) + (y - 250) * (y - 250) < 60 * 60;
            // A fine dark stripe pattern next to bright areas: the reduced change must not push it below 0.
            var dark = u / 2 % 2 == 0 ? 0.001f : 0.3f;
            return hot ? (6f, 5f, 4f, 0.25f + 0.5f * (x % 2)) : (dark + 0.4f * u / w, 0.2f + 0.3f * y / h, dark, 1f);
        });
        using var a = Frame(0);
        using var b = Frame(-3);
        using var reference = WarmReference();
        var p = StyleTransferMedia.Params((StyleTransferDefinition.ParamTemporal, 1.0), (StyleTransferDefinition.ParamTextureSize, 10.0));
        using var scratch = new FloatImage(w, h);
        using var plain = new FloatImage(w, h);
        using var stable = new FloatImage(w, h);
        var engine = new StyleTransferEngine();
        engine.Render(StyleTransferMedia.Frame(b, plain, p, reference, time: 11, interactive: true), CancellationToken.None);
        engine.Render(StyleTransferMedia.Frame(a, scratch, p, reference, time: 10, interactive: true), CancellationToken.None);
        var r = engine.Render(StyleTransferMedia.Frame(b, stable, p, reference, time: 11, neighbours: [new TimedImage(10, a, null)], interactive: true),
            CancellationToken.None);
        Assert.Contains(r.Notes, n => n.StartsWith("draft: stabilised with frame 10 (cached previous result) at 640x320", StringComparison.Ordinal));

        var src = b.Pixels;
        var before = plain.Pixels;
        var after = stable.Pixels;
        for (var i = 0; i < src.Length; i++)
        {
            if ((i & 3) == 3) Assert.Equal(src[i], after[i]);
            else Assert.True(float.IsFinite(after[i]) && (after[i] >= 0f || after[i] >= before[i]), $"value {i} went from {before[i]} to {after[i]}");
        }
        // Inside the moving HDR disc both frames are HDR, so the blend keeps the (colour-transferred) value above 1; it
        // may move toward the previous frame's colours (that is the stabilisation), not toward 1.
        var centre = stable.Row(250)[497 * 4];
        var unstabilised = plain.Row(250)[497 * 4];
        Assert.True(unstabilised > 1.2f && centre > 1.2f, $"HDR centre red: {unstabilised} before stabilisation, {centre} after");
        Assert.False(Images.BitEqual(plain, stable), "stabilisation changed nothing");
    }

    [Fact]
    public void Final_stabilisation_reuses_the_cached_previous_result_with_the_same_pixels_as_restylising()
    {
        using var a = Content();
        using var b = Content(shift: -2);
        using var reference = WarmReference();
        var p = StyleTransferMedia.Params((StyleTransferDefinition.ParamTemporal, 0.8), (StyleTransferDefinition.ParamTextureSize, 10.0));
        using var scratch = new FloatImage(96, 64);
        using var restyled = new FloatImage(96, 64);
        using var reused = new FloatImage(96, 64);

        var fresh = new StyleTransferEngine().Render(StyleTransferMedia.Frame(b, restyled, p, reference, time: 11,
            neighbours: [new TimedImage(10, a, null)]), CancellationToken.None);
        Assert.Contains(fresh.Notes, n => n.Contains("(re-stylised previous result)", StringComparison.Ordinal));

        var engine = new StyleTransferEngine();
        engine.Render(StyleTransferMedia.Frame(a, scratch, p, reference, time: 10), CancellationToken.None);
        var cached = engine.Render(StyleTransferMedia.Frame(b, reused, p, reference, time: 11, neighbours: [new TimedImage(10, a, null)]),
            CancellationToken.None);
        Assert.Contains(cached.Notes, n => n.Contains("(cached previous result)", StringComparison.Ordinal));
        Assert.True(Images.BitEqual(restyled, reused));
    }
}

/// <summary>Runs alone: a wall-clock figure taken while other test classes render would measure them too.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StyleTransferTimingCollection
{
    /// <summary>Collection name.</summary>
    public const string Name = "style transfer timing";
}

/// <summary>The draft path's speed at 1080p.</summary>
[Collection(StyleTransferTimingCollection.Name)]
public sealed class StyleTransferDraftTimingTests(ITestOutputHelper output)
{
    private static FloatImage WarmReference() => Images.Filled(40, 30, (x, y) =>
        (0.5f + 0.4f * x / 39f, 0.2f + 0.1f * y / 29f, 0.02f + 0.03f * ((x + y) % 3), 1f));

    // Target ≤ 150 ms per 1080p draft frame on a quiet 2-core machine (default params, reference clip, no previous
    // frame). Wall-clock time on a shared machine measures the other processes too, so the limit is on the process's
    // CPU time per frame (this collection runs alone), which bounds the wall time from above on one core and is about
    // twice it on two. Measured 2026-11-24 (Release, machine load 25 on 2 cores): CPU median 124 ms, wall median
    // 239 ms; before this change the draft took 705 ms wall on the quiet machine (its author's figure) and 2085 ms
    // wall in runway-bench at load 19. Limit: the task's generous CI margin, 400 ms, median of five.
    [Fact]
    public void Draft_at_1080p_takes_well_under_400_ms()
    {
        using var source = Images.Filled(1920, 1080, (x, y) =>
            (0.1f + 0.6f * x / 1920f + (x / 24 % 2) * 0.05f, 0.2f + 0.4f * y / 1080f + ((x * 7 + y * 13) % 31) / 620f,
                0.3f + 0.2f * MathF.Sin(x * 0.01f) * MathF.Cos(y * 0.013f), 1f));
        using var reference = WarmReference();
        using var result = new FloatImage(1920, 1080);
        var p = StyleTransferMedia.Params();
        var engine = new StyleTransferEngine();
        var frame = StyleTransferMedia.Frame(source, result, p, reference, time: 1, interactive: true);
        engine.Render(frame, CancellationToken.None);
        var wall = new List<double>();
        var cpu = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (var i = 0; i < 5; i++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            engine.Render(frame, CancellationToken.None);
            wall.Add(sw.Elapsed.TotalMilliseconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpu0).TotalMilliseconds);
        }
        wall.Sort();
        cpu.Sort();
        output.WriteLine($"1080p draft: CPU median {cpu[2]:0.0} ms; wall median {wall[2]:0.0} ms, min {wall[0]:0.0} ms");
        Assert.True(cpu[2] <= 400, $"1080p draft CPU median {cpu[2]:0.0} ms > 400 ms");
    }

    // Draft + stabilisation with the previous frame's draft cached (scrubbing forward). Measured 2026-11-24 with
    // runway-bench-like frames (a textured pan by 3 px), CPU medians of runs alternating old and new code at load 25–35 on
    // 2 cores: the old full-size warp cost 305–335 ms per frame, about 210 ms above the plain draft; blending on
    // reduced copies (this code) 170–190 ms, about 70 ms above it (this test, Release, load 41: 150 ms, 49 ms above).
    // Limits: the draft's own 400 ms, and the stabilisation's share at most 150 ms — about twice what it costs now,
    // well under what the full-size blend cost.
    [Fact]
    public void Draft_with_cached_stabilisation_at_1080p_costs_well_under_400_ms_and_stabilising_adds_under_150()
    {
        using var current = Pan(0);
        using var previous = Pan(3);
        using var reference = WarmReference();
        using var result = new FloatImage(1920, 1080);
        var p = StyleTransferMedia.Params();
        var engine = new StyleTransferEngine();
        var plainFrame = StyleTransferMedia.Frame(current, result, p, reference, time: 10, interactive: true);
        var stabilisedFrame = StyleTransferMedia.Frame(current, result, p, reference, time: 10, neighbours: [new TimedImage(9, previous, null)], interactive: true);
        engine.Render(StyleTransferMedia.Frame(previous, result, p, reference, time: 9, interactive: true), CancellationToken.None);
        var check = engine.Render(stabilisedFrame, CancellationToken.None);
        Assert.Contains(check.Notes, n => n.StartsWith("draft: stabilised with frame 9 (cached", StringComparison.Ordinal));
        engine.Render(plainFrame, CancellationToken.None);
        var plain = new List<double>();
        var stable = new List<double>();
        var wall = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (var i = 0; i < 5; i++)
        {
            // Alternate, so both see the same machine load.
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            engine.Render(plainFrame, CancellationToken.None);
            process.Refresh();
            var cpu1 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            engine.Render(stabilisedFrame, CancellationToken.None);
            wall.Add(sw.Elapsed.TotalMilliseconds);
            process.Refresh();
            plain.Add((cpu1 - cpu0).TotalMilliseconds);
            stable.Add((process.TotalProcessorTime - cpu1).TotalMilliseconds);
        }
        plain.Sort();
        stable.Sort();
        wall.Sort();
        output.WriteLine($"1080p draft + cached stabilisation: CPU median {stable[2]:0.0} ms (plain draft {plain[2]:0.0} ms); wall median {wall[2]:0.0} ms, min {wall[0]:0.0} ms");
        Assert.True(stable[2] <= 400, $"1080p draft + stabilisation CPU median {stable[2]:0.0} ms > 400 ms");
        Assert.True(stable[2] - plain[2] <= 150, $"stabilisation adds {stable[2] - plain[2]:0.0} ms CPU to the draft (> 150 ms)");
    }

    private static FloatImage Pan(int shift) => Images.Filled(1920, 1080, (x, y) =>
    {
        var u = x + shift;
        var hot = (u - 1300) * (u - 1300) + (y - 300) * (y - 300) < 2500;
        return hot ? (4f, 4f, 4f, 1f) : (0.1f + 0.6f * u / 1920f + (u / 24 % 2) * 0.05f, 0.2f + 0.4f * y / 1080f + ((u * 7 + y * 13) % 31) / 620f,
            0.3f + 0.2f * MathF.Sin(u * 0.01f) * MathF.Cos(y * 0.013f), 1f);
    });
}
