using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Runway.Testing;

namespace Runway.Resolve.Tests;

/// <summary>One recorded call on the Resolve stand-in.</summary>
internal sealed record StandinCall(string Call, JsonArray Args);

/// <summary>The outcome of running the installed bridge against the Resolve stand-in.</summary>
internal sealed record BridgeRun(int ExitCode, string Stdout, string Stderr, IReadOnlyList<StandinCall> Calls, JsonNode State,
    IReadOnlyList<string[]> RunwayInvocations)
{
    public IEnumerable<string> Names => Calls.Select(c => c.Call);

    public StandinCall Single(string call) => Assert.Single(Calls, c => c.Call == call);

    /// <summary>Asserts <paramref name="expected"/> occur in this order among the recorded calls (others may interleave).</summary>
    public void AssertInOrder(params string[] expected)
    {
        var names = Names.ToList();
        var at = 0;
        foreach (var e in expected)
        {
            var found = names.IndexOf(e, at);
            Assert.True(found >= 0, $"expected {e} after position {at} in: {string.Join(", ", names)}");
            at = found + 1;
        }
    }
}

/// <summary>
/// Installs the bridge scripts (through <see cref="ScriptInstaller"/>, as users get them) into a temporary Resolve
/// Scripts folder and runs the menu entry under the system python3 against the Resolve stand-in, with the fake
/// runway CLI (tests/Runway.Resolve.Tests/standin) answering the bridge's commands.
/// </summary>
internal sealed class BridgeHarness : IDisposable
{
    public BridgeHarness()
    {
        Root = Path.Combine(Path.GetTempPath(), "runway-resolve-bridge-" + Guid.NewGuid().ToString("N"));
        ScriptsDir = Path.Combine(Root, "Scripts");
        LutDir = Path.Combine(Root, "LUT");
        WorkDir = Path.Combine(Root, "work");
        Directory.CreateDirectory(LutDir);
        Directory.CreateDirectory(WorkDir);
        new ScriptInstaller(ScriptsDir).InstallAsync([Python.Value, Path.Combine(StandinDir, "fake_runway.py")]).GetAwaiter().GetResult();
    }

    public string Root { get; }
    public string ScriptsDir { get; }
    public string LutDir { get; }
    public string WorkDir { get; }
    public string EntryScript => Path.Combine(ScriptsDir, "Utility", ScriptInstaller.EntryScriptName);
    public static string StandinDir => Path.Combine(AppContext.BaseDirectory, "standin");

    /// <summary>
    /// The system python3's real executable, found once: version-manager shims (pyenv) cost several times the
    /// interpreter's own start-up, and these tests start python dozens of times.
    /// </summary>
    private static readonly Lazy<string> Python = new(() =>
    {
        var psi = new ProcessStartInfo("python3", ["-c", "import sys; print(sys.executable)"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("python3 is not installed (installers/linux/bootstrap.sh adds it)");
        var path = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return p.ExitCode == 0 && File.Exists(path) ? path : "python3";
    });

    /// <summary>A real OTIO sample (OpenTimelineIO's own) for the stand-in to write on Timeline.Export.</summary>
    public static string SampleOtio => SharedTestData.File("otio/simple_cut.otio");

    /// <summary>Two clips on V1 of a timeline starting at 01:00:00:00 (frame 86400 at 24 fps), a blue marker over the second.</summary>
    public static JsonObject Scenario() => new()
    {
        ["otio"] = SampleOtio,
        ["timeline"] = new JsonObject
        {
            ["name"] = "Edit 1",
            ["start_frame"] = 86400,
            ["fps"] = 24,
            ["markers"] = new JsonObject { ["60"] = new JsonObject { ["color"] = "Blue", ["duration"] = 1, ["name"] = "fix", ["note"] = "", ["customData"] = "" } },
            ["tracks"] = new JsonArray(new JsonArray(
                new JsonObject { ["name"] = "A001", ["start"] = 86400, ["end"] = 86448, ["file"] = "/media/A001.mov" },
                new JsonObject { ["name"] = "B002", ["start"] = 86448, ["end"] = 86520, ["file"] = "/media/B002.mov" })),
            ["current"] = new JsonArray(1, 0),
        },
    };

    public Task<BridgeRun> RunAsync(JsonObject scenario, JsonObject? request = null, IDictionary<string, string>? env = null) =>
        RunAsync(scenario, request, env, external: false);

    /// <summary>Runs the bridge module as an external script that connects through the DaVinciResolveScript stand-in.</summary>
    public Task<BridgeRun> RunExternalAsync(JsonObject scenario, IDictionary<string, string> env) => RunAsync(scenario, null, env, external: true);

    private async Task<BridgeRun> RunAsync(JsonObject scenario, JsonObject? request, IDictionary<string, string>? env, bool external)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var log = Path.Combine(Root, $"calls-{id}.json");
        var runwayLog = Path.Combine(Root, $"runway-{id}.log");
        scenario["log"] = log;
        scenario["lut_dir"] ??= LutDir;
        var scenarioPath = Path.Combine(Root, $"scenario-{id}.json");
        await File.WriteAllTextAsync(scenarioPath, scenario.ToJsonString());

        var psi = new ProcessStartInfo(Python.Value) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (external)
        {
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("import sys, runway_resolve_bridge as b; sys.exit(b.main())");
            psi.Environment["PYTHONPATH"] = string.Join(Path.PathSeparator, StandinDir, Path.Combine(ScriptsDir, ScriptInstaller.BridgeFolder));
            psi.Environment["RUNWAY_STANDIN_SCENARIO"] = scenarioPath;
        }
        else
        {
            psi.ArgumentList.Add(Path.Combine(StandinDir, "run_in_standin.py"));
            psi.ArgumentList.Add(scenarioPath);
            psi.ArgumentList.Add(EntryScript);
        }
        psi.Environment["FAKE_RUNWAY_LOG"] = runwayLog;
        psi.Environment["RUNWAY_RESOLVE_LUT_DIR"] = LutDir;
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        foreach (var name in new[] { "RUNWAY_CLI", "RUNWAY_RESOLVE_REQUEST", "RUNWAY_ACTION", "RUNWAY_RESOLVE_BRIDGE_DIR" }) psi.Environment.Remove(name);
        if (request is not null)
        {
            request["work_dir"] ??= WorkDir;
            var requestPath = Path.Combine(Root, $"request-{id}.json");
            await File.WriteAllTextAsync(requestPath, request.ToJsonString());
            psi.Environment["RUNWAY_RESOLVE_REQUEST"] = requestPath;
        }
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("python3 did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        var (o, e) = (await stdout, await stderr);
        Assert.True(File.Exists(log), $"the stand-in wrote no call log; python said:\n{o}\n{e}");
        var recorded = JsonNode.Parse(await File.ReadAllTextAsync(log))!;
        var calls = recorded["calls"]!.AsArray().Select(c => new StandinCall(c!["call"]!.GetValue<string>(), c["args"]!.AsArray())).ToList();
        var invocations = File.Exists(runwayLog)
            ? (await File.ReadAllLinesAsync(runwayLog)).Select(l => JsonSerializer.Deserialize<string[]>(l)!).ToList()
            : [];
        return new BridgeRun(process.ExitCode, o, e, calls, recorded["state"]!, invocations);
    }

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
