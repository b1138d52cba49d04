using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Rotoscope;
using Runway.Effects.Pixels;
using Spectre.Console;

namespace Runway.Benchmarks;

/// <summary>
/// <c>runway-bench --rotoscope</c>: the classical rotoscope engine in process on 1080p RGBA float frames, final and
/// draft, for the frame a sequential render spends most of its time on — one propagated from the previous frame (its
/// matte cached) with the neighbours ±1 a host sends — and for a keyframe. Next to a memcpy of the same frame measured
/// in the same run. Draft target: ≤ 150 ms per frame.
/// </summary>
public static class RotoscopeBench
{
    /// <summary>Figures for one render kind.</summary>
    /// <param name="FinalCpuMs">Process CPU time per final render: on a loaded machine wall time overstates the cost, CPU
    /// time does not (it bounds the wall time of a quiet machine from above when the work runs on one core).</param>
    public sealed record Figures(string Kind, double FinalMs, double FinalFps, double DraftMs, double DraftFps, double FinalCpuMs, double DraftCpuMs);

    public static int Run(bool quick, bool json)
    {
        const int w = 1920, h = 1080;
        var frames = Enumerable.Range(0, 3).Select(t => Scene(w, h, 900 + 12 * t)).ToArray();
        using var hint = Disc(w, h, 900);
        using var empty = new FloatImage(w, h);
        using var output = new FloatImage(w, h);
        var engine = new RotoscopeEngine();
        var p = ParamSet.Bind(RotoscopeDefinition.Definition, new Dictionary<string, object> { [RotoscopeDefinition.ParamWindow] = 1L });
        var runs = quick ? 3 : 8;
        var results = new List<Figures>();

        (double Wall, double Cpu) Time(bool interactive, bool keyframe)
        {
            // Seed the cache at t = 0 once, then time frame 1 (propagated) or frame 0 (keyframe) repeatedly.
            engine.Render(Frame(frames[0], hint, output, p, 0, interactive, []), CancellationToken.None);
            TimedImage[] around = [new(0, frames[0], empty), new(2, frames[2], empty)];
            var render = () => engine.Render(keyframe
                ? Frame(frames[0], hint, output, p, 0, interactive, [])
                : Frame(frames[1], empty, output, p, 1, interactive, around), CancellationToken.None);
            var wall = Stopwatches.Measure(() => render(), runs).MedianMs;
            var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            for (var i = 0; i < runs; i++) render();
            var cpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / runs;
            return (wall, cpu);
        }

        foreach (var (kind, keyframe) in new[] { ("propagated frame", false), ("keyframe", true) })
        {
            var (finalMs, finalCpu) = Time(false, keyframe);
            var (draftMs, draftCpu) = Time(true, keyframe);
            results.Add(new Figures(kind, finalMs, 1000 / finalMs, draftMs, 1000 / draftMs, finalCpu, draftCpu));
        }
        var src = new float[w * h * 4];
        var dst = new float[src.Length];
        var memcpy = Stopwatches.Measure(() => src.AsSpan().CopyTo(dst), runs).MedianMs;
        var met = results.All(r => r.DraftMs <= 150);
        foreach (var f in frames) f.Dispose();
        if (json)
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { rotoscope = results, memcpyMs = memcpy, cores = Environment.ProcessorCount, draftTargetMet = met }));
        }
        else
        {
            foreach (var r in results)
                AnsiConsole.MarkupLine($"rotoscope 1080p float, {r.Kind}: final [bold]{r.FinalMs:F0}[/] ms ({r.FinalFps:F2} frames/s, CPU {r.FinalCpuMs:F0} ms), draft [bold]{r.DraftMs:F0}[/] ms ({r.DraftFps:F2} frames/s, CPU {r.DraftCpuMs:F0} ms)");
            AnsiConsole.MarkupLine($"memcpy of the same frame: {memcpy:F1} ms; draft target ≤ 150 ms: {(met ? "[green]met[/]" : "[red]missed[/]")}");
        }
        return 0;
    }

    private static EffectFrame Frame(FloatImage source, FloatImage mask, FloatImage output, ParamSet p, double t, bool interactive,
        IReadOnlyList<TimedImage> neighbours) =>
        new(source, mask, output, p, t, 1, interactive, "bench-rotoscope") { Neighbours = neighbours };

    /// <summary>A textured warm subject (with values above 1) moving over a textured cool background.</summary>
    private static FloatImage Scene(int w, int h, int cx)
    {
        var image = new FloatImage(w, h);
        for (var y = 0; y < h; y++)
        {
            var row = image.Row(y);
            for (var x = 0; x < w; x++)
            {
                var inside = Inside(x, y, cx);
                var t = 0.15f * MathF.Sin(x * 0.05f) * MathF.Cos(y * 0.043f);
                row[x * 4] = inside ? 1.4f + t : 0.1f;
                row[x * 4 + 1] = inside ? 0.3f : 0.4f + t;
                row[x * 4 + 2] = inside ? 0.2f : 0.5f - t;
                row[x * 4 + 3] = 1;
            }
        }
        return image;
    }

    private static FloatImage Disc(int w, int h, int cx)
    {
        var image = new FloatImage(w, h);
        for (var y = 0; y < h; y++)
        {
            var row = image.Row(y);
            for (var x = 0; x < w; x++)
            {
                var v = Inside(x, y, cx) ? 1f : 0f;
                row[x * 4] = row[x * 4 + 1] = row[x * 4 + 2] = v;
                row[x * 4 + 3] = 1;
            }
        }
        return image;
    }

    // A person-sized ellipse: about a third of the frame's height.
    private static bool Inside(int x, int y, int cx) => (x - cx) * (x - cx) / 40000f + (y - 560) * (y - 560) / 160000f <= 1;
}
