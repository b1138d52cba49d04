using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Extend;

/// <summary>
/// Extend shot's rendered frames, keyed by content: a hash of every pixel the extrapolation reads (the end frame and the
/// history frames, with their times relative to the end) plus the params, engine switches and engine version. A
/// <c>runway extend</c> job and the OFX plugin send the same frames and params for the same tail frame, so the job's
/// frames serve the plugin's later requests whatever instance id either uses, and any change to a frame or a param
/// misses. Least recently used frames go first past a byte budget.
/// </summary>
/// <param name="capacityBytes">Pixel bytes held at most (an entry costs width × height × 16 bytes).</param>
public sealed class TailCache(long capacityBytes)
{
    /// <summary>
    /// Default budget, 1.5 GiB: the default 48-frame extension at 1080p (48 × 33.2 MB float RGBA) fits whole, so a
    /// plugin that plays through a tail a job rendered finds every frame; 4K holds its last 12.
    /// </summary>
    public const long DefaultCapacityBytes = 3L << 29;

    /// <summary>One cached frame: straight-alpha float RGBA pixels and the notes its render gave.</summary>
    private sealed record Entry(string Key, float[] Pixels, IReadOnlyList<string> Notes);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _index = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new(); // most recently used first
    private long _bytes;

    /// <summary>Frames held.</summary>
    public int Count
    {
        get { lock (_gate) return _index.Count; }
    }

    /// <summary>Pixel bytes held.</summary>
    public long Bytes
    {
        get { lock (_gate) return _bytes; }
    }

    /// <summary>Copies the frame cached under <paramref name="key"/> into <paramref name="output"/>; false on a miss.</summary>
    public bool TryCopy(string key, FloatImage output, out IReadOnlyList<string> notes)
    {
        Entry entry;
        lock (_gate)
        {
            if (!_index.TryGetValue(key, out var node) || node.Value.Pixels.Length != output.Pixels.Length)
            {
                notes = [];
                return false;
            }
            _recency.Remove(node);
            _recency.AddFirst(node);
            entry = node.Value;
        }
        // Entries are never written after they are stored, so the copy runs outside the lock; an eviction meanwhile
        // only drops the cache's reference.
        entry.Pixels.AsSpan().CopyTo(output.Pixels);
        notes = entry.Notes;
        return true;
    }

    /// <summary>Stores a copy of <paramref name="frame"/> under <paramref name="key"/>, evicting the least recently used.</summary>
    public void Add(string key, FloatImage frame, IReadOnlyList<string> notes)
    {
        var size = (long)frame.Pixels.Length * sizeof(float);
        if (size > capacityBytes) return;
        // A fresh array per stored frame (not pooled): a pooled one could be handed out again while a reader still copies
        // from an evicted entry. Final renders take about a second each, so the allocation is noise.
        var pixels = frame.Pixels.ToArray();
        var entry = new Entry(key, pixels, notes.ToArray());
        lock (_gate)
        {
            if (_index.Remove(key, out var old))
            {
                _recency.Remove(old);
                _bytes -= (long)old.Value.Pixels.Length * sizeof(float);
            }
            while (_bytes + size > capacityBytes && _recency.Last is { } last)
            {
                _recency.RemoveLast();
                _index.Remove(last.Value.Key);
                _bytes -= (long)last.Value.Pixels.Length * sizeof(float);
            }
            _index[key] = _recency.AddFirst(entry);
            _bytes += size;
        }
    }

    /// <summary>
    /// 128-bit content hash of <paramref name="pixels"/> as 32 hex digits (XXH3-128 from System.IO.Hashing, vectorised).
    /// Not cryptographic: it tells frames apart, it does not defend
    /// against crafted collisions.
    /// </summary>
    public static string Hash(ReadOnlySpan<float> pixels) =>
        XxHash128.HashToUInt128(MemoryMarshal.AsBytes(pixels)).ToString("x32", CultureInfo.InvariantCulture);
}
