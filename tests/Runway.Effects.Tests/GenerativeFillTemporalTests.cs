using Runway.Effects.Definitions;
using Runway.Effects.Engines.Synthesis;
using Runway.Effects.Pixels;
using Runway.Effects.Quality;
using Xunit.Abstractions;

namespace Runway.Effects.Tests;

/// <summary>
/// Temporal mode of generative fill on real video: the DAVIS swan (its real per-frame mask, drifting) pasted over
/// running_car.mp4 (<see cref="TemporalClip"/>), removed frame by frame. Warped flicker inside the hole
/// (<see cref="TemporalMetrics.WarpedFlicker"/>, motion from the clean frames) of the temporal renders (the sequence
/// recipe: plain patch fill + the previous frame's fill carried by the background motion) against each frame's plain
/// fill on its own, and in absolute terms.
/// </summary>
public sealed class GenerativeFillTemporalTests(ITestOutputHelper output)
{
    // Few frames at reduced size so the test stays around 20 s on a loaded 2-core machine (12 fills, 5 metric flows).
    private const int FirstFrame = 122;
    private const int Count = 6;
    private const int Width = 243;
    private const int Height = 135;
    private const int Drift = 2;

    [Fact]
    public void Temporal_mode_lowers_warped_flicker_inside_the_hole_on_real_video()
    {
        using var clip = TemporalClip.Load(FirstFrame, Count, Width, Height, Drift);
        // A previous frame with nothing to fill: the sequence recipe with nothing to carry, i.e. the frame's plain patch
        // fill on its own — the per-frame baseline, and frame 0 of the temporal run, as in a sequence whose hole starts
        // one frame in (the same setup as the measurements below from before the detail param).
        using var empty = Images.Filled(Width, Height, (_, _) => (0f, 0f, 0f, 1f));
        var own = new List<FloatImage>();
        var temporal = new List<FloatImage>();
        FloatImage? still = null;
        try
        {
            var engine = new GenerativeFillEngine();
            for (var i = 0; i < Count; i++)
            {
                own.Add(Render(new GenerativeFillEngine(), clip, i, empty));
                temporal.Add(Render(engine, clip, i, i > 0 ? clip.Masks[i - 1] : empty));
            }
            // Frame 0 with no previous frame at all takes the still (textured) recipe: the step from it to frame 1's
            // sequence fill is reported, not asserted (a first frame's look is the lead's trade; see the report).
            still = Render(new GenerativeFillEngine(), clip, 0, null);
            var firstStep = TemporalMetrics.WarpedFlicker(still, temporal[1], clip.Truth[0], clip.Truth[1], clip.Holes[1]);
            double ownFlicker = 0, temporalFlicker = 0, truthFlicker = 0, ownPsnr = 0, temporalPsnr = 0;
            for (var i = 1; i < Count; i++)
            {
                ownFlicker += TemporalMetrics.WarpedFlicker(own[i - 1], own[i], clip.Truth[i - 1], clip.Truth[i], clip.Holes[i]);
                temporalFlicker += TemporalMetrics.WarpedFlicker(temporal[i - 1], temporal[i], clip.Truth[i - 1], clip.Truth[i], clip.Holes[i]);
                truthFlicker += TemporalMetrics.WarpedFlicker(clip.Truth[i - 1], clip.Truth[i], clip.Truth[i - 1], clip.Truth[i], clip.Holes[i]);
                ownPsnr += ImageMetrics.Psnr(clip.Truth[i], own[i], clip.Holes[i], MaskRegion.Inside);
                temporalPsnr += ImageMetrics.Psnr(clip.Truth[i], temporal[i], clip.Holes[i], MaskRegion.Inside);
            }
            var n = Count - 1;
            ownFlicker /= n; temporalFlicker /= n; truthFlicker /= n; ownPsnr /= n; temporalPsnr /= n;
            var ratio = temporalFlicker / ownFlicker;
            output.WriteLine($"warped flicker in hole: temporal {temporalFlicker:F4} per-frame {ownFlicker:F4} ({ratio:P0}) truth {truthFlicker:F4}; " +
                             $"PSNR in hole temporal {temporalPsnr:F2} per-frame {ownPsnr:F2} dB; still frame 0 → sequence frame 1 step {firstStep:F4}");
            Assert.True(ratio <= MaxFlickerRatio, $"temporal flicker is {ratio:P0} of per-frame, above {MaxFlickerRatio:P0}");
            Assert.True(temporalFlicker <= MaxFlicker, $"temporal flicker {temporalFlicker:F4} above {MaxFlicker:F4}");
            Assert.True(temporalPsnr >= ownPsnr - MaxPsnrLossDb, $"temporal PSNR {temporalPsnr:F2} dB vs per-frame {ownPsnr:F2} dB");
        }
        finally
        {
            foreach (var image in own.Concat(temporal)) image.Dispose();
            still?.Dispose();
        }
    }

    // Measured 2026-11-24 at HEAD 6852f8d and again with the sequence recipe restored (frames 122-127 at 243×135, swan
    // drifting 2 px/frame, default params, deterministic): warped flicker inside the hole 0.0054 temporal vs 0.0059
    // per-frame (92%); the clean clip itself scores 0.0077 (the floor of the flow the metric measures with: real texture
    // reads as flicker, so a fill smoother than the truth already sits below it). PSNR inside the hole 16.68 temporal vs
    // 16.62 dB per-frame. Other settings on the same frames: blend 0.5 → 94%, 0.65 → 100%; the textured still recipe in
    // sequences (tried, not kept): 0.0189 temporal vs 0.0257 per-frame (74%), 3.5× the absolute flicker. The ratio
    // threshold keeps half the measured reduction as margin; the absolute bound is 0.0054 plus about 20%, far below the
    // textured recipe's 0.0189.
    private const double MaxFlickerRatio = 0.96;
    private const double MaxFlicker = 0.0065;
    private const double MaxPsnrLossDb = 0.25;

    // Renders frame i in temporal mode; previousMask null = no previous frame among the neighbours.
    private static FloatImage Render(GenerativeFillEngine engine, TemporalClip clip, int i, FloatImage? previousMask)
    {
        var result = new FloatImage(Width, Height);
        var p = ParamSet.Bind(GenerativeFillDefinition.Definition, new Dictionary<string, object>
        {
            [GenerativeFillDefinition.ParamTemporal] = true,
        });
        // Frame 0's stand-in previous frame is its own picture with an empty mask (see the test).
        IReadOnlyList<TimedImage> neighbours = previousMask is null ? [] : [new TimedImage(i - 1, clip.Pasted[Math.Max(i - 1, 0)], previousMask)];
        engine.Render(new EffectFrame(clip.Pasted[i], clip.Masks[i], result, p, i, 1, false, "gf-temporal") { Neighbours = neighbours },
            CancellationToken.None);
        return result;
    }
}
