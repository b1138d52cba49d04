using System.Runtime.CompilerServices;
using Runway.Client;
using Runway.Client.Pixels;
using Runway.Protocol.V1;

namespace Runway.Daemon.Tests;

/// <summary>
/// The per-model batching counters of Daemon.Stats, through a real daemon serving the tiled batch-blur fixture pack
/// (maxBatch 4, tile 32 with overlap 8) as a plain image → image pack for the style-transfer effect, to concurrent
/// RunwayClients.
/// </summary>
public sealed class BatchStatsTests
{
    private const string BatchBlur = "batch-blur";

    /// <summary>The effect the rewritten pack serves (any catalog effect takes a contract-less image → image pack).</summary>
    private const string Effect = "com.runwayml.style-transfer";

    /// <summary>A models directory holding batch-blur rewritten to serve <paramref name="effect"/> with <paramref name="maxBatch"/>.</summary>
    internal static string PackServing(string modelsDir, string effect, int maxBatch, [CallerFilePath] string here = "")
    {
        var fixture = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "Runway.Models.Tests", "fixtures", BatchBlur));
        Assert.True(File.Exists(Path.Combine(fixture, "model.json")), $"fixture pack missing: {fixture}; run tests/Runway.Models.Tests/fixtures/make_fixtures.py");
        var pack = Directory.CreateDirectory(Path.Combine(modelsDir, BatchBlur)).FullName;
        foreach (var file in Directory.GetFiles(fixture)) File.Copy(file, Path.Combine(pack, Path.GetFileName(file)));
        var manifest = Path.Combine(pack, "model.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!;
        json["effect"] = effect;
        json["maxBatch"] = maxBatch;
        File.WriteAllText(manifest, json.ToJsonString());
        return pack;
    }

    [Fact]
    public async Task Stats_count_runs_batches_and_requests_per_model_for_concurrent_clients()
    {
        using var dir = new TempDir();
        PackServing(dir["models"], Effect, maxBatch: 4);
        await using var d = await DaemonFixture.StartAsync(o => o with { ModelsDirectory = dir["models"], MaxConcurrentRenders = 4 });
        RunwayClient Client() => new(new RunwayClientOptions
        {
            SocketPath = d.Host.SocketPath, AutoStart = false, ClientName = "batch-stats-tests", ArenaDirectory = d.ArenaDirectory, ConnectTimeout = TimeSpan.FromSeconds(30),
        });
        const int w = 96, h = 96;
        async Task<RenderResult> Render(RunwayClient client, int time)
        {
            var source = ManagedImage.Create(w, h, Components.Rgba, Depth.F32);
            new Random(time).NextBytes(source.Pixels);
            for (var i = 0; i < source.Pixels.Length; i += 4) source.Pixels[i + 3] = 0x3F; // keep the floats finite
            var output = ManagedImage.Create(w, h, Components.Rgba, Depth.F32);
            return await client.RenderAsync(new RenderRequest(Effect) { Time = time }, source, null, output);
        }

        await using var first = Client();
        var alone = await Render(first, 0);
        Assert.Equal($"onnx/{BatchBlur}@1.0.0 (cpu)", alone.Info.Engine);
        var one = Assert.Single((await first.StatsAsync()).Models);
        Assert.Equal(BatchBlur, one.ModelId);
        Assert.Equal(4u, one.MaxBatch);
        Assert.Equal(1ul, one.Frames);
        // Alone, every tile window is its own session run: 96x96 at tile 32 / overlap 8 is 4x4 windows.
        Assert.Equal(16ul, one.Requests);
        Assert.Equal(one.Requests, one.Runs);
        Assert.Equal(0ul, one.BatchedRuns);
        Assert.Equal(0ul, one.BatchedRequests);
        Assert.Equal(1.0, one.MeanBatchSize);
        Assert.Equal(1u, one.LargestBatch);

        // Four clients, four frames each, at once: same-shape windows meet in the batcher.
        var clients = Enumerable.Range(0, 4).Select(_ => Client()).ToArray();
        try
        {
            await Task.WhenAll(clients.Select(async (c, k) =>
            {
                for (var f = 0; f < 4; f++) await Render(c, 1 + k * 4 + f);
            }));
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
        var stats = Assert.Single((await first.StatsAsync()).Models);
        Assert.Equal(17ul, stats.Frames);
        Assert.Equal(17ul * 16, stats.Requests);
        // Whether windows of four clients coincide depends on thread timing: the batcher waits for company only a tenth
        // of the recent run time (about 0 ms for these 0.1 ms tile runs), so stacking happens only behind a run in flight.
        // That stacking is proven deterministically by Runway.Models.Tests' BatchingTests; here the counts must add up.
        Assert.InRange(stats.LargestBatch, 1u, 4u);
        Assert.Equal(stats.BatchedRuns > 0, stats.LargestBatch > 1);
        Assert.True(stats.BatchedRequests >= 2 * stats.BatchedRuns && stats.BatchedRequests <= 4 * stats.BatchedRuns, $"{stats}");
        // Every request went in exactly one run: those run alone plus those stacked.
        Assert.Equal(stats.Requests - stats.BatchedRequests, stats.Runs - stats.BatchedRuns);
        Assert.Equal(stats.Requests / (double)stats.Runs, stats.MeanBatchSize, 9);
    }

    [Fact]
    public async Task Stats_of_a_pack_without_max_batch_show_every_request_run_alone_and_keep_counting_across_a_reload()
    {
        using var dir = new TempDir();
        PackServing(dir["models"], Effect, maxBatch: 1);
        await using var d = await DaemonFixture.StartAsync(o => o with { ModelsDirectory = dir["models"], MaxConcurrentRenders = 4 });
        await using var client = new RunwayClient(new RunwayClientOptions
        {
            SocketPath = d.Host.SocketPath, AutoStart = false, ClientName = "batch-stats-tests", ArenaDirectory = d.ArenaDirectory, ConnectTimeout = TimeSpan.FromSeconds(30),
        });
        var source = ManagedImage.Create(40, 40, Components.Rgba, Depth.F32);
        var output = ManagedImage.Create(40, 40, Components.Rgba, Depth.F32);
        Assert.Empty((await client.StatsAsync()).Models);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(t => client.RenderAsync(new RenderRequest(Effect) { Time = t }, source, null, output)));
        Assert.True(await client.UnloadModelAsync(BatchBlur));
        await client.RenderAsync(new RenderRequest(Effect) { Time = 9 }, source, null, output);

        var stats = Assert.Single((await client.StatsAsync()).Models);
        Assert.Equal(1u, stats.MaxBatch);
        Assert.Equal(4ul, stats.Frames);
        // 40x40 at tile 32 / overlap 8 is 2x2 windows; the reload's warm-up run is not counted.
        Assert.Equal(16ul, stats.Requests);
        Assert.Equal(16ul, stats.Runs);
        Assert.Equal(0ul, stats.BatchedRuns);
        Assert.Equal(1.0, stats.MeanBatchSize);
    }

    [Fact]
    public async Task Batch_bench_measures_both_configurations_in_alternating_rounds_with_the_daemons_counters()
    {
        using var dir = new TempDir();
        var fixture = PackServing(dir["fixture"], Effect, maxBatch: 4);
        var daemons = new List<DaemonFixture>();
        try
        {
            var configs = new List<(int, Func<RunwayClient>)>();
            foreach (var maxBatch in new[] { 1, 4 })
            {
                var models = dir[$"models{maxBatch}"];
                Runway.Benchmarks.BatchBench.WritePack(fixture, models, Effect, maxBatch);
                var d = await DaemonFixture.StartAsync(o => o with { ModelsDirectory = models, MaxConcurrentRenders = 4 });
                daemons.Add(d);
                configs.Add((maxBatch, () => new RunwayClient(new RunwayClientOptions
                {
                    SocketPath = d.Host.SocketPath, AutoStart = false, ClientName = "batch-bench-tests", ArenaDirectory = d.ArenaDirectory,
                    ConnectTimeout = TimeSpan.FromSeconds(30),
                })));
            }

            var report = await Runway.Benchmarks.BatchBench.MeasureAsync(configs, BatchBlur, Effect, clients: 3, framesPerClient: 2, rounds: 2, 64, 64, CancellationToken.None);

            Assert.Equal([1, 4, 1, 4], report.Rounds.Select(r => r.MaxBatch));
            // 64x64 at tile 32 / overlap 8 is 3x3 windows: 6 frames make 54 requests in every round.
            Assert.All(report.Rounds, r => Assert.True(r.Frames == 6 && r.Requests == 54 && r.FramesPerSecond > 0 && r.Runs <= r.Requests, $"{r}"));
            Assert.All(report.Rounds.Where(r => r.MaxBatch == 1), r => Assert.True(r.Runs == r.Requests && r.BatchedRuns == 0, $"{r}"));
            Assert.True(double.IsFinite(report.Speedup) && report.Speedup > 0);
            Assert.True(report.CpuMillisPerFrame.Unbatched > 0, "the daemon's CPU time was not read");
        }
        finally
        {
            foreach (var d in daemons) await d.DisposeAsync();
        }
    }
}
