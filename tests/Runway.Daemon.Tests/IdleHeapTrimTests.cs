using System.Diagnostics;
using System.Text.Json;
using Runway.Protocol.V1;

namespace Runway.Daemon.Tests;

/// <summary>
/// Idle heap trim through a real daemon: free native heap memory kept between frames goes back to the kernel once
/// the daemon has rendered nothing for <see cref="DaemonOptions.IdleTrimAfter"/>, once per idle spell, never while a
/// render is in flight.
/// </summary>
public sealed class IdleHeapTrimTests
{
    private const string TrimLine = "gave free native heap memory back to the kernel";

    [Fact]
    public async Task Heap_is_trimmed_once_after_the_daemon_goes_idle_and_not_while_a_render_runs()
    {
        var idle = TimeSpan.FromMilliseconds(400);
        // Every render takes 1.5 s; B starts 1 s after A, so A ends while B still runs for ~1 s: the idle timer armed by
        // A's end fires (at A + 0.4 s) with B in flight and must not trim.
        await using var d = await DaemonFixture.StartAsync(o => o with { RenderDelayMs = 1500, IdleTrimAfter = idle });
        using var arena = d.NewArena(slotCount: 6);
        var desc = Frames.Rgba8(16, 16);
        RenderFrameRequest Req(int s) => Frames.SlotRequest(Frames.Passthrough, desc, arena.Write(s, desc, Frames.Noise(1024, s + 1)), desc, arena.Stamp(s + 1, desc));

        var a = d.Render.RenderFrameAsync(Req(0)).ResponseAsync;
        await Task.Delay(1000);
        var b = d.Render.RenderFrameAsync(Req(2)).ResponseAsync;
        await a;
        Assert.Equal(0ul, (await d.Daemon.StatsAsync(new StatsRequest())).IdleHeapTrims);
        await b;
        var bEnded = DateTimeOffset.UtcNow;

        await WaitForTrims(d, 1);
        // Idle on: no further trims without a render in between.
        await Task.Delay(3 * idle);
        Assert.Equal(1ul, (await d.Daemon.StatsAsync(new StatsRequest())).IdleHeapTrims);

        // A render ends a spell; the next idle spell gets its own single trim.
        await d.Render.RenderFrameAsync(Req(4));
        var cEnded = DateTimeOffset.UtcNow;
        await WaitForTrims(d, 2);
        await Task.Delay(3 * idle);
        Assert.Equal(2ul, (await d.Daemon.StatsAsync(new StatsRequest())).IdleHeapTrims);

        await d.Host.StopAsync();
        var trims = TrimTimes(d.Host.LogPath);
        Assert.Equal(2, trims.Count);
        // Logged by the daemon after the last render's reply reached us, so neither happened while B (or C) ran.
        Assert.True(trims[0] > bEnded, $"first trim at {trims[0]:O}, before render B ended at {bEnded:O}");
        Assert.True(trims[1] > cEnded, $"second trim at {trims[1]:O}, before render C ended at {cEnded:O}");
    }

    [Fact]
    public async Task Idle_trim_set_to_zero_never_trims()
    {
        await using var d = await DaemonFixture.StartAsync(o => o with { IdleTrimAfter = TimeSpan.Zero });
        using var arena = d.NewArena();
        var desc = Frames.Rgba8(16, 16);
        await d.Render.RenderFrameAsync(Frames.SlotRequest(Frames.Passthrough, desc, arena.Write(0, desc, Frames.Noise(1024)), desc, arena.Stamp(1, desc)));
        await Task.Delay(500);
        Assert.Equal(0ul, (await d.Daemon.StatsAsync(new StatsRequest())).IdleHeapTrims);
    }

    [Fact]
    public void Idle_trim_is_read_from_flag_variable_and_file_in_seconds()
    {
        using var dir = new TempDir();
        var env = new System.Collections.Hashtable { ["HOME"] = dir.Path };
        Assert.Equal(TimeSpan.FromSeconds(30), DaemonOptions.Load([], env).IdleTrimAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(250), DaemonOptions.Load(["--idle-trim-seconds", "0.25"], env).IdleTrimAfter);
        env["RUNWAY_IDLE_TRIM_SECONDS"] = "0";
        Assert.Equal(TimeSpan.Zero, DaemonOptions.Load([], env).IdleTrimAfter);
        File.WriteAllText(dir["runwayd.json"], """{ "idleTrimSeconds": 90 }""");
        env.Remove("RUNWAY_IDLE_TRIM_SECONDS");
        Assert.Equal(TimeSpan.FromSeconds(90), DaemonOptions.Load(["--config", dir["runwayd.json"]], env).IdleTrimAfter);
        Assert.Contains("idleTrimSeconds", Assert.Throws<DaemonConfigException>(() => DaemonOptions.Load(["--idle-trim-seconds", "-1"], env)).Message);
        Assert.Contains("seconds", Assert.Throws<DaemonConfigException>(() => DaemonOptions.Load(["--idle-trim-seconds", "soon"], env)).Message);
        Assert.Contains("--idle-trim-seconds", DaemonOptions.Usage);
    }

    private static async Task WaitForTrims(DaemonFixture d, ulong count)
    {
        var sw = Stopwatch.StartNew();
        while ((await d.Daemon.StatsAsync(new StatsRequest())).IdleHeapTrims < count)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"no idle trim #{count} within 15 s");
            await Task.Delay(50);
        }
    }

    /// <summary>Times of the idle-trim lines in the daemon's JSON log (one event per line, "@t" and "@mt").</summary>
    private static List<DateTimeOffset> TrimTimes(string logPath)
    {
        using var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var times = new List<DateTimeOffset>();
        while (reader.ReadLine() is { } line)
        {
            if (!line.Contains(TrimLine, StringComparison.Ordinal)) continue;
            using var doc = JsonDocument.Parse(line);
            times.Add(doc.RootElement.GetProperty("@t").GetDateTimeOffset());
        }
        return times;
    }
}
