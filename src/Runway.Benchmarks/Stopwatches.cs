using System.Diagnostics;

namespace Runway.Benchmarks;

/// <summary>Timing of repeated runs: warm-up first, then the median (robust to the odd scheduler hiccup on 2 cores).</summary>
public static class Stopwatches
{
    public readonly record struct Timing(double MedianMs, double MinMs, int Runs);

    public static Timing Measure(Action action, int runs, int warmup = 2)
    {
        for (var i = 0; i < warmup; i++) action();
        var samples = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(samples);
        return new Timing(samples[runs / 2], samples[0], runs);
    }

    public static async Task<Timing> MeasureAsync(Func<Task> action, int runs, int warmup = 2)
    {
        for (var i = 0; i < warmup; i++) await action();
        var samples = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await action();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(samples);
        return new Timing(samples[runs / 2], samples[0], runs);
    }
}
