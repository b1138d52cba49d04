using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Synthesis;
using Runway.Effects.Pixels;
using Spectre.Console;

namespace Runway.Benchmarks;

/// <summary>
/// <c>runway-bench --generative-fill</c>: the classical generative fill engine in process on a 1080p RGBA float frame
/// with a centred ellipse covering ~10% of the frame — final quality, final in temporal mode (fills the previous frame
/// too, unless cached, estimates flow and blends), the interactive draft path (target ≤ 150 ms) with and without temporal mode
/// (uncached and with the previous frame's field cached), next to a memcpy of the
/// same frame measured in the same run.
/// </summary>
public static class GenerativeFillBench
{
    /// <summary>Figures for one configuration.</summary>
    public sealed record Figures(string Configuration, double MedianMs, double FramesPerSecond);

    public static int Run(bool quick, bool json)
    {
        const int w = 1920, h = 1080;
        using var current = BenchFrames.TexturedPan(w, h, 0);
        using var previous = BenchFrames.TexturedPan(w, h, 3);
        using var output = new FloatImage(w, h);
        // 10% of 1920×1080 as an ellipse: π/4 · a · b = 207 360 → 600 × 440.
        ParamSet Params(bool temporal) => ParamSet.Bind(GenerativeFillDefinition.Definition, new Dictionary<string, object>
        {
            [GenerativeFillDefinition.ParamMaskSource] = GenerativeFillDefinition.MaskEllipse,
            [GenerativeFillDefinition.ParamCenter] = new[] { 960.0, 540.0 },
            [GenerativeFillDefinition.ParamSize] = new[] { 600.0, 440.0 },
            [GenerativeFillDefinition.ParamTemporal] = temporal,
        });
        EffectFrame Make(ParamSet p, bool interactive) => new(current, null, output, p, 10, 1, interactive, "bench")
        {
            Neighbours = [new TimedImage(9, previous, null)],
        };
        var runs = quick ? 2 : 5;
        var results = new List<Figures>();
        void Measure(string name, Func<EffectFrame> frame)
        {
            // A fresh engine per run for the uncached figures, so the previous frame's field is really computed.
            var t = Stopwatches.Measure(() => new GenerativeFillEngine().Render(frame(), CancellationToken.None), runs, warmup: 1);
            results.Add(new Figures(name, t.MedianMs, 1000 / t.MedianMs));
        }
        Measure("final", () => Make(Params(false), false));
        Measure("final + temporal (previous frame uncached)", () => Make(Params(true), false));
        Measure("draft (interactive)", () => Make(Params(false), true));
        Measure("draft + temporal (interactive)", () => Make(Params(true), true));
        // Scrubbing or playing back: the previous frame's draft fill is already in the engine's content-keyed cache
        // (drafting frame 9 first leaves it there), so only this frame's fill, the flow and the blend remain.
        var shared = new GenerativeFillEngine();
        shared.Render(new EffectFrame(previous, null, output, Params(true), 9, 1, true, "bench"), CancellationToken.None);
        var cached = Stopwatches.Measure(() => shared.Render(Make(Params(true), true), CancellationToken.None), runs, warmup: 1);
        results.Add(new Figures("draft + temporal (interactive, previous fill cached)", cached.MedianMs, 1000 / cached.MedianMs));
        var memcpy = Stopwatches.Measure(() => current.Pixels.CopyTo(output.Pixels), runs);
        var draftMs = results[2].MedianMs;
        if (json)
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { size = "1080p", hole = "10% ellipse", results, memcpyMs = memcpy.MedianMs, draftTargetMs = 150 }));
        }
        else
        {
            var table = new Table().AddColumns("1080p generative fill (10% hole)", "median ms", "frames/s", "× memcpy");
            foreach (var r in results)
                table.AddRow(r.Configuration, $"{r.MedianMs:0.0}", $"{r.FramesPerSecond:0.00}", $"{r.MedianMs / memcpy.MedianMs:0}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"memcpy of the frame: {memcpy.MedianMs:0.00} ms; draft target ≤ 150 ms: {(draftMs <= 150 ? "[green]met[/]" : "[red]missed[/]")}");
        }
        return draftMs <= 150 ? 0 : 1;
    }

}
