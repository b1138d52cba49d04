using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Runway.Client;
using Runway.Client.Pixels;
using Runway.Cli.Commands;
using Runway.Daemon;
using Runway.Protocol.V1;
using Xunit.Abstractions;

namespace Runway.Cli.Tests;

/// <summary>
/// <c>runway daemon status</c> parsed and run as the CLI does, printing into a buffer, against a real daemon (started in
/// process, as the other CLI tests do) that serves the tiled batch-blur fixture pack and has rendered one frame with it.
/// </summary>
public sealed partial class DaemonStatusCommandTests(ITestOutputHelper log) : IAsyncLifetime
{
    private const string Pack = "batch-blur";
    private const string Effect = "com.runwayml.style-transfer";
    private readonly string _dir = Directory.CreateTempSubdirectory("rw-status-").FullName;
    private DaemonHost? _daemon;
    private HealthResponse _health = new();

    public async Task InitializeAsync()
    {
        var models = Directory.CreateDirectory(Path.Combine(_dir, "models")).FullName;
        CopyFixturePack(models);
        _daemon = await DaemonHost.StartAsync(new DaemonOptions
        {
            SocketPath = Path.Combine(_dir, "runwayd.sock"),
            LogDirectory = _dir,
            ModelsDirectory = models,
            ShutdownTimeout = TimeSpan.FromSeconds(2),
        });
        await using var client = new RunwayClient(new RunwayClientOptions { SocketPath = _daemon.SocketPath, AutoStart = false, ClientName = "cli-status-tests" });
        // One 96×96 frame: tile 32 with overlap 8 makes 16 model requests, so the counters are known exactly.
        var source = ManagedImage.Create(96, 96, Components.Rgba, Depth.F32);
        var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(source.Pixels.AsSpan());
        for (var i = 0; i < floats.Length; i++) floats[i] = (i % 7) / 7f;
        var output = ManagedImage.Create(96, 96, Components.Rgba, Depth.F32);
        var result = await client.RenderAsync(new RenderRequest(Effect), source, null, output);
        Assert.StartsWith($"onnx/{Pack}@", result.Info.Engine);
        _health = await client.HealthAsync();
    }

    public async Task DisposeAsync()
    {
        if (_daemon is not null) await _daemon.StopAsync(cancelInFlight: true);
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Status_text_names_the_providers_the_loaded_pack_and_its_batching_counters()
    {
        var (exit, stdout) = await RunStatus();
        Assert.Equal(0, exit);
        // The grid and the markup lines wrap at the console width when stdout is a pipe; compare with wraps undone.
        var text = Spaces().Replace(stdout, " ");
        Assert.NotEmpty(_health.ExecutionProviders);
        Assert.Contains($"providers {string.Join(", ", _health.ExecutionProviders)}", text);
        Assert.Contains("status serving", text);
        Assert.Contains("1 rendered, 0 failed", text);
        Assert.Matches(@"packs 1 loaded, [0-9.]+ (B|KiB|MiB) of 4096\.0 MiB budget", text);
        Assert.Matches($@"{Pack}@1\.0\.0 \({Regex.Escape(_health.ExecutionProviders[^1])}, [0-9.]+ (B|KiB|MiB)\)", text);
        // Batching counters of the pack that ran: 16 windows, 16 runs, nothing batched for a lone frame.
        Assert.Contains($"{Pack}: 1 frames, 16 runs for 16 requests, 0 batched runs serving 0 requests, mean batch 1.00, largest 1 (maxBatch 4)", text);
        Assert.Contains($"{Effect}: 1 frames, 0 failed", text);
        Assert.Contains("no idle heap trim yet", text);
    }

    [Fact]
    public async Task Status_json_parses_and_holds_providers_loaded_packs_and_batching_counters()
    {
        var (exit, stdout) = await RunStatus("--json");
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("serving", root.GetProperty("Status").GetString());
        Assert.Equal(_health.ExecutionProviders, root.GetProperty("ExecutionProviders").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(1ul, root.GetProperty("FramesRendered").GetUInt64());

        var loaded = Assert.Single(root.GetProperty("LoadedModels").EnumerateArray());
        Assert.Equal(Pack, loaded.GetProperty("Id").GetString());
        Assert.Equal(Effect, loaded.GetProperty("EffectId").GetString());
        Assert.Equal(_health.ExecutionProviders[^1], loaded.GetProperty("ExecutionProvider").GetString());
        Assert.True(loaded.GetProperty("MemoryBytes").GetUInt64() > 0);
        Assert.Equal(loaded.GetProperty("MemoryBytes").GetUInt64(), root.GetProperty("MemoryResidentBytes").GetUInt64());
        Assert.Equal(4096ul << 20, root.GetProperty("MemoryBudgetBytes").GetUInt64());

        var model = Assert.Single(root.GetProperty("Models").EnumerateArray());
        Assert.Equal(Pack, model.GetProperty("ModelId").GetString());
        Assert.Equal(1ul, model.GetProperty("Frames").GetUInt64());
        Assert.Equal(16ul, model.GetProperty("Requests").GetUInt64());
        Assert.Equal(16ul, model.GetProperty("Runs").GetUInt64());
        Assert.Equal(0ul, model.GetProperty("BatchedRuns").GetUInt64());
        Assert.Equal(0ul, model.GetProperty("BatchedRequests").GetUInt64());
        Assert.Equal(1u, model.GetProperty("LargestBatch").GetUInt32());
        Assert.Equal(4u, model.GetProperty("MaxBatch").GetUInt32());
        Assert.Equal(0ul, root.GetProperty("IdleHeapTrims").GetUInt64());
    }

    [Fact]
    public async Task Status_without_a_daemon_fails_and_prints_nothing()
    {
        var absent = Path.Combine(_dir, "absent.sock");
        var (exit, stdout) = await RunStatusOn(absent);
        Assert.Equal(10 + (int)RunwayStatus.Unavailable, exit);
        Assert.Equal("", stdout);
        Assert.False(File.Exists(absent), "status must not start a daemon");
    }

    private Task<(int Exit, string Stdout)> RunStatus(params string[] args) => RunStatusOn(_daemon!.SocketPath, args);

    /// <summary>Runs <c>daemon status ARGS</c> with a client of the daemon on <paramref name="socket"/>; returns the exit code and what it printed.</summary>
    private async Task<(int Exit, string Stdout)> RunStatusOn(string socket, params string[] args)
    {
        using var output = new StringWriter();
        var command = new System.CommandLine.RootCommand
        {
            DaemonCommands.Create(() => new RunwayClient(new RunwayClientOptions { SocketPath = socket, AutoStart = false, ClientName = "cli-status-tests" }), output),
        };
        var exit = await command.Parse(["daemon", "status", .. args]).InvokeAsync();
        log.WriteLine($"daemon status {string.Join(' ', args)} → exit {exit}\n{output}");
        return (exit, output.ToString());
    }

    /// <summary>The batch-blur fixture pack (tile 32, overlap 8), rewritten to serve <see cref="Effect"/> with maxBatch 4.</summary>
    private static void CopyFixturePack(string modelsDir, [CallerFilePath] string here = "")
    {
        var fixture = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "Runway.Models.Tests", "fixtures", Pack));
        Assert.True(File.Exists(Path.Combine(fixture, "model.json")), $"fixture pack missing: {fixture}; run tests/Runway.Models.Tests/fixtures/make_fixtures.py");
        var pack = Directory.CreateDirectory(Path.Combine(modelsDir, Pack)).FullName;
        foreach (var file in Directory.GetFiles(fixture)) File.Copy(file, Path.Combine(pack, Path.GetFileName(file)));
        var manifest = Path.Combine(pack, "model.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!;
        json["effect"] = Effect;
        json["maxBatch"] = 4;
        File.WriteAllText(manifest, json.ToJsonString());
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
