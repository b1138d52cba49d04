using System.Collections.Concurrent;
using Runway.Protocol.V1;

namespace Runway.Daemon.Diagnostics;

/// <summary>Render counters since start: totals and per effect. Thread-safe; cheap enough to update on every frame.</summary>
internal sealed class DaemonStats
{
    private readonly ConcurrentDictionary<string, EffectCounters> _effects = new(StringComparer.Ordinal);
    private long _frames;
    private long _failures;
    private int _inFlight;

    public long Frames => Interlocked.Read(ref _frames);

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Renders accepted and not yet finished (queued or running).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public void RenderStarted() => Interlocked.Increment(ref _inFlight);

    public void RenderEnded() => Interlocked.Decrement(ref _inFlight);

    public void Succeeded(string effectId, double millis, string engine)
    {
        Interlocked.Increment(ref _frames);
        var c = _effects.GetOrAdd(effectId, static _ => new EffectCounters());
        lock (c)
        {
            c.Frames++;
            c.TotalMillis += millis;
            c.LastEngine = engine;
        }
    }

    /// <summary>Counts a failed render; <paramref name="effectId"/> is null when the request named no known effect.</summary>
    public void Failed(string? effectId)
    {
        Interlocked.Increment(ref _failures);
        if (effectId is null) return;
        var c = _effects.GetOrAdd(effectId, static _ => new EffectCounters());
        lock (c) c.Failures++;
    }

    /// <summary>Per-effect figures, ordered by effect id.</summary>
    public IEnumerable<EffectStats> Effects()
    {
        foreach (var (id, c) in _effects.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            lock (c)
            {
                yield return new EffectStats
                {
                    EffectId = id,
                    Frames = (ulong)c.Frames,
                    Failures = (ulong)c.Failures,
                    MeanMillis = c.Frames == 0 ? 0 : c.TotalMillis / c.Frames,
                    LastEngine = c.LastEngine,
                };
            }
        }
    }

    private sealed class EffectCounters
    {
        public long Frames;
        public long Failures;
        public double TotalMillis;
        public string LastEngine = "";
    }
}
