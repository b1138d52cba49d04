using Runway.Effects.Definitions;
using Runway.Effects.Engines.Extend;
using Runway.Effects.Pixels;
using Runway.Effects.Quality;
using Xunit.Abstractions;

namespace Runway.Effects.Tests;

/// <summary>
/// Extend shot on real clips against the truth: the last <see cref="HeldOut"/> frames of a clip are held out, the shot
/// is extended from the <see cref="History"/> + 1 frames before them (the default final-quality engine, at 640×360 to
/// keep the test short), and each generated frame is scored against the held-out frame with PSNR and SSIM, next to the
/// "hold the last frame" baseline.
/// </summary>
/// <remarks>
/// Measured on this machine (PSNR dB / SSIM, extension vs hold), frames k = 1, 2:
/// 01_dog 31.30/0.9668 vs 28.29/0.9558, 27.09/0.9408 vs 25.00/0.9372;
/// 02_cups 28.84/0.9566 vs 28.59/0.9539, 23.84/0.9125 vs 23.56/0.9028;
/// 03_blocks 25.62/0.9547 vs 25.32/0.9550, 22.14/0.9342 vs 21.96/0.9379;
/// water (static), worst of k = 1..6: −0.18 dB, −0.0003 SSIM.
/// The clips' tails have little camera motion (under 0.1 px per frame): the gains come from carrying on the motion of
/// the subjects (residual flow kept where it persists over two frame pairs). On 03_blocks the resampled frame is
/// softer than the held one, so SSIM is allowed to trail hold slightly there while PSNR must still be ahead.
/// With the history frames blended in (agreement-weighted, weight 0.35 per step back) the figures above are unchanged to
/// the printed digits on the moving clips at k = 1, 2 (01_dog k = 2: 27.08/0.9407, −0.01 dB/−0.0001) and water gains
/// 0.02–0.04 dB at k = 1..6 (k = 1: 45.99 vs 45.97 before). The clips are compressed video whose static areas repeat
/// the same coding noise frame to frame, so there is little noise left to average out; the blend's gain there is small.
/// Disocclusions found behind the moving subjects (e.g. 01_dog k = 6: ~210 px of 230 400) are taken from older history
/// frames where those show background (ExtendShotOptions.DisocclusionsFromHistory, on by default): 0 px on 01_dog and
/// 02_cups (the background a walking subject uncovers was behind it in every history frame too), 27–187 px of 31–314 on
/// 03_blocks at k = 3..6; the figures above are unchanged by it. The rest keep the warp's sample from behind the subject.
/// Filling them with patch synthesis (ExtendShotOptions.FillDisocclusions) was measured on the camera-motion windows
/// below too, k = 1..3: skateboard −0.02..0 dB, tennis −0.06..+0.01 dB (SSIM −0.0019..+0.0005), blackswan 0..−0.02 dB;
/// no gain, so it stays off (after the history fill as well: tennis −0.02..+0.08 dB, blackswan k = 3 −0.02 dB,
/// skateboard k = 3 −0.01 dB).
/// </remarks>
public class ExtendShotQualityTests(ITestOutputHelper output)
{
    private const int HeldOut = 6;
    private const int History = 6;

    // Frames held out on the camera-motion windows: k = 1, 2 are asserted, k = 3 is printed; fewer keeps them quick.
    private const int CameraHeldOut = 3;

    private sealed record Scores(double[] Psnr, double[] Ssim, double[] HoldPsnr, double[] HoldSsim);

    private Scores Evaluate(string clip)
    {
        using var data = ExtendShotClip.LoadTail(clip, History + 1 + HeldOut, 640, 360);
        return Evaluate(clip, data);
    }

    /// <summary>Extends from the first <see cref="History"/> + 1 frames of <paramref name="data"/> and scores the rest.</summary>
    private Scores Evaluate(string clip, ExtendShotClip data, ExtendShotOptions? options = null, int heldOut = HeldOut)
    {
        var width = data.Frames[0].Width;
        var height = data.Frames[0].Height;
        var engine = new ExtendShotEngine(options ?? new ExtendShotOptions());
        var endIndex = History;
        var end = data.Frames[endIndex];
        var neighbours = Enumerable.Range(0, History).Select(i => new TimedImage(i, data.Frames[i], null)).ToList();
        var ps = ParamSet.Bind(ExtendShotDefinition.Definition, new Dictionary<string, object>
        {
            [ExtendShotDefinition.ParamFrames] = (long)HeldOut,
            [ExtendShotDefinition.ParamHistory] = (long)History,
        });
        // The extension stays HeldOut frames long whatever is scored, so the figures do not depend on heldOut.
        var scores = new Scores(new double[heldOut], new double[heldOut], new double[heldOut], new double[heldOut]);
        using var result = new FloatImage(width, height);
        for (var k = 1; k <= heldOut; k++)
        {
            var frame = new EffectFrame(end, null, result, ps, endIndex + k, 1.0, false, "quality")
            {
                Neighbours = neighbours,
                SourceRange = new ClipRange(0, endIndex),
            };
            var r = engine.Render(frame, CancellationToken.None);
            var truth = data.Frames[endIndex + k];
            scores.Psnr[k - 1] = ImageMetrics.Psnr(truth, result);
            scores.Ssim[k - 1] = ImageMetrics.Ssim(truth, result);
            scores.HoldPsnr[k - 1] = ImageMetrics.Psnr(truth, end);
            scores.HoldSsim[k - 1] = ImageMetrics.Ssim(truth, end);
            output.WriteLine($"{clip} k={k}: PSNR {scores.Psnr[k - 1]:0.00} (hold {scores.HoldPsnr[k - 1]:0.00}) " +
                $"SSIM {scores.Ssim[k - 1]:0.0000} (hold {scores.HoldSsim[k - 1]:0.0000}) | {string.Join("; ", r.Notes)}");
        }
        return scores;
    }

    // Margins are about half the measured gains (rounded down), so encoder-independent noise cannot flip them while a
    // regression that loses the motion (gain ≈ 0 or negative) fails.
    [Theory]
    [InlineData("clips/01_dog.mp4", 1.0, 0.002)]
    [InlineData("clips/02_cups.mp4", 0.1, 0.001)]
    [InlineData("clips/03_blocks.mp4", 0.05, -0.006)]
    public void First_extended_frames_beat_holding_the_last_frame_on_moving_clips(string clip, double minPsnrGain, double minSsimGain)
    {
        var s = Evaluate(clip);
        for (var k = 0; k < 2; k++)
        {
            Assert.True(s.Psnr[k] >= s.HoldPsnr[k] + minPsnrGain,
                $"{clip} frame {k + 1}: PSNR {s.Psnr[k]:0.00} dB, hold {s.HoldPsnr[k]:0.00} dB, wanted a gain of {minPsnrGain} dB");
            Assert.True(s.Ssim[k] >= s.HoldSsim[k] + minSsimGain,
                $"{clip} frame {k + 1}: SSIM {s.Ssim[k]:0.0000}, hold {s.HoldSsim[k]:0.0000}, wanted a gain of {minSsimGain}");
        }
    }

    // A nearly static clip: extrapolation must not invent motion. Tolerances are ~3× the worst measured loss.
    [Fact]
    public void Extension_of_a_static_clip_stays_within_a_small_tolerance_of_holding()
    {
        var s = Evaluate("clips/water_1080p.webm");
        for (var k = 0; k < HeldOut; k++)
        {
            Assert.True(s.Psnr[k] >= s.HoldPsnr[k] - 0.5, $"frame {k + 1}: PSNR {s.Psnr[k]:0.00} dB vs hold {s.HoldPsnr[k]:0.00} dB");
            Assert.True(s.Ssim[k] >= s.HoldSsim[k] - 0.002, $"frame {k + 1}: SSIM {s.Ssim[k]:0.0000} vs hold {s.HoldSsim[k]:0.0000}");
        }
    }

    // Real camera motion: windows whose last frames pan steadily (probe of per-pair camera similarities, RANSAC on LK
    // tracks): blackswan frames 37–46 about −8 px/frame at 854 wide; tennis frames 57–66 about −10 px/frame at 432 wide;
    // skateboard frames 44–53 about −7 px/frame at 640 wide with rotation 0.2°/frame and a skater moving on it;
    // bmx-trees frames 63–72, a fast jerky pan (−10 to −17 px/frame at 854 wide, vertical ±7) round a rider.
    // History 6 frames, 3 held out (PSNR dB / SSIM at k = 1, 2, extension vs hold, measured):
    //   blackswan 428×240   27.93/0.8385 vs 20.66/0.4543, 23.21/0.6325 vs 18.97/0.3447
    //   tennis 432×240      24.66/0.8402 vs 19.84/0.5843, 20.84/0.6486 vs 18.42/0.4851
    //   skateboard 640×360  25.31/0.8616 vs 18.81/0.5966, 20.88/0.7258 vs 17.15/0.5355
    //   bmx-trees 428×240   20.30/0.4154 vs 17.98/0.2535, 18.26/0.2578 vs 16.39/0.2139
    // Disocclusions taken from older history frames (session 6), against the warp alone, PSNR dB / SSIM change, k = 1, 2, 3:
    //   tennis      +0.031/+0.0005 (83 px), +0.025/+0.0006 (590 px), +0.001/−0.0019 (1090 px); inside the pixels it
    //               took 22.16 vs 14.41 dB, 20.81 vs 17.78, 17.62 vs 17.53
    //   skateboard  0.000/0.0000 (3 px), 0.000/0.0000 (9 px), 0.000/−0.0001 (21 px)
    //   blackswan, bmx-trees: no pixel taken (the subject covered the uncovered background in every history frame), no change
    // so tennis becomes 24.69/0.8407 and 20.87/0.6492 at k = 1, 2; the other rows are as above.
    // Margins are about half the smaller of the two measured gains, rounded down: a regression that loses the camera path
    // (gain ≈ 0) fails on every clip, while decoder or platform differences of a few hundredths cannot flip them.
    [Theory]
    [InlineData("vos/blackswan/frames", 37, 428, 240, 2.0, 0.14)]
    [InlineData("inpainting/video-object-removal/tennis", 57, 432, 240, 1.2, 0.08)]
    [InlineData("clips/skateboard.mp4", 44, 640, 360, 1.8, 0.09)]
    [InlineData("vos/bmx-trees/frames", 63, 428, 240, 0.9, 0.02)]
    public void First_extended_frames_beat_holding_the_last_frame_under_real_camera_motion(string clip, int first, int width, int height,
        double minPsnrGain, double minSsimGain)
    {
        using var data = ExtendShotClip.LoadWindow(clip, first, History + 1 + CameraHeldOut, width, height);
        var s = Evaluate(clip, data, heldOut: CameraHeldOut);
        AssertGains(clip, s, minPsnrGain, minSsimGain);
    }

    // The camera path alone (residual flow off), on the clip whose tail is mostly background: measured 22.18/0.8399 and
    // 19.73/0.6739 at k = 1, 2 against hold 19.84/0.5843 and 18.42/0.4851, so the similarity extrapolation by itself is
    // worth +2.3/+1.3 dB; the margins are half of that.
    [Fact]
    public void Camera_motion_alone_beats_holding_the_last_frame_on_a_pan()
    {
        const string clip = "inpainting/video-object-removal/tennis";
        using var data = ExtendShotClip.LoadWindow(clip, 57, History + 1 + CameraHeldOut, 432, 240);
        var s = Evaluate(clip + " (camera only)", data, new ExtendShotOptions(Residual: false), CameraHeldOut);
        AssertGains(clip, s, 0.6, 0.09);
    }

    private static void AssertGains(string clip, Scores s, double minPsnrGain, double minSsimGain)
    {
        for (var k = 0; k < 2; k++)
        {
            Assert.True(s.Psnr[k] >= s.HoldPsnr[k] + minPsnrGain,
                $"{clip} frame {k + 1}: PSNR {s.Psnr[k]:0.00} dB, hold {s.HoldPsnr[k]:0.00} dB, wanted a gain of {minPsnrGain} dB");
            Assert.True(s.Ssim[k] >= s.HoldSsim[k] + minSsimGain,
                $"{clip} frame {k + 1}: SSIM {s.Ssim[k]:0.0000}, hold {s.HoldSsim[k]:0.0000}, wanted a gain of {minSsimGain}");
        }
    }

    /// <summary>Mean gradient magnitude of the Rec.709 luma (linear) over the marked pixels: the detail a fill carries.</summary>
    private static double Detail(FloatImage image, byte[] mask)
    {
        var w = image.Width;
        var h = image.Height;
        var px = image.Buffer;
        float Luma(int x, int y)
        {
            x = Math.Clamp(x, 0, w - 1);
            y = Math.Clamp(y, 0, h - 1);
            var o = (y * w + x) * 4;
            return 0.2126f * px[o] + 0.7152f * px[o + 1] + 0.0722f * px[o + 2];
        }
        double sum = 0;
        var n = 0;
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
        {
            if (mask[y * w + x] == 0) continue;
            var gx = Luma(x + 1, y) - Luma(x - 1, y);
            var gy = Luma(x, y + 1) - Luma(x, y - 1);
            sum += Math.Sqrt(gx * gx + gy * gy) / 2;
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }

    // Disoccluded pixels no frame shows (ExtendShotOptions.FillNeverSeen): synthesised by patch fill from a crop around
    // them, against keeping the warp's sample from behind the subject (which streaks the subject's edge into the gap).
    // Scored on the camera windows at k = 1, 2, 3: whole frame (PSNR/SSIM) and inside the pixels the fill wrote (where the
    // two renders differ): PSNR, and detail (mean luma gradient) against the truth's. Measured (session 7), whole-frame
    // PSNR fill vs warp, then inside PSNR fill vs warp vs hold, detail fill / warp / truth:
    //   blackswan k = 3 (378 px)    20.732 vs 20.725; 22.83 vs 20.34 vs 19.68; 0.0253 / 0.0338 / 0.0235
    //   tennis k = 1 (48 px)        24.686 vs 24.686; 27.26 vs 27.59 vs 26.27; 0.0078 / 0.0086 / 0.0139
    //   tennis k = 2 (1279 px)      20.886 vs 20.866; 18.13 vs 17.33 vs 16.57; 0.0212 / 0.0269 / 0.0267
    //   tennis k = 3 (3059 px)      19.102 vs 19.118; 16.34 vs 16.64 vs 15.96; 0.0226 / 0.0311 / 0.0278
    //   skateboard k = 1 (154 px)   25.314 vs 25.314; 37.01 vs 37.69 vs 37.43; 0.0025 / 0.0018 / 0.0025
    //   skateboard k = 2 (311 px)   20.878 vs 20.878; 33.47 vs 33.36 vs 33.37
    //   skateboard k = 3 (1549 px)  18.847 vs 18.847; 32.37 vs 30.97 vs 29.73; 0.0027 / 0.0032 / 0.0026
    //   bmx-trees k = 3 (30 px)     16.616 vs 16.616; 37.58 vs 36.76 vs 34.18
    //   (blackswan and bmx-trees k = 1, 2: no disocclusion; SSIM changes −0.0005..+0.0008.)
    // With the moving subject left out of the sources (ExtendShotOptions.NeverSeenExcludesSubject) the whole frame lost up
    // to 0.25 dB (tennis k = 3: 18.869), so that stays off. Asserted: the issue's bound, no frame loses more than 0.05 dB.
    [Theory]
    [InlineData("vos/blackswan/frames", 37, 428, 240)]
    [InlineData("inpainting/video-object-removal/tennis", 57, 432, 240)]
    [InlineData("clips/skateboard.mp4", 44, 640, 360)]
    [InlineData("vos/bmx-trees/frames", 63, 428, 240)]
    public void Never_seen_disocclusions_filled_from_the_background_cost_the_frame_at_most_a_twentieth_of_a_dB(string clip, int first,
        int width, int height)
    {
        using var data = ExtendShotClip.LoadWindow(clip, first, History + 1 + CameraHeldOut, width, height);
        var filled = new ExtendShotEngine(new ExtendShotOptions());
        var kept = new ExtendShotEngine(new ExtendShotOptions(FillNeverSeen: false));
        var failures = new List<string>();
        var end = data.Frames[History];
        var neighbours = Enumerable.Range(0, History).Select(i => new TimedImage(i, data.Frames[i], null)).ToList();
        var ps = ParamSet.Bind(ExtendShotDefinition.Definition, new Dictionary<string, object>
        {
            [ExtendShotDefinition.ParamFrames] = (long)HeldOut,
            [ExtendShotDefinition.ParamHistory] = (long)History,
        });
        using var a = new FloatImage(width, height);
        using var b = new FloatImage(width, height);
        for (var k = 1; k <= CameraHeldOut; k++)
        {
            EffectFrame Frame(FloatImage into) => new(end, null, into, ps, History + k, 1.0, false, "quality")
            {
                Neighbours = neighbours,
                SourceRange = new ClipRange(0, History),
            };
            var notes = filled.Render(Frame(a), CancellationToken.None).Notes;
            kept.Render(Frame(b), CancellationToken.None);
            var truth = data.Frames[History + k];
            var mask = new byte[width * height];
            var changed = 0;
            for (var i = 0; i < mask.Length; i++)
            {
                for (var c = 0; c < 4; c++)
                {
                    if (a.Pixels[i * 4 + c] == b.Pixels[i * 4 + c]) continue;
                    mask[i] = 1;
                }
                changed += mask[i];
            }
            double pa = ImageMetrics.Psnr(truth, a), pb = ImageMetrics.Psnr(truth, b), ph = ImageMetrics.Psnr(truth, end);
            double sa = ImageMetrics.Ssim(truth, a), sb = ImageMetrics.Ssim(truth, b), sh = ImageMetrics.Ssim(truth, end);
            var inside = changed == 0 ? "" :
                $" | inside {changed} px: PSNR fill {ImageMetrics.Psnr(truth, a, mask, MaskRegion.Inside):0.00} warp {ImageMetrics.Psnr(truth, b, mask, MaskRegion.Inside):0.00} " +
                $"hold {ImageMetrics.Psnr(truth, end, mask, MaskRegion.Inside):0.00}; detail fill {Detail(a, mask):0.0000} warp {Detail(b, mask):0.0000} truth {Detail(truth, mask):0.0000}";
            output.WriteLine($"{clip} k={k}: PSNR fill {pa:0.000} warp {pb:0.000} hold {ph:0.000}; SSIM fill {sa:0.0000} warp {sb:0.0000} hold {sh:0.0000}{inside}");
            output.WriteLine("  " + string.Join("; ", notes.Where(n => n.Contains("disoccluded", StringComparison.Ordinal))));
            if (pa < pb - 0.05) failures.Add($"{clip} k={k}: PSNR with the fill {pa:0.000} dB, warp kept {pb:0.000} dB");
        }
        Assert.Empty(failures);
    }
}
