using OpenCvSharp;

namespace Runway.Effects.Engines.Rotoscope;

/// <summary>
/// Per-instance temporal state of the rotoscope: the segmented matte (8-bit, working size) and the flow grey of every
/// frame rendered, by time, so the next frame of a sequential render propagates from the previous one even when the
/// nearest keyframe lies far outside the neighbour window.
/// </summary>
/// <remarks>
/// Keyed by instance id plus everything that changes the segmentation (hint params, frame size, draft or final), so a
/// param change or a draft render never feeds a final one. Bounded: at most <see cref="MaxInstances"/> instances
/// (least recently used dropped) and <see cref="MaxFramesPerInstance"/> frames each (those farthest from the newest
/// frame dropped). Reads return copies, so a concurrent eviction never frees a Mat in use.
/// </remarks>
internal sealed class MatteCache
{
    public const int MaxInstances = 16;
    public const int MaxFramesPerInstance = 256;

    private readonly object _lock = new();
    private readonly Dictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private long _tick;

    /// <summary>
    /// A cached frame: matte (CV_8UC1, 0..255, working size) and flow grey (CV_8UC1, flow size); <paramref name="Origin"/>
    /// is the time of the keyframe it was carried from (its own time when it is one).
    /// </summary>
    public sealed record Entry(double Time, Mat Matte, Mat Grey, double Origin) : IDisposable
    {
        public void Dispose()
        {
            Matte.Dispose();
            Grey.Dispose();
        }
    }

    private sealed class Instance
    {
        public readonly SortedList<double, Entry> Frames = [];
        public long LastUsed;
    }

    /// <summary>
    /// Copy of the cached frame nearest to <paramref name="time"/> strictly before (<paramref name="before"/>) or after
    /// it, within <paramref name="reach"/> frames; null when none. Caller disposes.
    /// </summary>
    public Entry? Nearest(string key, double time, bool before, int reach)
    {
        lock (_lock)
        {
            if (!_instances.TryGetValue(key, out var inst)) return null;
            inst.LastUsed = ++_tick;
            Entry? best = null;
            foreach (var (t, e) in inst.Frames)
            {
                var d = before ? time - t : t - time;
                if (d <= 0 || d > reach) continue;
                if (best is null || d < Math.Abs(best.Time - time)) best = e;
            }
            return best is null ? null : new Entry(best.Time, best.Matte.Clone(), best.Grey.Clone(), best.Origin);
        }
    }

    /// <summary>Copy of the cached frame at exactly <paramref name="time"/>, or null. Caller disposes.</summary>
    public Entry? At(string key, double time)
    {
        lock (_lock)
        {
            if (!_instances.TryGetValue(key, out var inst) || !inst.Frames.TryGetValue(time, out var e)) return null;
            inst.LastUsed = ++_tick;
            return new Entry(e.Time, e.Matte.Clone(), e.Grey.Clone(), e.Origin);
        }
    }

    /// <summary>
    /// Stores (copies of) the matte and grey of frame <paramref name="time"/>, carried from the keyframe at
    /// <paramref name="origin"/> (default: the frame itself).
    /// </summary>
    public void Put(string key, double time, Mat matte, Mat grey, double? origin = null)
    {
        var entry = new Entry(time, matte.Clone(), grey.Clone(), origin ?? time);
        lock (_lock)
        {
            if (!_instances.TryGetValue(key, out var inst))
            {
                if (_instances.Count >= MaxInstances)
                {
                    var oldest = _instances.MinBy(kv => kv.Value.LastUsed);
                    foreach (var e in oldest.Value.Frames.Values) e.Dispose();
                    _instances.Remove(oldest.Key);
                }
                inst = new Instance();
                _instances[key] = inst;
            }
            inst.LastUsed = ++_tick;
            if (inst.Frames.Remove(time, out var old)) old.Dispose();
            inst.Frames[time] = entry;
            while (inst.Frames.Count > MaxFramesPerInstance)
            {
                var far = inst.Frames.MaxBy(kv => Math.Abs(kv.Key - time));
                far.Value.Dispose();
                inst.Frames.Remove(far.Key);
            }
        }
    }

    /// <summary>Forgets one cached frame (its source changed).</summary>
    public void Remove(string key, double time)
    {
        lock (_lock)
        {
            if (_instances.TryGetValue(key, out var inst) && inst.Frames.Remove(time, out var old)) old.Dispose();
        }
    }

    /// <summary>Forgets everything (tests, memory pressure).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            foreach (var inst in _instances.Values)
                foreach (var e in inst.Frames.Values) e.Dispose();
            _instances.Clear();
        }
    }
}
