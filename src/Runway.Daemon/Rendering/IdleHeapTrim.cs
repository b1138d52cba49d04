using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Runway.Daemon.Diagnostics;
using Runway.Models.Runtime;

namespace Runway.Daemon.Rendering;

/// <summary>
/// Gives the C heap's free memory back to the kernel once the daemon has rendered nothing for
/// <see cref="DaemonOptions.IdleTrimAfter"/>. While frames flow, <see cref="NativeHeap"/> keeps freed frame-sized buffers
/// in the heap for the next frame (up to 256 MiB of free heap top per glibc arena); a daemon left resident after a
/// session should not sit on that. One trim per idle spell: the timer is re-armed only by a render ending, so an idle
/// daemon does no periodic work at all.
/// </summary>
/// <remarks>
/// A render may start between the idle check and the trim; the trim then only holds the allocator's locks for the
/// few milliseconds it takes, which that one frame absorbs. Checking under a render gate would cost every frame instead.
/// </remarks>
internal sealed class IdleHeapTrim : IDisposable
{
    private readonly TimeSpan _after;
    private readonly DaemonStats _stats;
    private readonly ILogger _logger;
    private readonly Timer? _timer;
    private readonly object _gate = new();
    private long _lastEnded;
    private bool _armed;
    private bool _disposed;
    private long _trims;
    private long _lastReleasedBytes;

    public IdleHeapTrim(DaemonOptions options, DaemonStats stats, ILogger<IdleHeapTrim> logger)
    {
        _after = options.IdleTrimAfter;
        _stats = stats;
        _logger = logger;
        if (_after > TimeSpan.Zero) _timer = new Timer(_ => OnTimer(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Idle trims done since the daemon started.</summary>
    public long Trims => Interlocked.Read(ref _trims);

    /// <summary>How much the resident set shrank at the last idle trim, bytes (0 before the first).</summary>
    public long LastReleasedBytes => Interlocked.Read(ref _lastReleasedBytes);

    /// <summary>Called after every render (success or failure): the idle clock starts again from now.</summary>
    public void RenderEnded()
    {
        if (_timer is null) return;
        lock (_gate)
        {
            if (_disposed) return;
            _lastEnded = Stopwatch.GetTimestamp();
            _armed = true;
            _timer.Change(_after, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        TimeSpan idle;
        lock (_gate)
        {
            if (_disposed || !_armed) return;
            // A render in flight re-arms the timer when it ends; nothing to do until then.
            if (_stats.InFlight > 0) return;
            idle = Stopwatch.GetElapsedTime(_lastEnded);
            if (idle < _after)
            {
                _timer!.Change(_after - idle, Timeout.InfiniteTimeSpan);
                return;
            }
            _armed = false;
        }
        var before = Environment.WorkingSet;
        var released = NativeHeap.Trim();
        var after = Environment.WorkingSet;
        Interlocked.Exchange(ref _lastReleasedBytes, Math.Max(0, before - after));
        Interlocked.Increment(ref _trims);
        _logger.LogInformation(
            "Idle for {IdleSeconds:F1} s: gave free native heap memory back to the kernel ({Result}); resident {BeforeMiB} MiB -> {AfterMiB} MiB",
            idle.TotalSeconds, released ? "memory released" : "nothing to release", before >> 20, after >> 20);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
        }
    }
}
