using System.Diagnostics;
using Runway.Models.Runtime;

namespace Runway.Models.Tests;

/// <summary>The per-render steps InferenceClock keeps for RenderInfo.stages.</summary>
public sealed class InferenceClockTests
{
    [Fact]
    public void Stages_with_the_same_name_add_up_and_keep_the_order_each_name_was_first_seen()
    {
        using var scope = InferenceClock.Measure();
        var t = Stopwatch.GetTimestamp();
        InferenceClock.AddStageSince("b", t - Stopwatch.Frequency / 100); // 10 ms ago
        InferenceClock.AddStageSince("a", t - Stopwatch.Frequency / 50);  // 20 ms ago
        InferenceClock.AddStageSince("b", t - Stopwatch.Frequency / 100);

        var stages = scope.Stages;
        Assert.Equal(["b", "a"], stages.Select(s => s.Name));
        Assert.InRange(stages[0].Millis, 20, 1000);
        Assert.InRange(stages[1].Millis, 20, 1000);
        Assert.True(double.IsNaN(stages[0].CpuMillis), "a step added from a timestamp has no CPU time");
    }

    [Fact]
    public void A_timed_stage_counts_the_process_cpu_it_burns()
    {
        using var scope = InferenceClock.Measure();
        using (InferenceClock.Stage("busy"))
        {
            var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 20; // 50 ms of work on this thread
            var x = 0.0;
            while (Stopwatch.GetTimestamp() < until) x += Math.Sqrt(x + 1);
            GC.KeepAlive(x);
        }
        var busy = Assert.Single(scope.Stages);
        Assert.True(busy.Millis >= 50, $"{busy}");
        // At least part of the spin ran on a core even on a loaded machine; the rest of the process adds, never removes.
        Assert.True(busy.CpuMillis > 5, $"{busy}");
    }

    [Fact]
    public void A_model_run_is_the_inference_stage_and_the_inference_time()
    {
        using var scope = InferenceClock.Measure();
        var run = InferenceClock.StartRun();
        Thread.Sleep(10);
        run.Dispose();
        var inference = Assert.Single(scope.Stages);
        Assert.Equal(InferenceClock.InferenceStage, inference.Name);
        Assert.Equal(scope.Milliseconds, inference.Millis, 9);
        Assert.True(scope.Milliseconds >= 10, $"{scope.Milliseconds} ms");
        Assert.False(double.IsNaN(inference.CpuMillis));
    }

    [Fact]
    public void A_nested_render_adds_its_stages_to_the_outer_one_and_the_outer_one_resumes()
    {
        using var outer = InferenceClock.Measure();
        using (InferenceClock.Stage("outer step")) { }
        using (var inner = InferenceClock.Measure())
        {
            InferenceClock.AddRunSince(Stopwatch.GetTimestamp() - Stopwatch.Frequency / 100);
            Assert.Single(inner.Stages);
        }
        InferenceClock.AddStageSince("after", Stopwatch.GetTimestamp());

        Assert.Equal(["outer step", InferenceClock.InferenceStage, "after"], outer.Stages.Select(s => s.Name));
        Assert.True(outer.Milliseconds >= 10, $"{outer.Milliseconds} ms");
    }

    [Fact]
    public void Stages_outside_any_render_go_nowhere()
    {
        using (InferenceClock.Stage("no scope")) { }
        InferenceClock.AddStageSince("no scope either", Stopwatch.GetTimestamp());
        using var scope = InferenceClock.Measure();
        Assert.Empty(scope.Stages);
    }
}
