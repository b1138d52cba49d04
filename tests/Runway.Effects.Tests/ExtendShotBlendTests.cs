using OpenCvSharp;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Extend;
using Runway.Effects.Pixels;
using Xunit.Abstractions;

namespace Runway.Effects.Tests;

/// <summary>
/// Extend shot's final-render refinements on synthetic clips with a known truth: history frames blended in where they
/// agree, and disocclusions inside the frame found and filled.
/// </summary>
public class ExtendShotBlendTests(ITestOutputHelper log)
{
    private const int W = 320, H = 180;

    /// <summary>A smooth random texture (fixed seed), values 0.05..1.6 (part of it above 1), as RGB floats.</summary>
    private static float[] Texture(int seed)
    {
        var random = new Random(seed);
        var values = new float[H * W * 3];
        for (var i = 0; i < values.Length; i++) values[i] = random.NextSingle();
        using var noise = Mat.FromPixelData(H, W, MatType.CV_32FC3, values);
        using var smooth = new Mat();
        Cv2.GaussianBlur(noise, smooth, new Size(0, 0), 3.0);
        Cv2.Normalize(smooth, smooth, 0.05, 1.6, NormTypes.MinMax);
        var result = new float[H * W * 3];
        smooth.GetArray(out Vec3f[] pixels);
        for (var i = 0; i < pixels.Length; i++)
        {
            result[i * 3] = pixels[i].Item0;
            result[i * 3 + 1] = pixels[i].Item1;
            result[i * 3 + 2] = pixels[i].Item2;
        }
        return result;
    }

    private static FloatImage Image(float[] rgb, float alpha)
    {
        var image = new FloatImage(W, H);
        var px = image.Pixels;
        for (var i = 0; i < W * H; i++)
        {
            px[i * 4] = rgb[i * 3];
            px[i * 4 + 1] = rgb[i * 3 + 1];
            px[i * 4 + 2] = rgb[i * 3 + 2];
            px[i * 4 + 3] = alpha;
        }
        return image;
    }

    private static ParamSet Params(long history = 6) => ParamSet.Bind(ExtendShotDefinition.Definition, new Dictionary<string, object>
    {
        [ExtendShotDefinition.ParamDamping] = 0.0,
        [ExtendShotDefinition.ParamHistory] = history,
        [ExtendShotDefinition.ParamFrames] = 12L,
    });

    private static EffectResult Render(ExtendShotEngine engine, IReadOnlyList<FloatImage> clip, FloatImage output, int k) =>
        engine.Render(new EffectFrame(clip[^1], null, output, Params(), clip.Count - 1 + k, 1.0, false, "blend-test")
        {
            Neighbours = clip.Take(clip.Count - 1).Select((f, i) => new TimedImage(i, f, null)).ToList(),
            SourceRange = new ClipRange(0, clip.Count - 1),
        }, CancellationToken.None);

    /// <summary>Root-mean-square RGB error against the truth inside <paramref name="region"/>.</summary>
    private static double Rmse(float[] truth, FloatImage test, Rect region)
    {
        var px = test.Pixels;
        double sum = 0;
        var n = 0;
        for (var y = region.Top; y < region.Bottom; y++)
        for (var x = region.Left; x < region.Right; x++)
        for (var c = 0; c < 3; c++)
        {
            var d = px[(y * W + x) * 4 + c] - truth[(y * W + x) * 3 + c];
            sum += d * d;
            n++;
        }
        return Math.Sqrt(sum / n);
    }

    [Fact]
    public void History_blend_averages_out_frame_noise_on_a_static_shot_and_keeps_values_above_one_and_alpha()
    {
        var clean = Texture(7);
        // Seven frames of the same still picture, each with its own sensor-like noise (σ 0.004, about one code value).
        var noise = new Random(99);
        var clip = Enumerable.Range(0, 7).Select(_ =>
        {
            var noisy = clean.Select(v => v + 0.004f * (float)(noise.NextDouble() + noise.NextDouble() + noise.NextDouble() - 1.5) * 2f).ToArray();
            return Image(noisy, 0.75f);
        }).ToList();
        try
        {
            using var blended = new FloatImage(W, H);
            using var single = new FloatImage(W, H);
            var notes = Render(new ExtendShotEngine(), clip, blended, 1).Notes;
            Render(new ExtendShotEngine(new ExtendShotOptions(BlendHistory: false)), clip, single, 1);

            var inner = new Rect(8, 8, W - 16, H - 16);
            var withBlend = Rmse(clean, blended, inner);
            var endOnly = Rmse(clean, single, inner);
            log.WriteLine($"RMSE vs the clean picture: with history {withBlend:0.00000}, end frame only {endOnly:0.00000}");
            Assert.Contains(notes, n => n.StartsWith("blended 3 history frame(s)", StringComparison.Ordinal));
            // Averaging must clearly lower the noise: measured 0.00326 vs 0.00405 (ratio 0.805; with weights 1, 0.35,
            // 0.12, 0.04 and every sample accepted the ideal is 0.71). A blend that rejects every sample gives 1.0, one
            // that smears the picture more than that.
            Assert.True(withBlend < 0.9 * endOnly, $"RMSE with history {withBlend:0.00000}, end frame only {endOnly:0.00000}");
            var px = blended.Pixels;
            var max = 0f;
            for (var i = 0; i < W * H; i++)
            {
                max = Math.Max(max, px[i * 4]);
                Assert.Equal(0.75f, px[i * 4 + 3], 3);
            }
            Assert.True(max > 1.4f, $"brightest value {max}: values above 1 must pass the blend");
        }
        finally
        {
            foreach (var f in clip) f.Dispose();
        }
    }

    [Fact]
    public void Disocclusions_are_the_band_a_moving_subject_uncovers()
    {
        // Residual grid at half resolution: a 56×56 (full-resolution) subject at (60, 62) moving right 4 px per frame.
        const int gw = W / 2, gh = H / 2;
        var residual = new float[gw * gh * 2];
        for (var y = 31; y < 59; y++)
        for (var x = 30; x < 58; x++) residual[(y * gw + x) * 2] = 4f;
        var motion = new MotionEstimate(Similarity.Identity, residual, gw, gh, 6, 100);
        using var hole = new Mat(H, W, MatType.CV_8UC1, Scalar.All(0));

        var marked = ExtendShotEngine.MarkDisocclusions(motion, 6, Similarity.Identity, W, H, hole);

        // Six steps move it 24 px: the band x 60..84 behind it is uncovered, grown by the one-cell (2 px) margin.
        Assert.InRange(marked, 24 * 56, (24 + 8) * (56 + 8));
        using (var core = new Mat(hole, new Rect(64, 66, 16, 48))) Assert.Equal(16 * 48, Cv2.CountNonZero(core));
        using (var band = new Mat(hole, new Rect(56, 58, 32, 64))) Assert.Equal(marked, Cv2.CountNonZero(band));

        using var still = new Mat(H, W, MatType.CV_8UC1, Scalar.All(0));
        Assert.Equal(0, ExtendShotEngine.MarkDisocclusions(motion, 0, Similarity.Identity, W, H, still));
    }

    [Fact]
    public void Background_uncovered_behind_a_moving_subject_is_synthesised_from_the_background_beside_it()
    {
        // A static textured background and a darker textured square (so flow can follow it) moving right by 4 px per
        // frame.
        var background = Texture(11);
        var subject = Texture(23);
        const int size = 56, speed = 4, top = 62;
        float[] FrameAt(int t)
        {
            var rgb = (float[])background.Clone();
            var left = 60 + t * speed;
            for (var y = top; y < top + size; y++)
            for (var x = left; x < left + size; x++)
            for (var c = 0; c < 3; c++) rgb[(y * W + x) * 3 + c] = 0.25f * subject[((y - top) * W + x - left) * 3 + c];
            return rgb;
        }
        var clip = Enumerable.Range(0, 7).Select(t => Image(FrameAt(t), 1f)).ToList();
        try
        {
            const int k = 6;
            using var kept = new FloatImage(W, H);
            using var filled = new FloatImage(W, H);
            using var local = new FloatImage(W, H);
            using var excluded = new FloatImage(W, H);
            var keptNotes = Render(new ExtendShotEngine(new ExtendShotOptions(FillNeverSeen: false)), clip, kept, k).Notes;
            var filledNotes = Render(new ExtendShotEngine(new ExtendShotOptions(FillDisocclusions: true)), clip, filled, k).Notes;
            var localNotes = Render(new ExtendShotEngine(), clip, local, k).Notes;
            Render(new ExtendShotEngine(new ExtendShotOptions(NeverSeenExcludesSubject: true)), clip, excluded, k);
            log.WriteLine(string.Join("; ", localNotes));

            Assert.Contains(keptNotes, n => n.EndsWith("disoccluded pixels: background sampled from behind the subject by the warp", StringComparison.Ordinal));
            Assert.Contains(localNotes, n => n.Contains("disoccluded pixels no frame shows: synthesised from the background", StringComparison.Ordinal));
            var note = Assert.Single(filledNotes, n => n.Contains("disoccluded pixels filled", StringComparison.Ordinal));
            Assert.DoesNotContain(" 0 disoccluded", note, StringComparison.Ordinal);
            foreach (var v in filled.Pixels) Assert.True(float.IsFinite(v));
            // Why the frame-wide fill (FillDisocclusions, the revealed pixels' fill with the end frame as reference) stays
            // off: in the band the subject uncovers the warp is nearer the truth (RMSE 0.31) than it (0.53), which
            // borrows the subject's texture beside the hole.
            var band = new Rect(60 + 6 * speed, top, k * speed, size);
            var errKept = Rmse(background, kept, band);
            var errFilled = Rmse(background, filled, band);
            var errLocal = Rmse(background, local, band);
            var errExcluded = Rmse(background, excluded, band);
            log.WriteLine($"uncovered band RMSE: warp kept {errKept:0.0000}, frame-wide fill {errFilled:0.0000}, " +
                $"local fill (default) {errLocal:0.0000}, local fill with the subject left out {errExcluded:0.0000}");
            Assert.True(errKept <= errFilled, $"uncovered band RMSE: warp kept {errKept:0.0000}, filled {errFilled:0.0000}");
            // The default fills what no frame shows from a crop around it (ExtendShotOptions.FillNeverSeen): measured 0.2834
            // against 0.3087 for the warp (−8%); leaving the subject out of the sources measured 0.2466 here but lost
            // 0.03–0.25 dB on the real camera windows, so it is not the default (see ExtendShotQualityTests). Asserted: the
            // default beats the warp by 4%, half the measured gain.
            Assert.True(errLocal < 0.96 * errKept, $"uncovered band RMSE: local fill {errLocal:0.0000}, warp kept {errKept:0.0000}");
            Assert.True(errExcluded < errKept, $"uncovered band RMSE: subject left out {errExcluded:0.0000}, warp kept {errKept:0.0000}");
        }
        finally
        {
            foreach (var f in clip) f.Dispose();
        }
    }
    // A subject narrower than its travel over the history: the background it uncovers at frame k was in view a few
    // frames before the end, so the older history frames (warped by the camera, here none) hold the truth there.
    [Fact]
    public void Background_a_narrow_subject_uncovers_is_taken_from_older_history_frames()
    {
        var background = Texture(31);
        var subject = Texture(47);
        const int width = 12, height = 64, speed = 4, top = 58;
        float[] FrameAt(int t)
        {
            var rgb = (float[])background.Clone();
            var left = 100 + t * speed;
            for (var y = top; y < top + height; y++)
            for (var x = left; x < left + width; x++)
            for (var c = 0; c < 3; c++) rgb[(y * W + x) * 3 + c] = 0.2f * subject[((y - top) * W + x - left) * 3 + c];
            return rgb;
        }
        var clip = Enumerable.Range(0, 7).Select(t => Image(FrameAt(t), 1f)).ToList();
        try
        {
            const int k = 3;
            using var fromHistory = new FloatImage(W, H);
            using var warpOnly = new FloatImage(W, H);
            // The never-seen fill off on both sides: this measures what the history frames give.
            var notes = Render(new ExtendShotEngine(new ExtendShotOptions(FillNeverSeen: false)), clip, fromHistory, k).Notes;
            Render(new ExtendShotEngine(new ExtendShotOptions(DisocclusionsFromHistory: false, FillNeverSeen: false)), clip, warpOnly, k);
            log.WriteLine(string.Join("; ", notes));

            var note = Assert.Single(notes, n => n.Contains("taken from older history frames", StringComparison.Ordinal));
            Assert.DoesNotContain(": 0 taken", note, StringComparison.Ordinal);
            // The band the bar leaves behind between the end frame (x 124..136) and frame k (x 136..148). Measured: 104
            // of 571 disoccluded pixels taken (the rest lie where the blurred residual of the bar still marks the band as
            // covered in every history frame), band RMSE 0.3654 against 0.4003 for the warp alone (−9%). The margin
            // asserted, 4%, fails if the fill takes nothing or takes the bar's own pixels.
            var band = new Rect(100 + 6 * speed, top + 4, width, height - 8);
            var errHistory = Rmse(background, fromHistory, band);
            var errWarp = Rmse(background, warpOnly, band);
            log.WriteLine($"uncovered band RMSE: from history {errHistory:0.0000}, warp only {errWarp:0.0000}");
            Assert.True(errHistory < 0.96 * errWarp, $"uncovered band RMSE: from history {errHistory:0.0000}, warp only {errWarp:0.0000}");
        }
        finally
        {
            foreach (var f in clip) f.Dispose();
        }
    }
}
