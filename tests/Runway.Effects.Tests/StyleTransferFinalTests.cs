using System.Diagnostics;
using OpenCvSharp;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Style;
using Runway.Effects.Pixels;
using Runway.Effects.Quality;
using Xunit.Abstractions;

namespace Runway.Effects.Tests;

/// <summary>
/// The final render's float texture filters (<see cref="TextureFilterBackend.Float"/>) against the OpenCV 8-bit filters
/// they replaced, on the real content pictures, and their speed.
/// </summary>
public sealed class StyleTransferFinalTests(ITestOutputHelper output)
{
    private static readonly string[] Contents = ["amber.jpg", "golden_gate.jpg", "tubingen.jpg"];

    /// <summary>A content picture, linear, resized (cubic) to exactly <paramref name="width"/> × <paramref name="height"/>.</summary>
    private static FloatImage Content(string name, int width, int height)
    {
        using var native = StyleTransferMedia.LoadLinear(TestData.File($"style/content/{name}"), 4096);
        using var src = Mat.FromPixelData(native.Height, native.Width, MatType.CV_32FC4, native.Buffer);
        var image = new FloatImage(width, height);
        using var dst = Mat.FromPixelData(height, width, MatType.CV_32FC4, image.Buffer);
        Cv2.Resize(src, dst, new Size(width, height), 0, 0, InterpolationFlags.Cubic);
        return image;
    }

    private static FloatImage Styled(FloatImage source, string texture, TextureFilterBackend backend, out double ms)
    {
        var image = new FloatImage(source.Width, source.Height);
        source.Pixels.CopyTo(image.Pixels);
        var watch = Stopwatch.StartNew();
        // Texture size 60 at 1080p, scaled with the picture as a host's render scale would.
        TextureStylizer.Apply(image, texture, 1f, 60 * source.Width / 1920.0, 0, backend, CancellationToken.None);
        ms = watch.Elapsed.TotalMilliseconds;
        return image;
    }

    private static FloatImage ToneMapped(FloatImage image)
    {
        var mapped = new FloatImage(image.Width, image.Height);
        var src = image.Pixels;
        var dst = mapped.Pixels;
        for (var i = 0; i < src.Length; i++) dst[i] = (i & 3) == 3 ? src[i] : TextureStylizer.ToneMap(src[i]);
        return mapped;
    }

    // Thresholds: worst of the three pictures at 960x540 (texture size 30 = 60 at 1080p), measured 2026-11-24 against
    // OpenCV 4.13's filters, compared tone-mapped (the filters' domain), PSNR dB / SSIM:
    //   stylize 39.83 / 0.9905 (amber 51.96, golden_gate 43.39, tubingen 39.83; the effect itself changes the picture
    //     by 13.0-17.1 dB), edge-preserving 50.35 / 0.9986, detail-enhance 39.68 / 0.9980, pencil 39.82 / 0.9848 (33.36 / 0.9560 before its input
    //     was quantised to 8-bit levels as OpenCV's is).
    //   At 1080p (same pictures resized, size 60): edge-preserving worst 48.51 / 0.9979, detail-enhance 39.73 / 0.9954.
    // The float versions compute what OpenCV computes, so what is left is OpenCV's 8-bit rounding of its output, its
    // off-by-one at the last row/column of the NC filter, and float summation order. Bars sit ~3 dB / ~0.005 below
    // the measurement: a changed filter parameter or a broken pass costs far more than that. Contact sheets (source,
    // OpenCV, float) in out/test-artifacts/style-transfer/final-float-vs-opencv-*.png look the same side by side.
    [Theory]
    [InlineData(StyleTransferDefinition.TextureStylize, 37.0, 0.985)]
    [InlineData(StyleTransferDefinition.TextureEdgePreserving, 47.0, 0.995)]
    [InlineData(StyleTransferDefinition.TexturePencil, 37.0, 0.978)]
    [InlineData(StyleTransferDefinition.TextureDetailEnhance, 37.0, 0.993)]
    public void Float_final_texture_matches_the_opencv_filter_on_real_pictures(string texture, double minPsnr, double minSsim)
    {
        // 960x540 keeps the suite fast (OpenCV's stylize alone takes ~7 s per 1080p picture); the filters are the
        // same at every size, and the 1080p figures are in the thresholds' note.
        const int W = 960, H = 540;
        var rows = new List<IReadOnlyList<FloatImage>>();
        try
        {
            double worstPsnr = double.MaxValue, worstSsim = 1;
            foreach (var name in Contents)
            {
                var source = Content(name, W, H);
                var reference = Styled(source, texture, TextureFilterBackend.OpenCv, out var cvMs);
                var candidate = Styled(source, texture, TextureFilterBackend.Float, out var floatMs);
                rows.Add([source, reference, candidate]);
                // Compared as displayed (tone-mapped 0..1, the domain the filters work in), so a highlight counts no
                // more than a white.
                using var referenceT = ToneMapped(reference);
                using var candidateT = ToneMapped(candidate);
                using var sourceT = ToneMapped(source);
                var psnr = ImageMetrics.Psnr(referenceT, candidateT);
                var ssim = ImageMetrics.Ssim(referenceT, candidateT);
                var effect = ImageMetrics.Psnr(sourceT, referenceT);
                worstPsnr = Math.Min(worstPsnr, psnr);
                worstSsim = Math.Min(worstSsim, ssim);
                output.WriteLine($"{texture} {name} {W}x{H}: float vs OpenCV PSNR {psnr:0.00} dB, SSIM {ssim:0.0000} (effect itself: {effect:0.00} dB); OpenCV {cvMs:0} ms, float {floatMs:0} ms");
            }
            StyleTransferMedia.WriteContactSheet($"final-float-vs-opencv-{texture}", rows, 270);
            Assert.True(worstPsnr >= minPsnr, $"{texture}: worst PSNR {worstPsnr:0.00} dB < {minPsnr}");
            Assert.True(worstSsim >= minSsim, $"{texture}: worst SSIM {worstSsim:0.0000} < {minSsim}");
        }
        finally
        {
            foreach (var row in rows)
            foreach (var image in row) image.Dispose();
        }
    }
}

/// <summary>The final render's speed at 1080p.</summary>
[Collection(StyleTransferTimingCollection.Name)]
public sealed class StyleTransferFinalTimingTests(ITestOutputHelper output)
{
    // Goal: ≤ 2 s wall per 1080p final frame (default params: covariance colour + stylize texture) on a quiet 2-core
    // machine; before the float textures it was 7.8 s. As for the draft, the limit is on the process's CPU time (this
    // collection runs alone): on two cores wall ≈ CPU / 2 when both are free. Measured 2026-11-24 (Debug, machine
    // load ~45 on 2 cores): CPU median 1864 ms (wall 8.8 s under that load); runway-bench (Release, same load): final
    // 1243 ms CPU per frame, of which the stylize texture 802 ms, against 8784 ms CPU for OpenCV's Stylization on the
    // same frame. Limit: about twice the Debug figure, 4000 ms CPU — the old OpenCV texture alone would exceed it.
    [Fact]
    public void Final_at_1080p_takes_well_under_4000_ms_of_cpu()
    {
        using var source = Images.Filled(1920, 1080, (x, y) =>
            (0.1f + 0.6f * x / 1920f + (x / 24 % 2) * 0.05f, 0.2f + 0.4f * y / 1080f + ((x * 7 + y * 13) % 31) / 620f,
                0.3f + 0.2f * MathF.Sin(x * 0.01f) * MathF.Cos(y * 0.013f), 1f));
        using var reference = Images.Filled(40, 30, (x, y) =>
            (0.5f + 0.4f * x / 39f, 0.2f + 0.1f * y / 29f, 0.02f + 0.03f * ((x + y) % 3), 1f));
        using var result = new FloatImage(1920, 1080);
        var p = StyleTransferMedia.Params((StyleTransferDefinition.ParamTemporal, 0.0));
        var engine = new StyleTransferEngine();
        var frame = StyleTransferMedia.Frame(source, result, p, reference, time: 1);
        var r = engine.Render(frame, CancellationToken.None);
        Assert.Contains(r.Notes, n => n.Contains("float, full resolution", StringComparison.Ordinal));
        var wall = new List<double>();
        var cpu = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (var i = 0; i < 3; i++)
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
        output.WriteLine($"1080p final: CPU median {cpu[1]:0.0} ms; wall median {wall[1]:0.0} ms, min {wall[0]:0.0} ms");
        Assert.True(cpu[1] <= 4000, $"1080p final CPU median {cpu[1]:0.0} ms > 4000 ms");
    }
}
