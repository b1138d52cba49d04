using Runway.Effects.Definitions;
using Runway.Effects.Engines.Classical;
using Runway.Effects.Pixels;
using Runway.Effects.Quality;
using Xunit.Abstractions;

namespace Runway.Effects.Tests;

/// <summary>
/// Inpaint over time on real footage with known truth (see <see cref="TemporalClip"/>): removing a real object pasted
/// over a real moving-camera clip, with neighbouring frames, must beat the spatial-only fill of the same frames inside
/// the object, and flicker less there.
/// </summary>
public sealed class TemporalInpaintQualityTests(ITestOutputHelper output)
{
    private const int Width = 486;   // running_car.mp4 is 972x540; half size keeps the test within seconds
    private const int Height = 270;
    private const int FirstFrame = 120;
    private const int Window = 2;
    private const int Scored = 6;    // frames scored; Window more on each side feed them
    // The camera barely moves in this stretch of the clip (a snowfield, trees, a car passing), so the background behind a
    // still object never shows; the pasted swan therefore also slides 12 px per frame (24 px at the clip's size), as a
    // walking or swimming object would. At 3 px/frame ±2 frames uncover only ~20% of the hole and the gain is 0.7 dB.
    private const int Drift = 12;

    private static readonly InpaintEngine Engine = new();

    [Fact]
    public void Temporal_fill_beats_spatial_fill_inside_a_moving_real_object_and_flickers_less()
    {
        using var clip = TemporalClip.Load(FirstFrame, Scored + 2 * Window, Width, Height, Drift);
        var temporal = new List<FloatImage>();
        var spatial = new List<FloatImage>();
        try
        {
            double tPsnr = 0, sPsnr = 0, tSsim = 0, sSsim = 0;
            for (var k = 0; k < Scored; k++)
            {
                var i = k + Window;
                var t = Render(clip, i, Window);
                var s = Render(clip, i, 0);
                temporal.Add(t);
                spatial.Add(s);
                var hole = clip.Holes[i];
                var (tp, sp) = (ImageMetrics.Psnr(clip.Truth[i], t, hole, MaskRegion.Inside), ImageMetrics.Psnr(clip.Truth[i], s, hole, MaskRegion.Inside));
                var (ts, ss) = (ImageMetrics.Ssim(clip.Truth[i], t, hole, MaskRegion.Inside), ImageMetrics.Ssim(clip.Truth[i], s, hole, MaskRegion.Inside));
                output.WriteLine($"frame {FirstFrame + i}: hole {hole.Count(b => b != 0)} px  PSNR temporal {tp:F2} spatial {sp:F2} dB  SSIM temporal {ts:F3} spatial {ss:F3}");
                tPsnr += tp; sPsnr += sp; tSsim += ts; sSsim += ss;
            }
            tPsnr /= Scored; sPsnr /= Scored; tSsim /= Scored; sSsim /= Scored;

            double tFlicker = 0, sFlicker = 0;
            for (var k = 1; k < Scored; k++)
            {
                var i = k + Window;
                tFlicker += TemporalMetrics.WarpedFlicker(temporal[k - 1], temporal[k], clip.Truth[i - 1], clip.Truth[i], clip.Holes[i]);
                sFlicker += TemporalMetrics.WarpedFlicker(spatial[k - 1], spatial[k], clip.Truth[i - 1], clip.Truth[i], clip.Holes[i]);
            }
            tFlicker /= Scored - 1;
            sFlicker /= Scored - 1;
            double truthFlicker = 0;
            for (var k = 1; k < Scored; k++)
                truthFlicker += TemporalMetrics.WarpedFlicker(clip.Truth[k - 1 + Window], clip.Truth[k + Window], clip.Truth[k - 1 + Window], clip.Truth[k + Window], clip.Holes[k + Window]);
            truthFlicker /= Scored - 1;
            output.WriteLine($"mean PSNR temporal {tPsnr:F2} spatial {sPsnr:F2} dB (gain {tPsnr - sPsnr:F2}); SSIM temporal {tSsim:F3} spatial {sSsim:F3}");
            output.WriteLine($"warped flicker in hole: temporal {tFlicker:F4} spatial {sFlicker:F4} truth {truthFlicker:F4}");

            Assert.True(tPsnr - sPsnr >= MinPsnrGainDb, $"temporal PSNR {tPsnr:F2} dB vs spatial {sPsnr:F2} dB: gain below {MinPsnrGainDb} dB");
            Assert.True(tSsim - sSsim >= MinSsimGain, $"temporal SSIM {tSsim:F3} vs spatial {sSsim:F3}: gain below {MinSsimGain}");
            Assert.True(tFlicker <= sFlicker * MaxFlickerRatio, $"temporal flicker {tFlicker:F4} vs spatial {sFlicker:F4}: above {MaxFlickerRatio} of it");
        }
        finally
        {
            foreach (var image in temporal.Concat(spatial)) image.Dispose();
        }
    }

    // Measured once (frames 122-127 of running_car.mp4 at 486x270, blackswan frames 2-7, window 2, medium flow, default
    // params, Telea for what no neighbour shows): 42-45% of the filled region (dilated hole + feather band) comes from
    // neighbours; mean PSNR inside the swan 28.17 dB temporal vs 26.36 dB spatial (+1.81 dB; per frame from -2.3 dB on
    // frame 122, where a car and a small dark figure hidden under the swan are not in the neighbours' view of that
    // background, to +4.2 dB); mean SSIM 0.922 vs 0.919 (+0.003: the unseen part is still a smooth Telea fill, which
    // SSIM on snow rewards); warped flicker 0.0148 vs 0.0155 (-4.5%; the clean clip itself scores 0.0073, the floor of
    // the flow used to measure). Thresholds keep about half the measured PSNR margin; SSIM and flicker margins are
    // small, so those only require "no worse than spatial" (flicker by 1%). Everything is deterministic.
    private const double MinPsnrGainDb = 1.0;
    private const double MinSsimGain = 0.0;
    private const double MaxFlickerRatio = 0.99;

    private FloatImage Render(TemporalClip clip, int index, int window)
    {
        var result = new FloatImage(Width, Height);
        var p = Images.InpaintParams((InpaintDefinition.ParamTemporalWindow, (long)window));
        var neighbours = new List<TimedImage>();
        for (var d = -Window; d <= Window; d++)
        {
            if (d != 0) neighbours.Add(new TimedImage(index + d, clip.Pasted[index + d], clip.Masks[index + d]));
        }
        var frame = Images.Frame(clip.Pasted[index], clip.Masks[index], result, p) with { Time = index, Neighbours = neighbours };
        var r = Engine.Render(frame, CancellationToken.None);
        if (window > 0) output.WriteLine(string.Join("; ", r.Notes));
        return result;
    }
}
