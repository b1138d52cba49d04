using Grpc.Core;
using Runway.Daemon.Errors;
using Runway.Daemon.Rendering;

namespace Runway.Daemon.Tests;

public class RenderSchedulerTests
{
    [Fact]
    public async Task At_most_max_concurrent_renders_run_at_once()
    {
        var s = new RenderScheduler(maxConcurrent: 2, maxQueued: 4);
        var a = await s.EnterAsync(RenderClass.Final, default);
        var b = await s.EnterAsync(RenderClass.Final, default);
        var c = s.EnterAsync(RenderClass.Final, default).AsTask();
        await Task.Delay(50);
        Assert.False(c.IsCompleted);
        Assert.Equal(2, s.Running);
        Assert.Equal(1, s.Queued);
        a.Dispose();
        using var third = await c.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, s.Running);
        b.Dispose();
        a.Dispose(); // a second dispose must not release another turn
        Assert.Equal(1, s.Running);
    }

    [Fact]
    public async Task Interactive_renders_are_served_before_final_and_batch()
    {
        var s = new RenderScheduler(1, 8);
        var running = await s.EnterAsync(RenderClass.Final, default);
        var order = new List<string>();
        async Task Wait(RenderClass cls, string name)
        {
            using var t = await s.EnterAsync(cls, default);
            lock (order) order.Add(name);
        }
        var batch = Wait(RenderClass.Batch, "batch");
        var final = Wait(RenderClass.Final, "final");
        var interactive = Wait(RenderClass.Interactive, "interactive");
        await Task.Delay(20);
        running.Dispose();
        await Task.WhenAll(batch, final, interactive).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["interactive", "final", "batch"], order);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_with_resource_exhausted()
    {
        var s = new RenderScheduler(1, 1);
        using var running = await s.EnterAsync(RenderClass.Final, default);
        var queued = s.EnterAsync(RenderClass.Final, default);
        var fault = Assert.Throws<RunwayFault>(() => s.EnterAsync(RenderClass.Interactive, default));
        Assert.Equal(StatusCode.ResourceExhausted, fault.Code);
        Assert.Contains("busy", fault.Message);
        running.Dispose();
        (await queued).Dispose();
    }

    [Fact]
    public async Task Cancelling_a_waiting_render_frees_its_place_in_the_queue()
    {
        var s = new RenderScheduler(1, 1);
        var running = await s.EnterAsync(RenderClass.Final, default);
        using var cts = new CancellationTokenSource();
        var waiting = s.EnterAsync(RenderClass.Final, cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, s.Queued);
        var next = s.EnterAsync(RenderClass.Final, default).AsTask(); // the queue has room again
        running.Dispose();
        (await next.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        Assert.Equal(0, s.Running);
    }

    [Fact]
    public async Task Zero_queue_refuses_whenever_all_render_slots_are_busy()
    {
        var s = new RenderScheduler(1, 0);
        using var running = await s.EnterAsync(RenderClass.Interactive, default);
        Assert.Throws<RunwayFault>(() => s.EnterAsync(RenderClass.Interactive, default));
    }
}
