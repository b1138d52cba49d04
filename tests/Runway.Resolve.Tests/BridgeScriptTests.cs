using System.Text.Json.Nodes;

namespace Runway.Resolve.Tests;

/// <summary>The installed Resolve script, run under python3 against the Resolve stand-in and the fake runway CLI.</summary>
public sealed class BridgeScriptTests : IDisposable
{
    private readonly BridgeHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static JsonObject Render(params (string Key, JsonNode Value)[] extra)
    {
        var r = new JsonObject { ["action"] = "render", ["effect"] = "inpaint", ["set"] = new JsonArray("radius=8") };
        foreach (var (k, v) in extra) r[k] = v;
        return r;
    }

    private static string Arg(string[] argv, string flag) => argv[Array.IndexOf(argv, flag) + 1];

    [Fact]
    public async Task Render_under_blue_markers_exports_otio_renders_and_places_the_result_above_the_original()
    {
        var run = await _h.RunAsync(BridgeHarness.Scenario(), Render(("markers", "Blue")), new Dictionary<string, string> { ["FAKE_RUNWAY_CLIPS"] = "B002" });

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        run.AssertInOrder("Resolve.GetProjectManager", "ProjectManager.GetCurrentProject", "Project.GetCurrentTimeline",
            "Project.GetMediaPool", "Timeline.GetItemListInTrack", "Timeline.GetMarkers", "Timeline.Export",
            "MediaPool.ImportMedia", "Timeline.AddTrack", "MediaPool.AppendToTimeline");

        // Timeline.Export(path, resolve.EXPORT_OTIO, resolve.EXPORT_NONE), and the file is what Resolve wrote.
        var export = run.Single("Timeline.Export").Args;
        var exported = export[0]!.GetValue<string>();
        Assert.EndsWith(".otio", exported, StringComparison.Ordinal);
        Assert.Equal(29, export[1]!.GetValue<int>());
        Assert.Equal(0, export[2]!.GetValue<int>());

        var (effects, render) = (run.RunwayInvocations[0], run.RunwayInvocations[1]);
        Assert.Equal(["effects", "--json"], effects);
        Assert.Equal(["timeline", "render", exported, "--effect", "com.runwayml.inpaint", "--set", "radius=8", "--markers", "BLUE"], render[..9]);
        Assert.Equal(Path.Combine(Path.GetDirectoryName(exported)!, "renders"), Arg(render, "--output-dir"));
        Assert.Equal("--json", render[^1]);
        Assert.Equal(await File.ReadAllTextAsync(BridgeHarness.SampleOtio), await File.ReadAllTextAsync(Arg(render, "--out")));

        var import = run.Single("MediaPool.ImportMedia").Args[0]!.AsArray().Single()!;
        // The result folder's numbered frames become one image-sequence import.
        Assert.Equal(Path.Combine(Arg(render, "--output-dir"), "B002-0123456789ab", "B002.%04d.png"), import["FilePath"]!.GetValue<string>());
        Assert.Equal(1001, import["StartIndex"]!.GetValue<int>());
        Assert.Equal(1096, import["EndIndex"]!.GetValue<int>());
        Assert.Equal(["video"], run.Single("Timeline.AddTrack").Args.Select(a => a!.GetValue<string>()));

        // Same record frame as the original, on the new track 2; endFrame is exclusive so the item is 72 frames long.
        var info = run.Single("MediaPool.AppendToTimeline").Args[0]!.AsArray().Single()!;
        Assert.Equal(0, info["startFrame"]!.GetValue<int>());
        Assert.Equal(72, info["endFrame"]!.GetValue<int>());
        Assert.Equal(2, info["trackIndex"]!.GetValue<int>());
        Assert.Equal(86448, info["recordFrame"]!.GetValue<int>());
        var placed = run.State["tracks"]![1]!.AsArray().Single()!;
        Assert.Equal(86448, placed["start"]!.GetValue<int>());
        Assert.Equal(86520, placed["end"]!.GetValue<int>());
        Assert.Equal(2, run.State["tracks"]!.AsArray().Count);
    }

    [Fact]
    public async Task Render_from_environment_variables_renders_each_named_clip_and_keeps_each_record_frame()
    {
        var env = new Dictionary<string, string>
        {
            ["RUNWAY_ACTION"] = "render", ["RUNWAY_EFFECT"] = "com.runwayml.inpaint", ["RUNWAY_PRESET"] = "remove-boom-mic",
            ["RUNWAY_CLIPS"] = "A00*,B002", ["RUNWAY_WORK_DIR"] = _h.WorkDir, ["FAKE_RUNWAY_FRAMES"] = "72",
        };
        var run = await _h.RunAsync(BridgeHarness.Scenario(), env: env);

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        // `runway timeline render --clips` takes one pattern, so each chosen clip is one run (cached clips cost nothing).
        var renders = run.RunwayInvocations.Skip(1).ToList();
        Assert.Equal(["A001", "B002"], renders.Select(r => Arg(r, "--clips")));
        Assert.All(renders, r => Assert.Equal("remove-boom-mic", Arg(r, "--preset")));
        Assert.All(renders, r => Assert.DoesNotContain("--markers", r));
        Assert.NotEqual(Arg(renders[0], "--out"), Arg(renders[1], "--out"));
        var infos = run.Single("MediaPool.AppendToTimeline").Args[0]!.AsArray();
        Assert.Equal([86400, 86448], infos.Select(i => i!["recordFrame"]!.GetValue<int>()));
        Assert.Equal([48, 72], infos.Select(i => i!["endFrame"]!.GetValue<int>()));
        Assert.Equal(2, run.Calls.Count(c => c.Call == "MediaPool.ImportMedia"));
        Assert.Equal(1, run.Calls.Count(c => c.Call == "Timeline.AddTrack"));
    }

    [Fact]
    public async Task Without_a_clip_choice_the_clip_under_the_playhead_is_rendered()
    {
        var run = await _h.RunAsync(BridgeHarness.Scenario(), Render());

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        run.AssertInOrder("Timeline.GetCurrentVideoItem", "Timeline.Export");
        Assert.Equal("A001", Arg(run.RunwayInvocations[1], "--clips"));
        Assert.Equal(86400, run.Single("MediaPool.AppendToTimeline").Args[0]![0]!["recordFrame"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("ProjectManager.GetCurrentProject")]
    [InlineData("Project.GetCurrentTimeline")]
    [InlineData("Project.GetMediaPool")]
    [InlineData("Timeline.Export")]
    public async Task A_resolve_call_that_fails_is_named_and_nothing_is_rendered_or_imported(string failing)
    {
        var scenario = BridgeHarness.Scenario();
        scenario["fail"] = new JsonArray(failing);

        var run = await _h.RunAsync(scenario, Render(("markers", "Blue")));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"FAILED: {failing}(", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(run.RunwayInvocations, a => a[0] == "timeline");
        Assert.DoesNotContain("MediaPool.ImportMedia", run.Names);
        Assert.DoesNotContain("Timeline.AddTrack", run.Names);
    }

    [Theory]
    [InlineData("exit", "runway timeline exited with 4: runway: daemon not reachable")]
    [InlineData("garbage", "runway timeline render did not print a JSON summary")]
    [InlineData("clip-failed", "did not finish 1 clip(s): B002: failed (daemon: cancelled); nothing imported")]
    [InlineData("missing", "A001-0123456789ab holds no frames; expected one numbered image sequence")]
    [InlineData("short", "has 10 frame(s) but clip 'A001' needs 48; nothing imported")]
    public async Task A_failed_render_is_reported_and_nothing_is_imported(string mode, string message)
    {
        var run = await _h.RunAsync(BridgeHarness.Scenario(), Render(("markers", "Blue")),
            new Dictionary<string, string> { ["FAKE_RUNWAY_MODE"] = mode, ["FAKE_RUNWAY_CLIPS"] = "A001,B002" });

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("MediaPool.ImportMedia", run.Names);
        Assert.DoesNotContain("Timeline.AddTrack", run.Names);
    }

    [Fact]
    public async Task When_append_to_timeline_fails_the_new_track_and_imported_clips_are_removed_again()
    {
        var scenario = BridgeHarness.Scenario();
        scenario["fail"] = new JsonArray("MediaPool.AppendToTimeline");

        var run = await _h.RunAsync(scenario, Render(("clips", new JsonArray("*"))));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("MediaPool.AppendToTimeline([2 item(s)]) failed", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("removed the new track V2", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("removed 2 imported clip(s)", run.Stdout, StringComparison.Ordinal);
        run.AssertInOrder("MediaPool.AppendToTimeline", "Timeline.DeleteTrack", "MediaPool.DeleteClips");
        Assert.Single(run.State["tracks"]!.AsArray());
        Assert.Empty(run.State["media_pool"]!.AsArray());
    }

    [Fact]
    public async Task When_import_media_fails_it_is_named_and_no_track_is_added()
    {
        var scenario = BridgeHarness.Scenario();
        scenario["fail"] = new JsonArray("MediaPool.ImportMedia");

        var run = await _h.RunAsync(scenario, Render(("markers", "Blue")), new Dictionary<string, string> { ["FAKE_RUNWAY_CLIPS"] = "B002" });

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("MediaPool.ImportMedia([1 item(s)]) failed (returned None)", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Timeline.AddTrack", run.Names);
        Assert.Single(run.State["tracks"]!.AsArray());
    }

    [Fact]
    public async Task An_unknown_effect_or_marker_colour_stops_before_anything_is_exported()
    {
        var unknown = await _h.RunAsync(BridgeHarness.Scenario(), Render(("effect", "sharpen")));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown effect 'sharpen'", unknown.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Timeline.Export", unknown.Names);

        var colour = await _h.RunAsync(BridgeHarness.Scenario(), Render(("markers", "Orange")));
        Assert.Equal(1, colour.ExitCode);
        Assert.Contains("marker colour 'Orange'", colour.Stdout, StringComparison.Ordinal);
        Assert.Empty(colour.Calls);
    }

    [Fact]
    public async Task Look_is_written_into_the_lut_folder_refreshed_and_set_on_the_chosen_clips_node()
    {
        var run = await _h.RunAsync(BridgeHarness.Scenario(),
            new JsonObject { ["action"] = "look", ["look"] = "teal orange", ["selection"] = "all", ["node"] = 1 });

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var cube = Path.Combine(_h.LutDir, "Runway", "teal_orange.cube");
        Assert.StartsWith("# fake look\nLUT_3D_SIZE 2\n", await File.ReadAllTextAsync(cube), StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(_h.LutDir, "Runway")));
        var export = run.RunwayInvocations.Single();
        Assert.Equal(["looks", "export", "--look", "teal orange"], export[..4]);
        Assert.Equal(["--dialect", "resolve", "--size", "33"], export[^4..]);
        // SetLUT only works for LUTs Resolve has discovered, so the refresh must come first.
        run.AssertInOrder("Project.RefreshLUTList", "TimelineItem.GetNodeGraph", "Graph.SetLUT", "TimelineItem.GetNodeGraph", "Graph.SetLUT");
        Assert.All(run.Calls.Where(c => c.Call == "Graph.SetLUT"), c => Assert.Equal(cube, c.Args[1]!.GetValue<string>()));
        Assert.All(run.State["tracks"]![0]!.AsArray(), i => Assert.Equal(cube, i!["luts"]!["1"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Before_resolve_19_the_lut_is_set_on_the_timeline_item_itself()
    {
        var scenario = BridgeHarness.Scenario();
        scenario["version"] = 18;

        var run = await _h.RunAsync(scenario, new JsonObject { ["action"] = "look", ["look"] = "/looks/warm.cube", ["markers"] = "Blue" });

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var set = run.Single("TimelineItem.SetLUT");
        Assert.Equal(1, set.Args[0]!.GetValue<int>());
        Assert.Equal(Path.Combine(_h.LutDir, "Runway", "warm.cube"), set.Args[1]!.GetValue<string>());
    }

    [Fact]
    public async Task A_lut_that_resolve_refuses_is_reported_per_clip_with_a_failing_exit()
    {
        var scenario = BridgeHarness.Scenario();
        scenario["fail"] = new JsonArray("Project.RefreshLUTList");
        var refresh = await _h.RunAsync(scenario, new JsonObject { ["action"] = "look", ["look"] = "warm" });
        Assert.Equal(1, refresh.ExitCode);
        Assert.Contains("Project.RefreshLUTList() failed (returned False)", refresh.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Graph.SetLUT", refresh.Names);

        // Node 2 does not exist on a one-node grade: Resolve answers False.
        var node = await _h.RunAsync(BridgeHarness.Scenario(), new JsonObject { ["action"] = "look", ["look"] = "warm", ["node"] = 2 });
        Assert.Equal(1, node.ExitCode);
        Assert.Contains("set on 0 of 1 clip(s); failed: A001: Graph.SetLUT(2, ", node.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task As_an_external_script_it_connects_through_davinci_resolve_script_and_lists_clips()
    {
        var run = await _h.RunExternalAsync(BridgeHarness.Scenario(), new Dictionary<string, string> { ["RUNWAY_ACTION"] = "list" });

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("timeline 'Edit 1': 2 video clip(s)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("B002  /media/B002.mov", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Names, n => n.StartsWith("MediaPool.", StringComparison.Ordinal) || n.StartsWith("Timeline.Add", StringComparison.Ordinal));
    }

    [Fact]
    public async Task In_studio_the_dialog_choices_become_the_render_request()
    {
        var scenario = BridgeHarness.Scenario();
        scenario["dialog"] = new JsonObject
        {
            ["Action"] = "render", ["Effect"] = "com.runwayml.inpaint", ["Preset"] = "wire-removal",
            ["Set"] = "radius=8; method=telea", ["Selection"] = "markers: Blue",
        };

        var run = await _h.RunAsync(scenario, env: new Dictionary<string, string> { ["RUNWAY_WORK_DIR"] = _h.WorkDir, ["FAKE_RUNWAY_CLIPS"] = "B002" });

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        run.AssertInOrder("UI.Dispatcher.AddWindow", "UI.Dispatcher.RunLoop", "UI.Dispatcher.ExitLoop", "Timeline.Export", "MediaPool.AppendToTimeline");
        var render = run.RunwayInvocations.Single(r => r[0] == "timeline");
        Assert.Equal(["--set", "radius=8", "--set", "method=telea", "--preset", "wire-removal", "--markers", "BLUE"], render[5..13]);
    }

    [Fact]
    public async Task Cancelling_the_dialog_changes_nothing()
    {
        var scenario = BridgeHarness.Scenario();
        scenario["dialog"] = new JsonObject { ["click"] = "Cancel" };

        var run = await _h.RunAsync(scenario);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("cancelled; nothing changed", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Names, n => !n.StartsWith("UI.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_nothing_asked_and_no_dialog_it_prints_usage_and_the_clips_and_exits_2()
    {
        var run = await _h.RunAsync(BridgeHarness.Scenario());

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("RUNWAY_RESOLVE_REQUEST", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("A001", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Timeline.Export", run.Names);
    }
}
