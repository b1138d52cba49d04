using Runway.Looks;
using Spectre.Console;

namespace Runway.Benchmarks;

/// <summary>
/// <c>runway-bench --looks</c>: the learned-look apply itself (33³ tetrahedral, all cores) on 4K and 1080p RGBA float
/// frames, without a shaper (0..1 colours), after the log2 input shaper (scene-linear colours over −8..+8 stops), and
/// (4K) after a sampled 1D shaper (a .cube file's own LUT_1D table: the same log2 curve as 4096 rows, interpolated),
/// next to a memcpy of the same frame measured in the same run (the apply reads and writes each pixel once, so two
/// memcpys' worth of traffic is its floor). Target: ≥ 24 frames/s at 4K, with and without a shaper.
/// </summary>
/// <remarks>Before the sampled shaper ran in the vector kernel (2026-11-24, the previous build and this one run
/// alternately, twice each, load 18–26 on 2 cores): 4K with the sampled shaper 725–855 ms CPU per frame (the scalar
/// loop), now 176–214 ms, against 144–186 ms plain and 162–176 ms with the log2 shaper in the same runs.</remarks>
public static class LooksBench
{
    /// <summary>Figures for one frame size.</summary>
    /// <param name="CpuMsPerFrame">Process CPU time per apply (all threads): unlike wall time, barely moved by other load.</param>
    /// <param name="CpuFramesPerSecond">Frames/s the CPU time implies on this machine's cores when they are idle.</param>
    public sealed record Figures(string Size, double ApplyMs, double FramesPerSecond, double MemcpyMs, double ApplyOverMemcpy,
        double CpuMsPerFrame, double CpuFramesPerSecond);

    public static int Run(bool quick, bool json)
    {
        var look = new Look(null, Lut3D.FromFunction(33, v => new Rgb(
            0.9f * v.R * v.R + 0.1f * v.G, v.G * (1.1f - 0.2f * v.B), 0.2f + 0.7f * v.B + 0.1f * v.R)));
        var log2 = look.WithInputShaper(InputShaper.DefaultLog2);
        // The same curve as a plain sampled table with no runway-shaper comment: what a .cube from another tool carries.
        var sampled = new Look(InputShaper.DefaultLog2.ToTable(), look.Cube);
        var results = new List<Figures>();
        foreach (var (name, w, h, shaper) in new[] { ("4K", 3840, 2160, 0), ("4K", 3840, 2160, 1), ("4K", 3840, 2160, 2), ("1080p", 1920, 1080, 0), ("1080p", 1920, 1080, 1) })
        {
            var shaped = shaper != 0;
            var source = new float[w * h * 4];
            var random = new Random(1);
            // Varied colours (not one cell) so the branchy tetrahedron choice and the table reads are realistic; the
            // shaper rows get scene-linear values from −9 to +9 stops around 0.18 (a few beyond the shaper's range).
            for (var i = 0; i < source.Length; i++)
                source[i] = (i & 3) == 3 ? 1 : shaped ? 0.18f * MathF.Pow(2, random.NextSingle() * 18 - 9) : random.NextSingle() * 1.1f - 0.05f;
            var output = new float[source.Length];
            var runs = quick ? 5 : 20;
            var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var applied = shaper switch { 1 => log2, 2 => sampled, _ => look };
            var apply = Stopwatches.Measure(() => applied.Apply(source, output, w, h), runs);
            // Measure runs warm-ups too (2); CPU time is divided over all applies it made.
            var cpuMs = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / (runs + 2);
            var memcpy = Stopwatches.Measure(() => source.AsSpan().CopyTo(output), runs);
            results.Add(new Figures($"{name} RGBA float{shaper switch { 1 => " + log2 shaper", 2 => " + sampled 1D shaper (4096 rows)", _ => "" }}", apply.MedianMs, 1000 / apply.MedianMs, memcpy.MedianMs, apply.MedianMs / memcpy.MedianMs,
                cpuMs, Environment.ProcessorCount * 1000 / cpuMs));
        }
        var (k4, k4Shaped, k4Sampled) = (results[0], results[1], results[2]);
        var met = k4.FramesPerSecond >= 24 && k4Shaped.FramesPerSecond >= 24 && k4Sampled.FramesPerSecond >= 24;
        if (json)
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { looks = results, cores = Environment.ProcessorCount, targetMet = met }));
        }
        else
        {
            var table = new Table().Title($"learned-look apply (33³ tetrahedral, {Environment.ProcessorCount} cores), median ms")
                .AddColumns("frame", "apply", "frames/s", "memcpy", "apply / memcpy", "CPU ms/frame", "frames/s from CPU time");
            foreach (var f in results)
                table.AddRow(f.Size, $"{f.ApplyMs:F1}", $"{f.FramesPerSecond:F1}", $"{f.MemcpyMs:F1}", $"{f.ApplyOverMemcpy:F1}×", $"{f.CpuMsPerFrame:F1}", $"{f.CpuFramesPerSecond:F1}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"target {(met ? "MET " : "MISSED")}: 4K RGBA float look apply ≥ 24 frames/s: {k4.FramesPerSecond:F1}, with log2 shaper {k4Shaped.FramesPerSecond:F1}, with sampled shaper {k4Sampled.FramesPerSecond:F1} " +
                $"(load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores)");
        }
        return met ? 0 : 1;
    }
}
