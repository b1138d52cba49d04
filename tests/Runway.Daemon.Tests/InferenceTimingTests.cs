using System.Runtime.CompilerServices;
using Runway.Benchmarks;
using Runway.Client;
using Runway.Client.Pixels;
using Runway.Models.Packs;
using Runway.Protocol.V1;

namespace Runway.Daemon.Tests;

/// <summary>
/// The inference time a render reports (RenderInfo.inference_millis), and runway-bench --models end to end, both on the
/// tiny salient-mean fixture pack served by a real in-process runwayd.
/// </summary>
public sealed class InferenceTimingTests
{
    private const string Rotoscope = "com.runwayml.rotoscope";

    [Fact]
    public async Task Model_render_reports_time_inside_the_session_run_and_a_classical_render_reports_none()
    {
        await using var d = await PackDaemon.StartAsync();
        await using var client = d.Client();
        var source = ManagedImage.Create(96, 64, Components.Rgba, Depth.F32);
        source.Pixels.AsSpan().Fill(0x3F); // ~0.75 in every float channel
        var output = ManagedImage.Create(96, 64, Components.Rgba, Depth.F32);

        var model = await client.RenderAsync(new RenderRequest(Rotoscope), source, null, output);
        Assert.StartsWith("onnx/salient-mean", model.Info.Engine);
        Assert.True(model.Info.InferenceMillis > 0, $"inference {model.Info.InferenceMillis} ms");
        // The session run is part of the engine call, which is part of the daemon's time.
        Assert.True(model.Info.InferenceMillis <= model.Info.EngineMillis, $"inference {model.Info.InferenceMillis} ms > engine {model.Info.EngineMillis} ms");
        Assert.True(model.Info.EngineMillis <= model.Info.DaemonMillis);

        var classical = await client.RenderAsync(new RenderRequest("com.runwayml.inpaint"), source, null, output);
        Assert.Equal(0, classical.Info.InferenceMillis);
    }

    [Fact]
    public async Task Model_render_reports_its_steps_and_they_fit_in_the_daemon_time()
    {
        await using var d = await PackDaemon.StartAsync();
        await using var client = d.Client();
        var source = ManagedImage.Create(96, 64, Components.Rgba, Depth.F32);
        source.Pixels.AsSpan().Fill(0x3F);
        var output = ManagedImage.Create(96, 64, Components.Rgba, Depth.F32);

        var info = (await client.RenderAsync(new RenderRequest(Rotoscope), source, null, output)).Info;
        var steps = info.Stages.ToDictionary(s => s.Name, s => s.Millis);
        foreach (var name in new[]
        {
            "daemon: bind frames", "daemon: wait for turn", "frame: decode", "model: acquire pack", "model: encode inputs",
            "inference", "model: decode outputs", "model: normalise", "model: matte finishing", "frame: encode",
        })
        {
            Assert.True(steps.TryGetValue(name, out var ms) && ms >= 0, $"step '{name}' missing; got {string.Join(", ", steps.Keys)}");
        }
        Assert.Equal(info.InferenceMillis, steps["inference"], 6);
        // Every step but the two before the decode lies inside decode-to-encode, one after the other.
        var inside = info.Stages.Where(s => !s.Name.StartsWith("daemon:", StringComparison.Ordinal)).Sum(s => s.Millis);
        Assert.True(inside <= info.DaemonMillis + 1e-6, $"steps {inside} ms > daemon {info.DaemonMillis} ms");
        Assert.True(info.DaemonCpuMillis > 0, $"cpu {info.DaemonCpuMillis} ms");

        var classical = (await client.RenderAsync(new RenderRequest("com.runwayml.inpaint"), source, null, output)).Info;
        Assert.Contains(classical.Stages, s => s.Name == "frame: decode");
        Assert.DoesNotContain(classical.Stages, s => s.Name == "inference");
    }

    [Fact]
    public async Task Model_bench_measures_cold_warm_clients_and_session_options_on_a_fixture_pack()
    {
        await using var d = await PackDaemon.StartAsync();
        var pack = PackReader.Read(d.PackDirectory);

        // Small frames keep the test fast; the bench itself runs at 1080p.
        var report = await ModelBench.MeasureAsync(d.Client, pack, quick: true, tuning: true, CancellationToken.None, width: 320, height: 180);

        Assert.StartsWith("onnx/salient-mean", report.Engine);
        var c = report.ColdWarm;
        Assert.True(c.LoadMillis > 0 && c.SessionMillis > 0 && c.WarmupMillis > 0 && c.FirstFrameMillis > 0, $"{c}");
        Assert.Equal(3, c.WarmFrames);
        Assert.InRange(c.WarmInferenceMillis, double.Epsilon, c.WarmMillis);
        Assert.InRange(c.OverheadShare, 0, 1);
        Assert.Equal(c.LoadMillis + c.FirstFrameMillis, c.ColdMillis);
        Assert.Equal([1, 2, 4], report.Concurrency.Select(k => k.Clients));
        Assert.Equal([2, 4, 8], report.Concurrency.Select(k => k.Frames));
        Assert.All(report.Concurrency, k => Assert.True(k.FramesPerSecond > 0 && k.MedianInferenceMillis > 0, $"{k}"));
        Assert.Equal(ModelBench.TuningCandidates().Count, report.Tuning.Count);
        Assert.All(report.Tuning, t => Assert.True(t.RunMillis > 0 && t.SessionMillis > 0, $"{t}"));
        Assert.Equal(2, report.Targets.Count);
        // The warm frame step by step, side by side with the same effect rendered in process.
        var inference = Assert.Single(report.Stages, st => st.Stage == "inference");
        Assert.True(inference.DaemonMillis > 0 && inference.InProcessMillis > 0, $"{inference}");
        Assert.Contains(report.Stages, st => st.Stage == "frame: decode" && st.DaemonMillis >= 0 && double.IsNaN(st.InProcessMillis));
        Assert.Contains(report.Stages, st => st.Stage == ModelBench.StageTransport);
        Assert.True(c.WarmDaemonCpuMillis > 0, $"{c}");
    }

    /// <summary>An in-process runwayd whose models directory holds a copy of the salient-mean fixture pack.</summary>
    private sealed class PackDaemon : IAsyncDisposable
    {
        private readonly TempDir _dir;
        private readonly DaemonHost _host;

        private PackDaemon(TempDir dir, DaemonHost host, string packDirectory)
        {
            _dir = dir;
            _host = host;
            PackDirectory = packDirectory;
        }

        public string PackDirectory { get; }

        public static async Task<PackDaemon> StartAsync()
        {
            var dir = new TempDir();
            var fixture = Path.Combine(RepoRoot(), "tests", "Runway.Models.Tests", "fixtures", "salient-mean");
            Assert.True(File.Exists(Path.Combine(fixture, "model.json")), $"fixture pack missing: {fixture}");
            var pack = Directory.CreateDirectory(Path.Combine(dir["models"], "salient-mean")).FullName;
            foreach (var file in Directory.GetFiles(fixture)) File.Copy(file, Path.Combine(pack, Path.GetFileName(file)));
            var host = await DaemonHost.StartAsync(new DaemonOptions
            {
                SocketPath = dir["runwayd.sock"],
                LogDirectory = dir.Path,
                ModelsDirectory = dir["models"],
                ShutdownTimeout = TimeSpan.FromSeconds(2),
            });
            return new PackDaemon(dir, host, pack);
        }

        public RunwayClient Client() => new(new RunwayClientOptions
        {
            SocketPath = _host.SocketPath,
            AutoStart = false,
            ClientName = "inference-timing-tests",
            // The first call JITs the whole gRPC stack; on a loaded 2-core machine that alone can pass the 5 s default.
            ConnectTimeout = TimeSpan.FromSeconds(30),
            ArenaCapBytes = 1UL << 30,
        });

        public async ValueTask DisposeAsync()
        {
            await _host.StopAsync(cancelInFlight: true);
            _dir.Dispose();
        }

        private static string RepoRoot([CallerFilePath] string here = "") =>
            Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));
    }
}
