using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Extend;
using Runway.Effects.Pixels;
using Spectre.Console;

namespace Runway.Benchmarks;

/// <summary>
/// <c>runway-bench --extend-shot</c>: the classical extend-shot engine in process at 1080p RGBA float, extrapolating a
/// 3 px/frame pan from 6 history frames — final and interactive draft, each with the motion estimate measured
/// (a fresh engine: the first frame of a tail) and cached (every later frame of the same tail, or scrubbing) — next to
/// a memcpy of the same frame measured in the same run, plus final without history blending (its cost), and a second final
/// request for the same frame served by the tail cache, from memory and from its files on disk (what a restarted daemon
/// does; the file is in the page cache, as it is right after a job wrote it). Draft target: ≤ 150 ms with the motion cached.
/// </summary>
public static class ExtendShotBench
{
    /// <summary>Figures for one configuration.</summary>
    public sealed record Figures(string Configuration, double MedianMs, double FramesPerSecond);

    public static int Run(bool quick, bool json)
    {
        const int w = 1920, h = 1080, history = 6;
        var clip = Enumerable.Range(0, history + 1).Select(i => Frame(w, h, i * 3)).ToList();
        using var output = new FloatImage(w, h);
        var ps = ParamSet.Bind(ExtendShotDefinition.Definition, new Dictionary<string, object>
        {
            [ExtendShotDefinition.ParamHistory] = (long)history,
            [ExtendShotDefinition.ParamDamping] = 0.05,
        });
        var k = 0;
        EffectFrame Make(bool interactive, int? time = null) => new(clip[^1], null, output, ps, time ?? history + 1 + (k++ % 20), 1, interactive, "bench")
        {
            Neighbours = clip.Take(history).Select((f, i) => new TimedImage(i, f, null)).ToList(),
            SourceRange = new ClipRange(0, history),
        };
        var runs = quick ? 2 : 5;
        var results = new List<Figures>();
        void Measure(string name, Func<ExtendShotEngine> engine, bool interactive, int? time = null)
        {
            var t = Stopwatches.Measure(() => engine().Render(Make(interactive, time), CancellationToken.None), runs, warmup: 1);
            results.Add(new Figures(name, t.MedianMs, 1000 / t.MedianMs));
        }
        var shared = new ExtendShotEngine();
        Measure("final, motion measured (first frame of a tail)", () => new ExtendShotEngine(), false);
        Measure("final, motion cached (later frames)", () => shared, false);
        // The same without blending the history frames in: what that refinement costs per final frame.
        var single = new ExtendShotEngine(new ExtendShotOptions(BlendHistory: false));
        Measure("final, motion cached, end frame only (no history blend)", () => single, false);
        Measure("draft, motion measured (interactive)", () => new ExtendShotEngine(), true);
        Measure("draft, motion cached (interactive scrub)", () => shared, true);
        // Tail cached: the warm-up render stores frame 3, every measured request for it is a hit.
        Measure("final, tail cached (same frame again, memory)", () => shared, false, history + 3);
        var folder = Directory.CreateTempSubdirectory("runway-bench-tails-");
        try
        {
            // Memory budget 0: every request reads, verifies and copies the frame's file.
            var disk = new ExtendShotEngine(new ExtendShotOptions(), new TailCacheSettings(0, folder.FullName));
            Measure("final, tail cached (same frame again, disk file)", () => disk, false, history + 3);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
        var memcpy = Stopwatches.Measure(() => clip[^1].Pixels.CopyTo(output.Pixels), runs);
        var draftMs = results[4].MedianMs;
        if (json)
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { size = "1080p", motion = "3 px/frame pan, 6 history frames", results, memcpyMs = memcpy.MedianMs, draftTargetMs = 150 }));
        }
        else
        {
            var table = new Table().AddColumns("1080p extend shot (pan, 6 history frames)", "median ms", "frames/s", "× memcpy");
            foreach (var r in results)
                table.AddRow(r.Configuration, $"{r.MedianMs:0.0}", $"{r.FramesPerSecond:0.00}", $"{r.MedianMs / memcpy.MedianMs:0}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"memcpy of the frame: {memcpy.MedianMs:0.00} ms; draft (cached) target ≤ 150 ms: {(draftMs <= 150 ? "[green]met[/]" : "[red]missed[/]")}");
        }
        foreach (var f in clip) f.Dispose();
        return draftMs <= 150 ? 0 : 1;
    }

    /// <summary>Textured frame with HDR highlights, the scene shifted left by <paramref name="shift"/> pixels (camera pan).</summary>
    private static FloatImage Frame(int w, int h, int shift)
    {
        var image = new FloatImage(w, h);
        for (var y = 0; y < h; y++)
        {
            var row = image.Row(y);
            for (var x = 0; x < w; x++)
            {
                var u = x + shift;
                // Integer hash noise gives trackable corners everywhere; the gradients give large-scale structure.
                var n = (uint)(u * 73856093) ^ (uint)(y * 19349663);
                n = (n ^ (n >> 13)) * 1274126177u;
                var noise = ((n >> 24) & 0xFF) / 255f;
                var block = ((u / 16 + y / 16) % 2) * 0.15f;
                row[x * 4] = 0.1f + 0.5f * u / w + block + 0.1f * noise;
                row[x * 4 + 1] = 0.2f + 0.4f * y / h + block;
                row[x * 4 + 2] = 0.3f + 0.2f * MathF.Sin(u * 0.01f) * MathF.Cos(y * 0.013f) + 0.1f * noise;
                row[x * 4 + 3] = 1f;
                if ((u - 1300) * (u - 1300) + (y - 300) * (y - 300) < 2500) row[x * 4] = row[x * 4 + 1] = row[x * 4 + 2] = 4f;
            }
        }
        return image;
    }
}
