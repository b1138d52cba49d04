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
/// in the same run, with the managed bytes each render allocates. Draft target: ≤ 150 ms per frame.
/// With <c>--pack DIR</c> (a salient-matte pack such as isnet-imgly-medium), also the pack path: a final frame the model
/// mattes, then interactive frames carried from it by the classical propagation, against an interactive frame with
/// nothing to carry (a model run).
/// </summary>
public static class RotoscopeBench
{
    /// <summary>Figures for one render kind.</summary>
    /// <param name="FinalCpuMs">Process CPU time per final render: on a loaded machine wall time overstates the cost, CPU
    /// time does not (it bounds the wall time of a quiet machine from above when the work runs on one core).</param>
    /// <param name="FinalAllocatedBytes">Managed bytes one warm final render allocates on its thread.</param>
    public sealed record Figures(string Kind, double FinalMs, double FinalFps, double DraftMs, double DraftFps, double FinalCpuMs, double DraftCpuMs,
        long FinalAllocatedBytes, long DraftAllocatedBytes);

    /// <summary>Figures of the pack path (see the class remarks); milliseconds per 1080p frame.</summary>
    public sealed record PackFigures(string Pack, double FinalMs, double CarriedDraftMs, double CarriedDraftCpuMs, int CarriedFrames,
        double ModelDraftMs, IReadOnlyList<string> CarriedNotes);

    public static int Run(bool quick, bool json)
    {
        var args = Environment.GetCommandLineArgs();
        var packAt = Array.IndexOf(args, "--pack");
        if (packAt >= 0 && packAt + 1 < args.Length) return RunPack(args[packAt + 1], quick, json);

        const int w = 1920, h = 1080;
        var frames = Enumerable.Range(0, 3).Select(t => Scene(w, h, 900 + 12 * t)).ToArray();
        using var hint = Disc(w, h, 900);
        using var empty = new FloatImage(w, h);
        using var output = new FloatImage(w, h);
        var engine = new RotoscopeEngine();
        var p = ParamSet.Bind(RotoscopeDefinition.Definition, new Dictionary<string, object> { [RotoscopeDefinition.ParamWindow] = 1L });
        var runs = quick ? 3 : 8;
        var results = new List<Figures>();

        (double Wall, double Cpu, long Allocated) Time(bool interactive, bool keyframe)
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
            var allocated0 = GC.GetAllocatedBytesForCurrentThread();
            render();
            return (wall, cpu, GC.GetAllocatedBytesForCurrentThread() - allocated0);
        }

        foreach (var (kind, keyframe) in new[] { ("propagated frame", false), ("keyframe", true) })
        {
            var (finalMs, finalCpu, finalBytes) = Time(false, keyframe);
            var (draftMs, draftCpu, draftBytes) = Time(true, keyframe);
            results.Add(new Figures(kind, finalMs, 1000 / finalMs, draftMs, 1000 / draftMs, finalCpu, draftCpu, finalBytes, draftBytes));
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
                AnsiConsole.MarkupLine($"rotoscope 1080p float, {r.Kind}: final [bold]{r.FinalMs:F0}[/] ms ({r.FinalFps:F2} frames/s, CPU {r.FinalCpuMs:F0} ms, {r.FinalAllocatedBytes / 1024.0:F0} KiB managed), draft [bold]{r.DraftMs:F0}[/] ms ({r.DraftFps:F2} frames/s, CPU {r.DraftCpuMs:F0} ms, {r.DraftAllocatedBytes / 1024.0:F0} KiB managed)");
            AnsiConsole.MarkupLine($"memcpy of the same frame: {memcpy:F1} ms; draft target ≤ 150 ms: {(met ? "[green]met[/]" : "[red]missed[/]")}");
        }
        return 0;
    }

    /// <summary>The pack path: <paramref name="packDir"/>'s files are copied into a private models directory (the original is only read).</summary>
    private static int RunPack(string packDir, bool quick, bool json)
    {
        const int w = 1920, h = 1080;
        var models = Directory.CreateTempSubdirectory("runway-bench-roto-");
        try
        {
            var full = Path.GetFullPath(packDir.TrimEnd('/'));
            // Copied, never linked: the private directory is deleted afterwards and the pack must stay untouched.
            var copy = Directory.CreateDirectory(Path.Combine(models.FullName, Path.GetFileName(full)));
            foreach (var file in Directory.GetFiles(full)) File.Copy(file, Path.Combine(copy.FullName, Path.GetFileName(file)));
            using var registry = new Runway.Models.Runtime.ModelRegistry(new Runway.Models.Runtime.ModelRegistryOptions(models.FullName, 8L << 30, Watch: false));
            var effect = new Runway.Models.Effects.ModelBackedEffect(new RotoscopeEngine(), registry);
            var count = quick ? 5 : 9;
            var frames = Enumerable.Range(0, count).Select(t => Scene(w, h, 900 + 12 * t)).ToArray();
            using var output = new FloatImage(w, h);
            var p = ParamSet.Bind(RotoscopeDefinition.Definition, new Dictionary<string, object>());
            EffectResult Render(int t, bool interactive, string instance) =>
                effect.Render(new EffectFrame(frames[t], null, output, p, t, 1, interactive, instance), CancellationToken.None);

            var first = Render(0, false, "bench-carry"); // loads the pack, first run
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Render(0, false, "bench-carry");
            var finalMs = watch.Elapsed.TotalMilliseconds;
            var walls = new List<double>();
            var cpus = new List<double>();
            EffectResult? last = null;
            for (var t = 1; t < count; t++)
            {
                var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                watch.Restart();
                last = Render(t, true, "bench-carry");
                walls.Add(watch.Elapsed.TotalMilliseconds);
                cpus.Add((System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds);
            }
            var models0 = new List<double>();
            for (var i = 0; i < (quick ? 1 : 3); i++)
            {
                watch.Restart();
                Render(1, true, $"bench-cold-{i}"); // a new instance: nothing to carry, the model runs
                models0.Add(watch.Elapsed.TotalMilliseconds);
            }
            static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
            var figures = new PackFigures(Path.GetFileName(full), finalMs, Median(walls), Median(cpus), walls.Count, Median(models0), last?.Notes ?? []);
            foreach (var f in frames) f.Dispose();
            if (json)
            {
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { rotoscopePack = figures, engine = first.Engine, draftTargetMet = figures.CarriedDraftMs <= 150 }));
            }
            else
            {
                AnsiConsole.MarkupLine($"rotoscope pack {Markup.Escape(figures.Pack)} ({Markup.Escape(first.Engine)}), 1080p float: final (model run) [bold]{figures.FinalMs:F0}[/] ms; " +
                    $"draft carried from a model matte [bold]{figures.CarriedDraftMs:F0}[/] ms median over {figures.CarriedFrames} frames (CPU {figures.CarriedDraftCpuMs:F0} ms); " +
                    $"draft with nothing to carry (model run) {figures.ModelDraftMs:F0} ms");
                AnsiConsole.MarkupLine($"last carried frame's notes: {Markup.Escape(string.Join(" | ", figures.CarriedNotes))}");
                AnsiConsole.MarkupLine($"draft target ≤ 150 ms: {(figures.CarriedDraftMs <= 150 ? "[green]met[/]" : "[red]missed[/]")}");
            }
            return 0;
        }
        finally
        {
            models.Delete(recursive: true);
        }
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
