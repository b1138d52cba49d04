using Runway.Client;
using Runway.Client.Pixels;
using Runway.Daemon.Rendering;
using Runway.Protocol.V1;

namespace Runway.Daemon.Tests;

/// <summary>
/// Fairness per client rather than per connection: the scheduler keys turns on the identity a client declares (the
/// runway-client header RunwayClient sends), falling back to the connection; unit tests plus a real daemon.
/// </summary>
public sealed class ClientIdentityTests
{
    [Fact]
    public void Caller_is_the_declared_identity_else_the_connection_and_the_two_never_collide()
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        var a = RenderCaller.For("ofx:Nuke pid 42", "conn-1", deadline);
        var b = RenderCaller.For("ofx:Nuke pid 42", "conn-2", deadline);
        Assert.Equal(a.Client, b.Client);
        Assert.Equal(deadline, a.Deadline);
        Assert.NotEqual(RenderCaller.For(null, "conn-1", deadline).Client, RenderCaller.For(null, "conn-2", deadline).Client);
        Assert.Equal(RenderCaller.For("  ", "conn-1", deadline).Client, RenderCaller.For(null, "conn-1", deadline).Client);
        // A client naming itself after a connection id does not share that connection's turn.
        Assert.NotEqual(RenderCaller.For("conn-1", "conn-9", deadline).Client, RenderCaller.For(null, "conn-1", deadline).Client);
        var longName = new string('x', 500);
        Assert.Equal(RenderCaller.For(longName, "c", deadline).Client, RenderCaller.For(longName[..RenderCaller.MaxIdentityLength] + "yyy", "c", deadline).Client);
    }

    [Fact]
    public async Task Two_connections_with_one_identity_take_one_turn_against_a_third_client()
    {
        var s = new RenderScheduler(1, 16);
        var running = await s.EnterAsync(RenderClass.Final, default);
        var order = new List<string>();
        async Task Wait(RenderCaller caller, string name)
        {
            using var t = await s.EnterAsync(RenderClass.Final, caller, default);
            lock (order) order.Add(name);
        }
        var never = DateTime.MaxValue;
        var tasks = new List<Task>
        {
            Wait(RenderCaller.For("host-a", "conn-1", never), "a1-1"),
            Wait(RenderCaller.For("host-a", "conn-2", never), "a2-1"),
            Wait(RenderCaller.For("host-a", "conn-1", never), "a1-2"),
            Wait(RenderCaller.For("host-a", "conn-2", never), "a2-2"),
            Wait(RenderCaller.For("host-b", "conn-3", never), "b-1"),
            Wait(RenderCaller.For("host-b", "conn-3", never), "b-2"),
        };
        running.Dispose();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10));
        // Host a's four frames (two connections) alternate with host b's as if a were one connection.
        Assert.Equal(["a1-1", "b-1", "a2-1", "b-2", "a1-2", "a2-2"], order);
    }

    [Fact]
    public void Client_identity_defaults_to_the_name_and_process_and_is_sent_as_printable_ascii()
    {
        var options = new RunwayClientOptions { ClientName = "ofx:DaVinci Resolve" };
        Assert.Equal($"ofx:DaVinci Resolve pid {Environment.ProcessId}", options.EffectiveIdentity);
        Assert.Equal("ofx:N?ke ?", (options with { ClientIdentity = "ofx:Nüke \n" }).EffectiveIdentity);
        Assert.Equal(RunwayClientOptions.MaxIdentityLength, (options with { ClientIdentity = new string('z', 999) }).EffectiveIdentity.Length);
    }

    /// <summary>
    /// Through a real daemon with one render at a time, each held 700 ms (time enough to queue the rest behind the first
    /// even on a loaded machine; the test checks that it did): two RunwayClients (two connections) declaring
    /// the same identity queue two frames each, a third client two frames. Turns follow identities; with distinct
    /// identities the same queue is served per connection, which is what a host with several connections used to get.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Clients_sharing_an_identity_share_one_turn_in_a_real_daemon(bool shared)
    {
        await using var d = await DaemonFixture.StartAsync(o => o with { MaxConcurrentRenders = 1, RenderDelayMs = 700 });
        RunwayClient Client(string identity) => new(new RunwayClientOptions
        {
            SocketPath = d.Host.SocketPath, AutoStart = false, ClientName = "identity-tests", ClientIdentity = identity, ArenaDirectory = d.ArenaDirectory,
            ConnectTimeout = TimeSpan.FromSeconds(30),
        });
        await using var a1 = Client(shared ? "host-a" : "host-a1");
        await using var a2 = Client(shared ? "host-a" : "host-a2");
        await using var b = Client("host-b");
        var order = new List<string>();
        Task Render(RunwayClient client, string name)
        {
            var source = ManagedImage.Create(16, 16, Components.Rgba, Depth.U8);
            var output = ManagedImage.Create(16, 16, Components.Rgba, Depth.U8);
            return client.RenderAsync(new RenderRequest(Frames.Passthrough), source, null, output).ContinueWith(t =>
            {
                t.GetAwaiter().GetResult();
                lock (order) order.Add(name);
            }, TaskScheduler.Default);
        }
        async Task Queued(uint running, uint waiting)
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                var stats = await b.StatsAsync();
                if (stats.RendersQueued == waiting && stats.RendersInFlight == running + waiting) return;
                Assert.True(DateTime.UtcNow < until, $"never reached {waiting} waiting: {stats.RendersQueued} waiting, {stats.RendersInFlight} in flight");
                await Task.Delay(5);
            }
        }

        // Each client connects and registers its arena first, so queueing below is quick.
        await Task.WhenAll(Render(a1, "warm"), Render(a2, "warm"), Render(b, "warm"));
        order.Clear();
        var tasks = new List<Task> { Render(a1, "blocker") };
        await Queued(1, 0);
        // Queued one at a time, so arrival order is certain.
        var queue = new (RunwayClient Client, string Name)[] { (a1, "a1-1"), (a2, "a2-1"), (a1, "a1-2"), (a2, "a2-2"), (b, "b-1"), (b, "b-2") };
        for (var i = 0; i < queue.Length; i++)
        {
            tasks.Add(Render(queue[i].Client, queue[i].Name));
            await Queued(1, (uint)i + 1);
        }
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));

        string[] expected = shared
            ? ["blocker", "a1-1", "b-1", "a2-1", "b-2", "a1-2", "a2-2"]
            : ["blocker", "a1-1", "a2-1", "b-1", "a1-2", "a2-2", "b-2"];
        Assert.Equal(expected, order);
    }
}
