using System.Diagnostics;
using Runway.Client.Pixels;
using Runway.Protocol.V1;

namespace Runway.Client.Tests;

/// <summary>Tests that start runwayd as a real detached process (auto-start), kill it and watch the client recover.</summary>
[Collection("out-of-process daemon")]
public sealed class DaemonLifecycleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rwl-").FullName;
    private readonly List<int> _daemonPids = [];

    private string Socket => Path.Combine(_dir, "runwayd.sock");

    private RunwayClient NewClient(int renderDelayMs = 0) => new(new RunwayClientOptions
    {
        SocketPath = Socket,
        ClientName = "lifecycle-tests",
        AutoStart = true,
        DaemonPath = TestPaths.Daemon,
        DaemonArguments = [$"--log-dir={_dir}", $"--render-delay-ms={renderDelayMs}", "--shutdown-timeout-seconds=2"],
        // dotnet start-up on a busy 2-core machine; the default is 10 s.
        StartTimeout = TimeSpan.FromSeconds(40),
    });

    [Fact]
    public async Task Daemon_not_running_is_started_detached_on_first_use()
    {
        await using var client = NewClient();
        Assert.False(File.Exists(Socket));
        var hello = await client.PingAsync();
        Track(hello.DaemonPid);
        Assert.NotEqual(Environment.ProcessId, hello.DaemonPid);
        Assert.True(File.Exists(Socket));
        // Detached: its own session, not our child.
        var stat = File.ReadAllText($"/proc/{hello.DaemonPid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        Assert.NotEqual(Environment.ProcessId.ToString(), fields[1]); // ppid
        Assert.Equal(hello.DaemonPid.ToString(), fields[3]); // session id: setsid made it the leader

        await RenderAndCheck(client);
        Assert.True(await client.ShutdownAsync());
        Assert.True(WaitForExit(hello.DaemonPid, TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Two_clients_starting_the_daemon_at_once_share_one_daemon()
    {
        await using var a = NewClient();
        await using var b = NewClient();
        var both = await Task.WhenAll(a.PingAsync(), b.PingAsync());
        Track(both[0].DaemonPid);
        Track(both[1].DaemonPid);
        Assert.Equal(both[0].DaemonPid, both[1].DaemonPid);
    }

    [Fact]
    public async Task Daemon_killed_mid_render_fails_with_unavailable_then_the_next_render_recovers()
    {
        await using var client = NewClient(renderDelayMs: 4000);
        var first = await client.PingAsync();
        Track(first.DaemonPid);
        var bounds = new PixelRect(0, 0, 64, 40);
        using var source = new NativeImage(bounds, Components.Rgba, Depth.F16).FillRandom(21);
        using var output = new NativeImage(bounds, Components.Rgba, Depth.F16);
        var render = client.RenderAsync(new RenderRequest("com.runwayml.passthrough"), source.Image, null, output.Image);
        await Task.Delay(800);
        Assert.False(render.IsCompleted);
        Process.GetProcessById(first.DaemonPid).Kill();
        var e = await Assert.ThrowsAsync<RunwayException>(() => render);
        Assert.Equal(RunwayStatus.Unavailable, e.Status);
        Assert.Contains("runwayd", e.Message);
        Assert.True(WaitForExit(first.DaemonPid, TimeSpan.FromSeconds(10)));

        // The next render auto-starts a fresh daemon and registers the arenas with it.
        await client.RenderAsync(new RenderRequest("com.runwayml.passthrough"), source.Image, null, output.Image);
        Assert.Equal(source.Packed(), output.Packed());
        var second = await client.PingAsync();
        Track(second.DaemonPid);
        Assert.NotEqual(first.DaemonPid, second.DaemonPid);
    }

    [Fact]
    public async Task Daemon_killed_between_renders_is_replaced_without_a_failed_render()
    {
        await using var client = NewClient();
        var first = await client.PingAsync();
        Track(first.DaemonPid);
        await RenderAndCheck(client);
        Process.GetProcessById(first.DaemonPid).Kill();
        Assert.True(WaitForExit(first.DaemonPid, TimeSpan.FromSeconds(10)));
        await RenderAndCheck(client);
        await RenderAndCheck(client, FrameTransport.Inline);
        var second = await client.PingAsync();
        Track(second.DaemonPid);
        Assert.NotEqual(first.DaemonPid, second.DaemonPid);
    }

    [Fact]
    public async Task Without_auto_start_a_missing_daemon_is_unavailable_naming_the_socket()
    {
        await using var client = new RunwayClient(new RunwayClientOptions { SocketPath = Socket, AutoStart = false });
        var e = await Assert.ThrowsAsync<RunwayException>(() => client.PingAsync());
        Assert.Equal(RunwayStatus.Unavailable, e.Status);
        Assert.Contains(Socket, e.Message);
    }

    [Fact]
    public async Task A_daemon_that_cannot_be_found_is_unavailable_with_how_to_fix_it()
    {
        await using var client = new RunwayClient(new RunwayClientOptions
        {
            SocketPath = Socket, AutoStart = true, DaemonPath = Path.Combine(_dir, "no-such-runwayd"),
        });
        var e = await Assert.ThrowsAsync<RunwayException>(() => client.PingAsync());
        Assert.Equal(RunwayStatus.Unavailable, e.Status);
        Assert.Contains("RUNWAY_DAEMON_PATH", e.Message);
    }

    private static async Task RenderAndCheck(RunwayClient client, FrameTransport transport = FrameTransport.SharedMemory)
    {
        var bounds = new PixelRect(5, 5, 77, 50);
        using var source = new NativeImage(bounds, Components.Rgb, Depth.U16).FillRandom(8);
        using var output = new NativeImage(bounds, Components.Rgb, Depth.U16);
        await client.RenderAsync(new RenderRequest("com.runwayml.passthrough") { Transport = transport }, source.Image, null, output.Image);
        Assert.Equal(source.Packed(), output.Packed());
    }

    private void Track(int pid)
    {
        lock (_daemonPids) if (!_daemonPids.Contains(pid)) _daemonPids.Add(pid);
    }

    private static bool WaitForExit(int pid, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (!Directory.Exists($"/proc/{pid}")) return true;
            var stat = File.Exists($"/proc/{pid}/stat") ? File.ReadAllText($"/proc/{pid}/stat") : "";
            // A zombie leader whose other threads are gone has closed its files; only then is the socket dead.
            if (stat.Contains(") Z ") && Directory.GetDirectories($"/proc/{pid}/task").Length <= 1) return true;
            Thread.Sleep(50);
        }
        return false;
    }

    public void Dispose()
    {
        foreach (var pid in _daemonPids)
        {
            try { using var p = Process.GetProcessById(pid); p.Kill(); WaitForExit(pid, TimeSpan.FromSeconds(5)); }
            catch (ArgumentException) { }
            catch (InvalidOperationException) { }
        }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
