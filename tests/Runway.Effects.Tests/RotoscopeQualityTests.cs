using System.Runtime.CompilerServices;
using OpenCvSharp;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Rotoscope;
using Runway.Effects.Pixels;
using Runway.Effects.Quality;
using Xunit.Abstractions;
using R = Runway.Effects.Definitions.RotoscopeDefinition;

namespace Runway.Effects.Tests;

/// <summary>
/// Rotoscope quality on real DAVIS-2016 sequences (<c>vos/blackswan</c>, <c>vos/bmx-trees</c>, a true mask on every
/// frame): the first frame's true mask is the only hint, the engine is driven frame by frame as a host renders a shot
/// in order (neighbours ±1, mask clip connected but empty after frame 0), and the matte is scored with the project's
/// own J (IoU) and boundary F against the truth, and with the warped flicker against a per-frame-only matte.
/// </summary>
/// <remarks>
/// Frames are area-reduced to <see cref="Width"/>×<see cref="Height"/> (half of 854×480) to keep the suite fast;
/// the boundary tolerance scales with the diagonal, so F stays comparable. Overlays go to
/// <c>out/test-artifacts/rotoscope/</c> (red = matte, green = true contour).
/// </remarks>
public sealed class RotoscopeQualityTests(ITestOutputHelper output)
{
    private const int Width = 427;
    private const int Height = 240;

    // Thresholds: measured mean J / F over frames 1..N-1 at 427x240 on this machine (2 cores, .NET 10, OpenCvSharp 4.13):
    //   blackswan, 50 frames: J 0.876, F 0.859 (a large, slow subject: the classical engine does well);
    //   bmx-trees, 40 frames: J 0.304, F 0.455 (thin bike, fast pan, motion blur and trees passing in front: the
    //   matte loses the wheels early and the rider after about frame 25 — classical propagation's known weak spot).
    // Re-measured 2026-11-24 after dropping stray matte pieces (< 10% of the main piece) from propagated frames:
    //   blackswan J 0.876, F 0.859 (unchanged); bmx-trees J 0.325, F 0.458 (a small gain from fragments no longer
    //   carried on; the wheels are still lost and the rider drifts late in the shot). Tried and rejected the same day: Fine flow for final renders
    //   (blackswan 0.875/0.857, bmx-trees 0.240/0.265). bmx-trees' J bar moves up to 0.27 with the measurement.
    // Re-measured 2026-11-24 (session 7) after the finishing stopped allocating frame-sized planes (the guided filter's
    // coefficients are now upsampled inside the row loop): identical to 3 decimals (blackswan 0.876 / 0.859, bmx-trees
    // 0.325 / 0.458). Why bmx-trees is poor, from per-frame J: 0.74 → 0.64 over frames 1-14 (slow erosion of the
    // wheels), then 0.57 → 0.07 over frames 15-18 while a tree trunk passes in front of the rider: Farnebäck's smooth
    // flow gives the thin rider the trunk's (faster, parallax) motion, the matte slides onto the trunk, and from frame
    // 19 on GrabCut's re-fits (each within the 10% area guard) grow it over the graffiti wall (area 2.8k → 8k px
    // against a true 2.5k); J stays near 0.1 to the end. Tried the same day and rejected (bmx-trees J / F; blackswan
    // moved by at most 0.003): forward/backward flow consistency zeroing the matte where the two disagree, bound
    // 0.01·(|f|²+|b|²)+0.5 px² → 0.155 / 0.171, with +2 px² → 0.200 / 0.226 (the thin bike itself fails the check and is
    // erased); the same pixels made "probable" instead of sure for GrabCut → 0.290 / 0.407 and 0.299 / 0.411; a 3% or 5%
    // per-frame growth limit on re-fits → 0.326 / 0.454 (no real change: the growth comes with the flow); flow windows
    // 9 and 21 instead of 15 → 0.221 / 0.269 and 0.281 / 0.412; 3 pyramid levels → unchanged. Bars unchanged.
    // Each bar sits ~0.05-0.08 below the measurement: room for OpenCV/platform differences in flow and GrabCut's
    // k-means start, while a regression that loses the subject (J falls by ~0.2 or more) still fails.
    [Theory]
    [InlineData("blackswan", 50, 0.80, 0.78)]
    [InlineData("bmx-trees", 40, 0.27, 0.38)]
    public void Propagated_matte_from_the_first_true_mask_reaches_measured_J_and_F(string sequence, int frames, double minJ, double minF)
    {
        var run = Run(sequence, frames, propagate: true);
        output.WriteLine($"{sequence}: {frames} frames, mean J {run.MeanJ:F3}, mean F {run.MeanF:F3}, flicker {run.Flicker:F4}, {run.Seconds:F1} s");
        Assert.True(run.MeanJ >= minJ, $"mean J {run.MeanJ:F3} < {minJ}");
        Assert.True(run.MeanF >= minF, $"mean F {run.MeanF:F3} < {minF}");
    }

    [Theory]
    [InlineData("blackswan", 8)]
    [InlineData("bmx-trees", 8)]
    public void Propagation_flickers_less_than_per_frame_segmentation(string sequence, int frames)
    {
        var propagated = Run(sequence, frames, propagate: true);
        var perFrame = Run(sequence, frames, propagate: false);
        output.WriteLine($"{sequence}: propagated J {propagated.MeanJ:F3} F {propagated.MeanF:F3} flicker {propagated.Flicker:F4} ({propagated.Seconds:F1} s); " +
                         $"per-frame J {perFrame.MeanJ:F3} F {perFrame.MeanF:F3} flicker {perFrame.Flicker:F4} ({perFrame.Seconds:F1} s)");
        Assert.True(propagated.Flicker < perFrame.Flicker, $"propagated flicker {propagated.Flicker:F4} not below per-frame {perFrame.Flicker:F4}");
    }

    private sealed record RunResult(double MeanJ, double MeanF, double Flicker, double Seconds);

    private RunResult Run(string sequence, int count, bool propagate)
    {
        var dir = TestData.File($"vos/{sequence}");
        var frames = new List<FloatImage>();
        var truths = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            frames.Add(LoadRgb(Path.Combine(dir, "frames", $"{i:D5}.jpg")));
            truths.Add(LoadTruth(Path.Combine(dir, "masks", $"{i:D5}.png")));
        }
        using var firstHint = MaskImage(truths[0]);
        using var empty = MaskImage(new byte[Width * Height]);
        var box = Bounds(truths[0]);
        var values = new Dictionary<string, object>
        {
            [R.ParamPropagate] = propagate,
            [R.ParamWindow] = 1L,
        };
        if (!propagate)
        {
            // Per-frame only: each frame from the first frame's box (grown 10%), as an artist would draw it once.
            values[R.ParamUseRect] = true;
            values[R.ParamRectCentre] = new[] { box.X + box.Width / 2.0, box.Y + box.Height / 2.0 };
            values[R.ParamRectSize] = new[] { box.Width * 1.1, box.Height * 1.1 };
        }
        var parameters = ParamSet.Bind(R.Definition, values);
        var engine = new RotoscopeEngine();
        var mattes = new List<FloatImage>();
        double sumJ = 0, sumF = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var t = 0; t < count; t++)
        {
            var outImage = new FloatImage(Width, Height);
            var neighbours = new List<TimedImage>();
            if (t > 0) neighbours.Add(new TimedImage(t - 1, frames[t - 1], t - 1 == 0 ? firstHint : empty));
            if (t < count - 1) neighbours.Add(new TimedImage(t + 1, frames[t + 1], empty));
            var frame = new EffectFrame(frames[t], t == 0 ? firstHint : empty, outImage, parameters, t, 1, false, $"quality-{sequence}")
            {
                Neighbours = propagate ? neighbours : [],
            };
            engine.Render(frame, CancellationToken.None);
            var predicted = new byte[Width * Height];
            var px = outImage.Pixels;
            for (var i = 0; i < predicted.Length; i++) predicted[i] = px[i * 4 + 3] > 0.5f ? (byte)1 : (byte)0;
            if (t > 0)
            {
                // Frame 0 is the hint itself: scoring it would flatter the mean (DAVIS leaves it out too).
                sumJ += SegmentationMetrics.RegionSimilarity(predicted, truths[t]);
                sumF += SegmentationMetrics.BoundaryF(predicted, truths[t], Width, Height);
            }
            mattes.Add(MatteImage(outImage));
            if (t is 1 or 10 or 25 or 39 or 49) WriteOverlay(sequence, propagate, t, frames[t], outImage, truths[t]);
            outImage.Dispose();
        }
        var seconds = watch.Elapsed.TotalSeconds;

        var all = Enumerable.Repeat((byte)1, Width * Height).ToArray();
        double flicker = 0;
        for (var t = 1; t < count; t++) flicker += TemporalMetrics.WarpedFlicker(mattes[t - 1], mattes[t], frames[t - 1], frames[t], all);
        foreach (var f in frames) f.Dispose();
        foreach (var m in mattes) m.Dispose();
        return new RunResult(sumJ / (count - 1), sumF / (count - 1), flicker / (count - 1), seconds);
    }

    private static FloatImage MatteImage(FloatImage rendered)
    {
        var m = new FloatImage(rendered.Width, rendered.Height);
        var src = rendered.Pixels;
        var dst = m.Pixels;
        for (var i = 0; i < src.Length; i += 4)
        {
            dst[i] = dst[i + 1] = dst[i + 2] = src[i + 3];
            dst[i + 3] = 1f;
        }
        return m;
    }

    private static FloatImage MaskImage(byte[] mask)
    {
        var image = new FloatImage(Width, Height);
        var px = image.Pixels;
        for (var i = 0; i < mask.Length; i++)
        {
            var v = mask[i] != 0 ? 1f : 0f;
            px[i * 4] = px[i * 4 + 1] = px[i * 4 + 2] = v;
            px[i * 4 + 3] = 1f;
        }
        return image;
    }

    private static Rect Bounds(byte[] mask)
    {
        int x0 = Width, y0 = Height, x1 = -1, y1 = -1;
        for (var y = 0; y < Height; y++)
            for (var x = 0; x < Width; x++)
            {
                if (mask[y * Width + x] == 0) continue;
                x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
            }
        return new Rect(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    }

    private static unsafe FloatImage LoadRgb(string path)
    {
        using var bgr = Cv2.ImRead(path, ImreadModes.Color);
        if (bgr.Empty()) throw new FileNotFoundException($"could not read image {path}", path);
        using var small = new Mat();
        Cv2.Resize(bgr, small, new Size(Width, Height), 0, 0, InterpolationFlags.Area);
        using var rgb = new Mat();
        Cv2.CvtColor(small, rgb, ColorConversionCodes.BGR2RGB);
        var layout = new PixelLayout(Width, Height, PixelComponents.Rgb, PixelDepth.U8, rgb.Step(), TopDown: true, AlphaMode.Opaque);
        var image = new FloatImage(Width, Height);
        PixelCodec.Decode(new ReadOnlySpan<byte>(rgb.DataPointer, (int)layout.SpanBytes), layout, image);
        return image;
    }

    private static byte[] LoadTruth(string path)
    {
        using var grey = Cv2.ImRead(path, ImreadModes.Grayscale);
        if (grey.Empty()) throw new FileNotFoundException($"could not read mask {path}", path);
        using var small = new Mat();
        Cv2.Resize(grey, small, new Size(Width, Height), 0, 0, InterpolationFlags.Area);
        var mask = new byte[Width * Height];
        for (var y = 0; y < Height; y++)
            for (var x = 0; x < Width; x++)
                mask[y * Width + x] = small.At<byte>(y, x) >= 128 ? (byte)1 : (byte)0;
        return mask;
    }

    private static void WriteOverlay(string sequence, bool propagate, int t, FloatImage source, FloatImage rendered, byte[] truth)
    {
        var dir = Path.Combine(RepoRoot(), "out", "test-artifacts", "rotoscope");
        Directory.CreateDirectory(dir);
        using var image = new Mat(Height, Width, MatType.CV_8UC3);
        var s = source.Pixels;
        var r = rendered.Pixels;
        for (var y = 0; y < Height; y++)
            for (var x = 0; x < Width; x++)
            {
                var i = (y * Width + x) * 4;
                var a = r[i + 3];
                var red = Math.Clamp(s[i] * (1 - 0.5f * a) + 0.5f * a, 0, 1);
                image.Set(y, x, new Vec3b((byte)(s[i + 2] * (1 - 0.5f * a) * 255), (byte)(s[i + 1] * (1 - 0.5f * a) * 255), (byte)(red * 255)));
            }
        using var truthMat = new Mat(Height, Width, MatType.CV_8UC1);
        for (var i = 0; i < truth.Length; i++) truthMat.Set(i / Width, i % Width, (byte)(truth[i] * 255));
        Cv2.FindContours(truthMat, out var contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);
        Cv2.DrawContours(image, contours, -1, new Scalar(0, 255, 0), 1);
        Cv2.ImWrite(Path.Combine(dir, $"{sequence}-{(propagate ? "propagated" : "per-frame")}-{t:D3}.png"), image);
    }

    private static string RepoRoot([CallerFilePath] string path = "")
    {
        for (var d = new DirectoryInfo(Path.GetDirectoryName(path)!); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Runway.Plugins.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root (Runway.Plugins.sln) not found above " + path);
    }
}
