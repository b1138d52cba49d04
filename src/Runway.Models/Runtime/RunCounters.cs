namespace Runway.Models.Runtime;

/// <summary>What <see cref="RunCounters"/> has counted so far for one pack.</summary>
/// <param name="Frames">Renders that used the pack.</param>
/// <param name="Runs"><c>InferenceSession.Run</c> calls; a stacked batch counts once.</param>
/// <param name="BatchedRuns">Runs that stacked two or more requests.</param>
/// <param name="BatchedRequests">Requests served by those batched runs.</param>
/// <param name="Requests">Requests served in all: one per whole-frame run or per tile window, batched or alone.</param>
/// <param name="LargestBatch">The most requests stacked in one run.</param>
public sealed record RunCountersSnapshot(long Frames, long Runs, long BatchedRuns, long BatchedRequests, long Requests, int LargestBatch)
{
    /// <summary>Requests per session run: 1 when nothing was stacked, 0 before the first run.</summary>
    public double MeanBatchSize => Runs == 0 ? 0 : Requests / (double)Runs;
}

/// <summary>One pack's counters as <c>Stats</c> shows them.</summary>
/// <param name="Id">Pack id.</param>
/// <param name="MaxBatch">The pack's declared <c>maxBatch</c> (1 = never batches).</param>
/// <param name="Counts">Its counts since it was found.</param>
public sealed record PackRunStatistics(string Id, int MaxBatch, RunCountersSnapshot Counts);

/// <summary>
/// Run counters of one pack, kept by the registry for as long as the pack is known, so they survive eviction and
/// reload (a resident model is attached to them once warmed up: the warm-up run is not counted). Thread-safe and
/// lock-free: updated once per session run and once per frame.
/// </summary>
public sealed class RunCounters
{
    private long _frames;
    private long _runs;
    private long _batchedRuns;
    private long _batchedRequests;
    private long _requests;
    private int _largest;

    /// <summary>Counts one render that used the pack.</summary>
    public void Frame() => Interlocked.Increment(ref _frames);

    /// <summary>Counts one session run that served <paramref name="requests"/> requests (1 = alone).</summary>
    public void Run(int requests)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requests, 1);
        Interlocked.Increment(ref _runs);
        Interlocked.Add(ref _requests, requests);
        if (requests > 1)
        {
            Interlocked.Increment(ref _batchedRuns);
            Interlocked.Add(ref _batchedRequests, requests);
        }
        int seen;
        while ((seen = Volatile.Read(ref _largest)) < requests && Interlocked.CompareExchange(ref _largest, requests, seen) != seen) { }
    }

    /// <summary>The counts now (each read atomically; together they may straddle a run that is being counted).</summary>
    public RunCountersSnapshot Snapshot() => new(
        Interlocked.Read(ref _frames), Interlocked.Read(ref _runs), Interlocked.Read(ref _batchedRuns),
        Interlocked.Read(ref _batchedRequests), Interlocked.Read(ref _requests), Volatile.Read(ref _largest));
}
