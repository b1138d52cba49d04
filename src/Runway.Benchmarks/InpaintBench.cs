using System.Runtime.InteropServices;
using Runway.Client;
using Runway.Protocol.V1;

namespace Runway.Benchmarks;

/// <summary>Inpaint throughput at 1080p float: a textured frame with a boom-sized hole, final and draft quality.</summary>
public static class InpaintBench
{
    public static async Task<(double FinalFps, double DraftFps, string Engine)> RunAsync(RunwayClient client, bool quick)
    {
        const int w = 1920, h = 1080, bpp = 16;
        using var source = new NativeBuffer((long)w * h * bpp);
        using var mask = new NativeBuffer((long)w * h * bpp);
        using var output = new NativeBuffer((long)w * h * bpp);
        Fill(source, mask, w, h);
        var src = TransportBench.View(source, w, h, Depth.F32, bpp);
        var msk = TransportBench.View(mask, w, h, Depth.F32, bpp);
        var dst = TransportBench.View(output, w, h, Depth.F32, bpp);
        var final = new RenderRequest("com.runwayml.inpaint");
        var draft = final with { Interactive = true };
        string engine = "";
        var runs = quick ? 3 : 8;
        var finalTime = await Stopwatches.MeasureAsync(async () => engine = (await client.RenderAsync(final, src, msk, dst)).Info.Engine, runs, warmup: 1);
        var draftTime = await Stopwatches.MeasureAsync(() => client.RenderAsync(draft, src, msk, dst), runs, warmup: 1);
        return (1000 / finalTime.MedianMs, 1000 / draftTime.MedianMs, engine);
    }

    /// <summary>A smooth gradient with fine stripes, HDR highlights, and a boom-mic-shaped hole (about 3% of the frame).</summary>
    private static unsafe void Fill(NativeBuffer source, NativeBuffer mask, int w, int h)
    {
        var s = new Span<float>(source.Pointer, w * h * 4);
        var m = new Span<float>(mask.Pointer, w * h * 4);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var i = (y * w + x) * 4;
                var stripe = (x / 12 % 2) * 0.1f;
                s[i] = 0.2f + 0.6f * x / w + stripe;
                s[i + 1] = 0.3f + 0.5f * y / h;
                s[i + 2] = 0.5f + (x * y % 97) / 970f;
                s[i + 3] = 1;
                if ((x - 1400) * (x - 1400) + (y - 300) * (y - 300) < 400) s[i] = s[i + 1] = s[i + 2] = 3.5f; // highlight > 1
                // Rod from the top-left towards (900, 820) plus an ellipse at its tip (rows are bottom-up here: y is height - row).
                var d = Math.Abs(0.9f * x - y + 100) / 1.345f;
                var inRod = d < 14 && x < 900;
                var inHead = (x - 900) * (x - 900) / 4900f + (y - 910) * (y - 910) / 1600f < 1;
                var hole = inRod || inHead ? 1f : 0f;
                m[i] = m[i + 1] = m[i + 2] = m[i + 3] = hole;
            }
        }
    }
}
