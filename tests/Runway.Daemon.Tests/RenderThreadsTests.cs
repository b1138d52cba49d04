using Runway.Daemon.Rendering;

namespace Runway.Daemon.Tests;

/// <summary>The dedicated render threads that keep per-thread buffer caches warm between frames.</summary>
public sealed class RenderThreadsTests
{
    private static readonly AsyncLocal<string?> Flowing = new();

    [Fact]
    public async Task Back_to_back_renders_run_on_the_same_thread()
    {
        using var threads = new RenderThreads();
        var ids = new List<int>();
        for (var i = 0; i < 5; i++) ids.Add(await threads.RunAsync(() => Environment.CurrentManagedThreadId));
        Assert.Single(ids.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, ids[0]);
        Assert.Equal(1, threads.Created);
    }

    [Fact]
    public async Task Renders_at_the_same_time_get_their_own_threads_and_reuse_them_afterwards()
    {
        using var threads = new RenderThreads();
        using var gate = new ManualResetEventSlim();
        var a = threads.RunAsync(() => { gate.Wait(TimeSpan.FromSeconds(10)); return Environment.CurrentManagedThreadId; });
        var b = threads.RunAsync(() => { gate.Wait(TimeSpan.FromSeconds(10)); return Environment.CurrentManagedThreadId; });
        gate.Set();
        Assert.NotEqual(await a, await b);
        await threads.RunAsync(() => 0);
        Assert.Equal(2, threads.Created);
    }

    [Fact]
    public async Task Failures_and_cancellation_reach_the_caller_and_the_thread_stays_usable()
    {
        using var threads = new RenderThreads();
        await Assert.ThrowsAsync<InvalidOperationException>(() => threads.RunAsync<int>(() => throw new InvalidOperationException("boom")));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => threads.RunAsync<int>(() =>
        {
            cts.Token.ThrowIfCancellationRequested();
            return 1;
        }));
        Assert.Equal(7, await threads.RunAsync(() => 7));
        Assert.Equal(1, threads.Created);
    }

    [Fact]
    public async Task The_callers_async_locals_flow_to_the_render()
    {
        using var threads = new RenderThreads();
        Flowing.Value = "from the call";
        Assert.Equal("from the call", await threads.RunAsync(() => Flowing.Value));
    }

    [Fact]
    public async Task A_disposed_pool_refuses_new_renders()
    {
        var threads = new RenderThreads();
        await threads.RunAsync(() => 0);
        threads.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => threads.RunAsync(() => 0));
    }
}
