using System.Numerics;
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
    /// 128-bit content hash of <paramref name="pixels"/> as 32 hex digits: four independent multiply-rotate lanes over
    /// interleaved 64-bit words (xxHash64-style rounds; independent lanes let the core overlap them, about four times the
    /// speed of one), folded into two 64-bit halves. Not cryptographic: it tells frames apart, it does not defend against
    /// crafted collisions.
    /// </summary>
    public static string Hash(ReadOnlySpan<float> pixels)
    {
        var bytes = MemoryMarshal.AsBytes(pixels);
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        ulong a = 0x9E3779B185EBCA87UL ^ (ulong)bytes.Length;
        ulong b = 0xC2B2AE3D27D4EB4FUL + (ulong)bytes.Length;
        ulong c = 0x165667B19E3779F9UL;
        ulong d = 0x85EBCA77C2B2AE63UL;
        var i = 0;
        for (; i + 4 <= words.Length; i += 4)
        {
            a = Round(a, words[i]);
            b = Round(b, words[i + 1]);
            c = Round(c, words[i + 2]);
            d = Round(d, words[i + 3]);
        }
        for (; i < words.Length; i++) a = Round(a, words[i]);
        foreach (var rest in bytes[(words.Length * sizeof(ulong))..]) b = Round(b, rest);
        var h1 = BitOperations.RotateLeft(a, 1) + BitOperations.RotateLeft(b, 7) + BitOperations.RotateLeft(c, 12) + BitOperations.RotateLeft(d, 18);
        var h2 = Round(Round(Round(Round(h1, a), b), c), d);
        return $"{Avalanche(h1):x16}{Avalanche(h2):x16}";
    }

    // One xxHash64 accumulator round.
    private static ulong Round(ulong lane, ulong word) =>
        BitOperations.RotateLeft(lane + word * 0xC2B2AE3D27D4EB4FUL, 31) * 0x9E3779B185EBCA87UL;

    // Final mix so that nearby inputs spread over all output bits (the xxHash64 avalanche).
    private static ulong Avalanche(ulong h)
    {
        h ^= h >> 33;
        h *= 0xC2B2AE3D27D4EB4FUL;
        h ^= h >> 29;
        h *= 0x165667B19E3779F9UL;
        return h ^ (h >> 32);
    }
}
