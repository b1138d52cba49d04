using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Runway.Client;
using Runway.Client.Pixels;
using Runway.Models.Packs;
using Runway.Protocol.V1;
using Spectre.Console;

namespace Runway.Benchmarks;

/// <summary>One timed round of one configuration: N clients rendering F frames each at once.</summary>
/// <param name="MaxBatch">The pack's maxBatch in this configuration (1 = unbatched).</param>
/// <param name="Frames">Frames rendered in the round (clients × frames per client).</param>
/// <param name="WallMillis">From the first request to the last reply.</param>
/// <param name="DaemonCpuMillis">CPU time the daemon process used during the round (user + system; NaN when unreadable).</param>
/// <param name="Runs">Session runs the pack made in the round.</param>
/// <param name="Requests">Model requests (tile windows) served in the round.</param>
/// <param name="BatchedRuns">Session runs in the round that stacked two or more requests.</param>
public sealed record BatchRound(int MaxBatch, int Frames, double WallMillis, double DaemonCpuMillis, long Runs, long Requests, long BatchedRuns)
{
    public double FramesPerSecond => Frames * 1000.0 / WallMillis;

    public double CpuMillisPerFrame => DaemonCpuMillis / Frames;

    public double MeanBatchSize => Runs == 0 ? 0 : Requests / (double)Runs;
}

/// <summary>The bench's result: rounds of both configurations, alternated, and their medians.</summary>
public sealed record BatchBenchReport(string PackId, string Effect, string Frame, int Clients, int FramesPerClient, int MaxBatch,
    IReadOnlyList<BatchRound> Rounds, double LoadAverage)
{
    /// <summary>Median frames/s of the unbatched rounds.</summary>
    public double UnbatchedFramesPerSecond => Median(Rounds.Where(r => r.MaxBatch == 1).Select(r => r.FramesPerSecond));

    /// <summary>Median frames/s of the batched rounds.</summary>
    public double BatchedFramesPerSecond => Median(Rounds.Where(r => r.MaxBatch > 1).Select(r => r.FramesPerSecond));

    /// <summary>Batched ÷ unbatched throughput (medians).</summary>
    public double Speedup => BatchedFramesPerSecond / UnbatchedFramesPerSecond;

    /// <summary>Median daemon CPU milliseconds per frame, unbatched and batched: steadier than wall time on a shared machine.</summary>
    public (double Unbatched, double Batched) CpuMillisPerFrame =>
        (Median(Rounds.Where(r => r.MaxBatch == 1).Select(r => r.CpuMillisPerFrame)), Median(Rounds.Where(r => r.MaxBatch > 1).Select(r => r.CpuMillisPerFrame)));

    public void Print()
    {
        AnsiConsole.MarkupLine($"[bold]batching[/]: pack {Markup.Escape(PackId)} as {Markup.Escape(Effect)}, {Markup.Escape(Frame)}, " +
                               $"{Clients} clients × {FramesPerClient} frames per round, maxBatch 1 vs {MaxBatch}, rounds alternated; load average {LoadAverage:F1}");
        var table = new Table().AddColumns("round", "maxBatch", "frames/s", "daemon CPU ms/frame", "session runs", "requests", "batched runs", "mean batch");
        var i = 0;
        foreach (var r in Rounds)
        {
            table.AddRow((++i).ToString(CultureInfo.InvariantCulture), r.MaxBatch.ToString(CultureInfo.InvariantCulture), r.FramesPerSecond.ToString("F2", CultureInfo.InvariantCulture),
                r.CpuMillisPerFrame.ToString("F1", CultureInfo.InvariantCulture), r.Runs.ToString(CultureInfo.InvariantCulture),
                r.Requests.ToString(CultureInfo.InvariantCulture), r.BatchedRuns.ToString(CultureInfo.InvariantCulture), r.MeanBatchSize.ToString("F2", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        var (cpu1, cpuN) = CpuMillisPerFrame;
        AnsiConsole.MarkupLine(FormattableString.Invariant(
            $"frames/s (median): unbatched {UnbatchedFramesPerSecond:F2}, batched {BatchedFramesPerSecond:F2} = {Speedup:F2}×; daemon CPU per frame (median): {cpu1:F1} vs {cpuN:F1} ms"));
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// runway-bench --batching: the same pack served twice, once with its declared <c>maxBatch</c> (or 4) and once with 1,
/// each by its own private runwayd, to N concurrent clients. Rounds alternate between the two so machine load hits
/// both alike; frames/s and the daemon's CPU time per frame are reported per round and as medians, with the batching
/// counters of Daemon.Stats. Default pack: the tiled batch-blur fixture, rewritten as a plain image → image pack for
/// style transfer (tile 32, so a frame makes many same-shape windows).
/// </summary>
public static class BatchBench
{
    /// <summary>Effect a contract-less pack is made to serve (any catalog effect takes one).</summary>
    public const string DefaultEffect = "com.runwayml.style-transfer";

    /// <summary>Runs the bench from the command line; 0 when it ran.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int Int(string name, int fallback) => int.TryParse(Value(name), CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
        var quick = args.Contains("--quick");
        var packDir = Value("--pack") ?? LocateFixture("batch-blur");
        if (packDir is null)
        {
            Console.Error.WriteLine($"runway-bench --batching: no --pack given and the batch-blur fixture pack (tests/Runway.Models.Tests/fixtures) was not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}");
            return 2;
        }
        var size = quick ? 256 : 512;
        var clients = Int("--clients", 4);
        var frames = Int("--frames", quick ? 2 : 4);
        var rounds = Int("--rounds", quick ? 1 : 3);
        var daemonPath = Value("--daemon") ?? Environment.GetEnvironmentVariable("RUNWAY_DAEMON_PATH")
            ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "daemon", "runwayd.dll"));

        var runDir = Directory.CreateTempSubdirectory("runway-bbench-");
        var started = new List<RunwayClientOptions>();
        try
        {
            var source = PackReader.Read(packDir);
            var batch = source.MaxBatch > 1 ? source.MaxBatch : 4;
            var effect = source.Contract is null ? DefaultEffect : source.Effect;
            var configs = new List<(int MaxBatch, Func<RunwayClient> NewClient)>();
            foreach (var maxBatch in new[] { 1, batch })
            {
                var dir = Directory.CreateDirectory(Path.Combine(runDir.FullName, $"b{maxBatch}"));
                var models = Path.Combine(dir.FullName, "models");
                WritePack(packDir, models, effect, maxBatch);
                // The auto-started daemon takes its models directory from this process's environment at start.
                Environment.SetEnvironmentVariable("RUNWAY_MODELS_DIR", models);
                Environment.SetEnvironmentVariable("RUNWAY_LOG_DIR", dir.FullName);
                var options = RunwayClientOptions.FromEnvironment("runway-bench") with
                {
                    SocketPath = Path.Combine(dir.FullName, "runwayd.sock"), DaemonPath = daemonPath, ConnectTimeout = TimeSpan.FromSeconds(60),
                    StartTimeout = TimeSpan.FromSeconds(60),
                };
                await using (var starter = new RunwayClient(options)) await starter.EnsureDaemonAsync();
                started.Add(options);
                configs.Add((maxBatch, () => new RunwayClient(options with { AutoStart = false })));
            }
            var report = await MeasureAsync(configs, source.Id, effect, clients, frames, rounds, size, size, CancellationToken.None,
                args.Contains("--json") ? null : m => Console.Error.WriteLine(m));
            if (args.Contains("--json"))
                Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            else
                report.Print();
            return 0;
        }
        finally
        {
            foreach (var options in started)
            {
                await using var last = new RunwayClient(options with { AutoStart = false });
                try
                {
                    await last.ShutdownAsync(cancelInFlight: true);
                }
                catch (RunwayException)
                {
                    // Already gone.
                }
            }
            try { runDir.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Copies a pack into <paramref name="modelsDir"/> (a folder named by its id) with <paramref name="effect"/> and
    /// <paramref name="maxBatch"/> written into its model.json. The pack must have a dynamic batch axis for maxBatch &gt; 1.
    /// </summary>
    public static string WritePack(string packDir, string modelsDir, string effect, int maxBatch)
    {
        var pack = PackReader.Read(packDir);
        var to = Directory.CreateDirectory(Path.Combine(modelsDir, pack.Id)).FullName;
        foreach (var file in Directory.GetFiles(packDir)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        var manifest = Path.Combine(to, ModelPack.ManifestName);
        var json = JsonNode.Parse(File.ReadAllText(manifest))!;
        json["effect"] = effect;
        json["maxBatch"] = maxBatch;
        File.WriteAllText(manifest, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        PackReader.Read(to); // fails here, with the reader's reason, if the pack cannot batch
        return to;
    }

    /// <summary>
    /// Measures each configuration's daemon (reached by its client factory; it serves <paramref name="packId"/> for
    /// <paramref name="effect"/>): the pack is loaded and every client renders one untimed frame (connection, arena,
    /// first-run costs), then <paramref name="rounds"/> rounds per configuration, alternating, of
    /// <paramref name="clients"/> clients rendering <paramref name="framesPerClient"/> frames each at once.
    /// </summary>
    public static async Task<BatchBenchReport> MeasureAsync(IReadOnlyList<(int MaxBatch, Func<RunwayClient> NewClient)> configs, string packId, string effect,
        int clients, int framesPerClient, int rounds, int width, int height, CancellationToken ct, Action<string>? progress = null)
    {
        var sessions = new List<(int MaxBatch, RunwayClient[] Clients, int Pid)>();
        var source = Scene(width, height);
        var outputs = Enumerable.Range(0, clients).Select(_ => ManagedImage.Create(width, height, Components.Rgba, Depth.F32)).ToArray();
        var request = new RenderRequest(effect) { InstanceId = "batch-bench" };
        try
        {
            foreach (var (maxBatch, newClient) in configs)
            {
                var group = Enumerable.Range(0, clients).Select(_ => newClient()).ToArray();
                sessions.Add((maxBatch, group, 0));
                var hello = await group[0].EnsureDaemonAsync(ct);
                await group[0].LoadModelAsync(packId, ct);
                await Task.WhenAll(group.Select((c, k) => c.RenderAsync(request with { Time = -1 - k }, source, null, outputs[k], ct)));
                var first = await group[0].RenderAsync(request, source, null, outputs[0], ct);
                if (!first.Info.Engine.StartsWith(Runway.Models.Effects.ModelBackedEffect.EnginePrefix + packId + "@", StringComparison.Ordinal))
                    throw new InvalidOperationException($"the daemon did not render with pack {packId}: engine {first.Info.Engine}; notes: {string.Join("; ", first.Info.Notes)}");
                sessions[^1] = (maxBatch, group, hello.DaemonPid);
            }
            var results = new List<BatchRound>();
            for (var round = 0; round < rounds; round++)
            {
                foreach (var (maxBatch, group, pid) in sessions)
                {
                    var before = Counters(await group[0].StatsAsync(ct), packId);
                    var cpu = CpuMillis(pid);
                    var clock = Stopwatch.StartNew();
                    await Task.WhenAll(group.Select(async (c, k) =>
                    {
                        for (var f = 0; f < framesPerClient; f++)
                            await c.RenderAsync(request with { Time = round * framesPerClient + f, InstanceId = $"batch-bench-{k}" }, source, null, outputs[k], ct);
                    }));
                    var wall = clock.Elapsed.TotalMilliseconds;
                    var cpuUsed = CpuMillis(pid) - cpu;
                    var after = Counters(await group[0].StatsAsync(ct), packId);
                    results.Add(new BatchRound(maxBatch, clients * framesPerClient, wall, cpuUsed, (long)(after.Runs - before.Runs),
                        (long)(after.Requests - before.Requests), (long)(after.BatchedRuns - before.BatchedRuns)));
                    progress?.Invoke(FormattableString.Invariant($"maxBatch {maxBatch}: {results[^1].FramesPerSecond:F2} frames/s, {results[^1].CpuMillisPerFrame:F1} ms CPU/frame, mean batch {results[^1].MeanBatchSize:F2}"));
                }
            }
            return new BatchBenchReport(packId, effect, $"{width}x{height} RGBA float, shared memory", clients, framesPerClient,
                configs.Max(c => c.MaxBatch), results, LoadAverage());
        }
        finally
        {
            foreach (var (_, group, _) in sessions)
            {
                foreach (var c in group) await c.DisposeAsync();
            }
        }
    }

    private static ModelStats Counters(StatsResponse stats, string packId) =>
        stats.Models.FirstOrDefault(m => m.ModelId == packId) ?? new ModelStats { ModelId = packId };

    /// <summary>User + system CPU time of a process so far, from /proc; NaN when it cannot be read.</summary>
    internal static double CpuMillis(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks * 1000.0 / 100; // USER_HZ is 100 on Linux
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    /// <summary>A float RGBA frame with smooth gradients (the model's cost does not depend on the content).</summary>
    private static ManagedImage Scene(int width, int height)
    {
        var image = ManagedImage.Create(width, height, Components.Rgba, Depth.F32);
        var pixels = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(image.Pixels.AsSpan());
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var p = pixels.Slice((y * width + x) * 4, 4);
                p[0] = 0.1f + 0.8f * x / width;
                p[1] = 0.2f + 0.6f * y / height;
                p[2] = 0.4f;
                p[3] = 1f;
            }
        }
        return image;
    }

    /// <summary>
    /// A committed fixture pack found above the bench's folder (a repo checkout: out/bench → tests/...) or above the
    /// working directory, or null.
    /// </summary>
    private static string? LocateFixture(string name)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "Runway.Models.Tests", "fixtures", name);
                if (File.Exists(Path.Combine(candidate, ModelPack.ManifestName))) return candidate;
            }
        }
        return null;
    }

    private static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            return double.NaN;
        }
    }
}
