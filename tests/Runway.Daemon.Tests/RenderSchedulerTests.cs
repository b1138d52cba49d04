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
    [Fact]
    public async Task Waiting_clients_are_served_round_robin_so_one_frame_is_not_starved_by_fifty()
    {
        var s = new RenderScheduler(1, 64);
        var running = await s.EnterAsync(RenderClass.Final, default);
        var order = new List<string>();
        var gate = new object();
        async Task Wait(string client, string name)
        {
            using var t = await s.EnterAsync(RenderClass.Final, new RenderCaller(client, DateTime.MaxValue), default);
            lock (gate) order.Add(name);
        }
        var greedy = Enumerable.Range(0, 50).Select(i => Wait("host-a", $"a{i}")).ToList();
        var single = Wait("host-b", "b0");
        var third = Wait("host-c", "c0");
        Assert.Equal(52, s.Queued);
        running.Dispose();
        await Task.WhenAll([.. greedy, single, third]).WaitAsync(TimeSpan.FromSeconds(10));
        // a0 was first in line; then b and c each get their turn before a's second frame.
        Assert.Equal(["a0", "b0", "c0", "a1", "a2"], order.Take(5));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"a{i}"), order.Where(n => n[0] == 'a'));
    }

    [Fact]
    public async Task Round_robin_stays_within_a_priority_class()
    {
        var s = new RenderScheduler(1, 16);
        var running = await s.EnterAsync(RenderClass.Final, default);
        var order = new List<string>();
        async Task Wait(RenderClass cls, string client, string name)
        {
            using var t = await s.EnterAsync(cls, new RenderCaller(client, DateTime.MaxValue), default);
            lock (order) order.Add(name);
        }
        var tasks = new List<Task>
        {
            Wait(RenderClass.Batch, "a", "a-batch"),
            Wait(RenderClass.Final, "a", "a-final1"),
            Wait(RenderClass.Final, "a", "a-final2"),
            Wait(RenderClass.Final, "b", "b-final"),
            Wait(RenderClass.Interactive, "b", "b-interactive"),
        };
        running.Dispose();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["b-interactive", "a-final1", "b-final", "a-final2", "a-batch"], order);
    }

    [Fact]
    public async Task A_cancelled_client_leaves_the_rotation_without_blocking_the_others()
    {
        var s = new RenderScheduler(1, 16);
        var running = await s.EnterAsync(RenderClass.Final, default);
        using var cts = new CancellationTokenSource();
        var gone = s.EnterAsync(RenderClass.Final, new RenderCaller("gone", DateTime.MaxValue), cts.Token).AsTask();
        var stays = s.EnterAsync(RenderClass.Final, new RenderCaller("stays", DateTime.MaxValue), default).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        Assert.Equal(1, s.Queued);
        running.Dispose();
        (await stays.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        Assert.Equal(0, s.Running);
        Assert.Equal(0, s.Queued);
    }

    [Fact]
    public async Task A_waiter_whose_deadline_passes_leaves_the_queue_with_deadline_exceeded()
    {
        var s = new RenderScheduler(1, 4);
        var running = await s.EnterAsync(RenderClass.Final, default);
        var late = s.EnterAsync(RenderClass.Final, new RenderCaller("a", DateTime.UtcNow.AddMilliseconds(100)), default).AsTask();
        var patient = s.EnterAsync(RenderClass.Final, new RenderCaller("b", DateTime.MaxValue), default).AsTask();
        var fault = await Assert.ThrowsAsync<RunwayFault>(() => late.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(StatusCode.DeadlineExceeded, fault.Code);
        Assert.Equal(Reasons.Deadline, fault.Reason);
        Assert.Equal(1, s.Queued);
        // The late waiter never got a turn: the next render goes to the patient one.
        running.Dispose();
        (await patient.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        Assert.Equal(0, s.Running);
    }

    [Fact]
    public void A_deadline_already_past_is_refused_before_queueing()
    {
        var s = new RenderScheduler(1, 4);
        var fault = Assert.Throws<RunwayFault>(() => s.EnterAsync(RenderClass.Final, new RenderCaller("a", DateTime.UtcNow.AddSeconds(-1)), default));
        Assert.Equal(StatusCode.DeadlineExceeded, fault.Code);
        Assert.Equal(0, s.Running);
    }
}
