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
/// Disocclusions found behind the moving subjects (e.g. 01_dog k = 6: ~210 px of 230 400) are reported, not filled.
/// </remarks>
public class ExtendShotQualityTests(ITestOutputHelper output)
{
    private const int HeldOut = 6;
    private const int History = 6;

    private sealed record Scores(double[] Psnr, double[] Ssim, double[] HoldPsnr, double[] HoldSsim);

    private Scores Evaluate(string clip)
    {
        const int width = 640, height = 360;
        using var data = ExtendShotClip.LoadTail(clip, History + 1 + HeldOut, width, height);
        var engine = new ExtendShotEngine();
        var endIndex = History;
        var end = data.Frames[endIndex];
        var neighbours = Enumerable.Range(0, History).Select(i => new TimedImage(i, data.Frames[i], null)).ToList();
        var ps = ParamSet.Bind(ExtendShotDefinition.Definition, new Dictionary<string, object>
        {
            [ExtendShotDefinition.ParamFrames] = (long)HeldOut,
            [ExtendShotDefinition.ParamHistory] = (long)History,
        });
        var scores = new Scores(new double[HeldOut], new double[HeldOut], new double[HeldOut], new double[HeldOut]);
        using var result = new FloatImage(width, height);
        for (var k = 1; k <= HeldOut; k++)
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
}
