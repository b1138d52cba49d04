using System.CommandLine;
using System.Text.Json;
using Runway.Client;
using Spectre.Console;

namespace Runway.Cli.Commands;

/// <summary><c>runway daemon start|stop|status</c>.</summary>
public static class DaemonCommands
{
    /// <summary>The <c>daemon</c> command.</summary>
    /// <param name="connect">Client for <c>status</c>; null = the environment's daemon, never auto-started (tests pass
    /// one for an in-process daemon).</param>
    /// <param name="output">Where <c>status</c> prints; null = the console.</param>
    public static Command Create(Func<RunwayClient>? connect = null, TextWriter? output = null)
    {
        var daemon = new Command("daemon", "Start, stop or inspect runwayd, the resident effect daemon.");

        var start = new Command("start", "Start runwayd (detached) unless it is already running, and wait until it serves.");
        start.SetAction(async (_, ct) => await Run(async () =>
        {
            await using var client = ClientFactory.Create();
            var hello = await client.EnsureDaemonAsync(ct);
            Console.WriteLine($"runwayd {hello.DaemonVersion} running (pid {hello.DaemonPid}) on {client.SocketPath}");
        }));

        var cancel = new Option<bool>("--cancel") { Description = "Cancel renders in flight instead of letting them finish." };
        var stop = new Command("stop", "Stop runwayd gracefully.") { cancel };
        stop.SetAction(async (result, ct) => await Run(async () =>
        {
            await using var client = new RunwayClient(RunwayClientOptions.FromEnvironment("runway-cli") with { AutoStart = false });
            var stopped = await client.ShutdownAsync(result.GetValue(cancel), ct);
            Console.WriteLine(stopped ? "runwayd stopped" : $"runwayd was not running on {client.SocketPath}");
        }));

        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var status = new Command("status", "Show whether runwayd is running, its versions, providers and counters.") { json };
        status.SetAction(async (result, ct) => await Run(async () =>
        {
            await using var client = connect?.Invoke() ?? new RunwayClient(RunwayClientOptions.FromEnvironment("runway-cli") with { AutoStart = false });
            var health = await client.HealthAsync(ct);
            var stats = await client.StatsAsync(ct);
            var models = await client.ListModelsAsync(ct);
            var loaded = models.Models.Where(m => m.State == "loaded").ToArray();
            if (result.GetValue(json))
            {
                (output ?? Console.Out).WriteLine(JsonSerializer.Serialize(new
                {
                    health.Status, health.DaemonVersion, health.ProtocolVersion, health.Pid, health.UptimeSeconds, health.SocketPath,
                    health.LogPath, ExecutionProviders = health.ExecutionProviders.ToArray(), stats.FramesRendered, stats.RenderFailures,
                    stats.RendersInFlight, stats.ArenasRegistered, stats.ClientsConnected, stats.WorkingSetBytes,
                    Effects = stats.Effects.Select(e => new { e.EffectId, e.Frames, e.Failures, e.MeanMillis, e.LastEngine }).ToArray(),
                    stats.RendersQueued,
                    Models = stats.Models.Select(m => new
                    {
                        m.ModelId, m.Frames, m.Runs, m.BatchedRuns, m.BatchedRequests, m.Requests, m.MeanBatchSize, m.LargestBatch, m.MaxBatch,
                    }).ToArray(),
                    LoadedModels = loaded.Select(m => new { m.Id, m.EffectId, m.Version, m.ExecutionProvider, m.MemoryBytes }).ToArray(),
                    models.ModelsDirectory, models.MemoryBudgetBytes, models.MemoryResidentBytes,
                    stats.IdleHeapTrims, stats.IdleHeapTrimReleasedBytes,
                }));
                return;
            }
            var console = output is null
                ? AnsiConsole.Console
                : AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
                });
            var grid = new Grid().AddColumns(2);
            grid.AddRow("status", health.Status);
            grid.AddRow("version", $"{health.DaemonVersion} (protocol {health.ProtocolVersion})");
            grid.AddRow("pid", health.Pid.ToString());
            grid.AddRow("uptime", TimeSpan.FromSeconds(Math.Round(health.UptimeSeconds)).ToString());
            grid.AddRow("socket", Markup.Escape(health.SocketPath));
            grid.AddRow("log", Markup.Escape(health.LogPath));
            grid.AddRow("providers", string.Join(", ", health.ExecutionProviders));
            grid.AddRow("frames", $"{stats.FramesRendered} rendered, {stats.RenderFailures} failed, {stats.RendersInFlight} in flight ({stats.RendersQueued} waiting for a turn)");
            grid.AddRow("memory", $"{stats.WorkingSetBytes / (1 << 20)} MiB working set; {IdleTrimText(stats)}");
            grid.AddRow("packs", Markup.Escape(LoadedText(models, loaded)));
            console.Write(grid);
            foreach (var e in stats.Effects)
                console.MarkupLine($"  {Markup.Escape(e.EffectId)}: {e.Frames} frames, {e.Failures} failed, {e.MeanMillis:F1} ms mean, engine {Markup.Escape(e.LastEngine)}");
            if (stats.Models.Count > 0) console.MarkupLine("models (since start, warm-up excluded):");
            foreach (var line in ModelLines(stats)) console.MarkupLine("  " + Markup.Escape(line));
        }));

        daemon.Subcommands.Add(start);
        daemon.Subcommands.Add(stop);
        daemon.Subcommands.Add(status);
        return daemon;
    }

    /// <summary>One line per model pack that has run: frames, session runs and how they were batched.</summary>
    internal static IEnumerable<string> ModelLines(Runway.Protocol.V1.StatsResponse stats) =>
        stats.Models.Select(m => System.FormattableString.Invariant(
            $"{m.ModelId}: {m.Frames} frames, {m.Runs} runs for {m.Requests} requests, {m.BatchedRuns} batched runs serving {m.BatchedRequests} requests, mean batch {m.MeanBatchSize:F2}, largest {m.LargestBatch} (maxBatch {m.MaxBatch})"));

    /// <summary>Loaded packs with their provider and size, against the budget (or why there are none).</summary>
    internal static string LoadedText(Runway.Protocol.V1.ListModelsResponse models, IReadOnlyCollection<Runway.Protocol.V1.ModelInfo> loaded) =>
        System.FormattableString.Invariant(
            $"{loaded.Count} loaded, {Size(models.MemoryResidentBytes)} of {Size(models.MemoryBudgetBytes)} budget") +
        (loaded.Count == 0
            ? ""
            : ": " + string.Join(", ", loaded.Select(m => System.FormattableString.Invariant(
                $"{m.Id}@{m.Version} ({m.ExecutionProvider}, {Size(m.MemoryBytes)})"))));

    private static string Size(ulong bytes) => bytes switch
    {
        < 1 << 10 => System.FormattableString.Invariant($"{bytes} B"),
        < 1 << 20 => System.FormattableString.Invariant($"{bytes / 1024.0:F1} KiB"),
        _ => System.FormattableString.Invariant($"{bytes / 1048576.0:F1} MiB"),
    };

    /// <summary>The idle heap trims so far, or that none has happened.</summary>
    internal static string IdleTrimText(Runway.Protocol.V1.StatsResponse stats) =>
        stats.IdleHeapTrims == 0
            ? "no idle heap trim yet"
            : System.FormattableString.Invariant(
                $"{stats.IdleHeapTrims} idle heap trim(s), the last released {stats.IdleHeapTrimReleasedBytes / 1048576.0:F1} MiB");

    /// <summary>Runs a command body, turning client errors into one line on stderr and an exit code.</summary>
    internal static async Task<int> Run(Func<Task> body)
    {
        try
        {
            await body();
            return 0;
        }
        catch (RunwayException e)
        {
            Console.Error.WriteLine($"runway: {e.Message}");
            return 10 + (int)e.Status;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FileNotFoundException)
        {
            Console.Error.WriteLine($"runway: {e.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("runway: cancelled");
            return 130;
        }
    }
}
