using System.Text.Json.Nodes;
using Runway.Testing;

namespace Runway.Resolve.Tests;

/// <summary>The bridge against the Resolve stand-in but with the real <c>runway</c> CLI (no daemon needed for these paths).</summary>
public sealed class RealCliTests : IDisposable
{
    private readonly BridgeHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static Dictionary<string, string> RealCli() => new()
    {
        ["RUNWAY_CLI"] = $"dotnet \"{Path.Combine(AppContext.BaseDirectory, "runway.dll")}\"",
    };

    [Fact]
    public async Task Real_looks_export_writes_a_33_cube_into_the_lut_folder_that_resolve_then_gets_set()
    {
        var look = SharedTestData.File("colour/luts/looks/classic_film.cube");

        var run = await _h.RunAsync(BridgeHarness.Scenario(), new JsonObject { ["action"] = "look", ["look"] = look, ["selection"] = "all" }, RealCli());

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var cube = Path.Combine(_h.LutDir, "Runway", "classic_film.cube");
        var lines = await File.ReadAllLinesAsync(cube);
        Assert.Contains("LUT_3D_SIZE 33", lines);
        Assert.Equal(33 * 33 * 33, lines.Count(l => l.Length > 0 && (char.IsDigit(l[0]) || l[0] == '-')));
        Assert.Equal(2, run.Calls.Count(c => c.Call == "Graph.SetLUT" && c.Args[1]!.GetValue<string>() == cube));
    }

    [Fact]
    public async Task Real_timeline_render_accepts_the_bridges_command_line_and_its_error_stops_the_import()
    {
        // OpenTimelineIO's simple_cut sample, as if Resolve had exported it: its media does not exist on this machine.
        var scenario = BridgeHarness.Scenario();
        scenario["timeline"]!["tracks"]![0]![0]!["name"] = "Clip-001";
        var request = new JsonObject { ["action"] = "render", ["effect"] = "inpaint", ["clips"] = new JsonArray("Clip-001"), ["set"] = new JsonArray("radius=8") };

        var run = await _h.RunAsync(scenario, request, RealCli());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("runway timeline exited with 2: runway: clip 'Clip-001': media '/folder/titles.mov' does not exist", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("MediaPool.ImportMedia", run.Names);
        Assert.DoesNotContain("Timeline.AddTrack", run.Names);
    }
}
