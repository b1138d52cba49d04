using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Style;

/// <summary>
/// Recently stylised frames (before stabilisation), keyed by the source frame's pixel hash, its size, the instance,
/// and everything the stylisation depends on (settings key, reference statistics, draft or final). Lets stabilisation
/// take the previous frame's stylised result instead of re-stylising it — and lets interactive renders stabilise at
/// all — while staying correct for any render order: an entry is used only when the neighbour frame's pixels hash to
/// the same value, so the output is the same as if the previous frame had been re-stylised.
/// </summary>
/// <remarks>Small (a few frames; a 1080p frame is 33 MB), least recently used first out; thread-safe.</remarks>
public sealed class StyledFrameCache : IDisposable
{
    /// <summary>Frames kept across all instances.</summary>
    public const int Capacity = 4;

    private readonly LinkedList<Entry> _entries = new();
    private readonly Lock _lock = new();

    /// <summary>What identifies one stylised frame.</summary>
    /// <param name="Instance">Effect instance (hosts render several instances through one engine).</param>
    /// <param name="SourceHash"><see cref="ReferenceCache.ContentHash"/> of the source pixels.</param>
    /// <param name="Width">Frame width.</param>
    /// <param name="Height">Frame height.</param>
    /// <param name="Settings">Every param and mode the stylisation depends on, as text.</param>
    /// <param name="Reference">The reference statistics used (compared by identity: <see cref="ReferenceCache"/> hands
    /// out one object per reference).</param>
    public sealed record Key(string Instance, ulong SourceHash, int Width, int Height, string Settings, ColourStatistics? Reference)
    {
        /// <inheritdoc />
        public bool Equals(Key? other) => other is not null && Instance == other.Instance && SourceHash == other.SourceHash &&
            Width == other.Width && Height == other.Height && Settings == other.Settings && ReferenceEquals(Reference, other.Reference);

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(Instance, SourceHash, Width, Height, Settings,
            Reference is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Reference));
    }

    private sealed record Entry(Key Key, FloatImage Image);

    /// <summary>Copies the cached frame for <paramref name="key"/> into <paramref name="destination"/>; false on a miss.</summary>
    public bool TryCopy(Key key, FloatImage destination)
    {
        lock (_lock)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                if (!node.Value.Key.Equals(key)) continue;
                node.Value.Image.CopyTo(destination);
                _entries.Remove(node);
                _entries.AddFirst(node);
                return true;
            }
            return false;
        }
    }

    /// <summary>Stores a copy of <paramref name="styled"/> under <paramref name="key"/>, reusing an evicted buffer.</summary>
    public void Store(Key key, FloatImage styled)
    {
        lock (_lock)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                if (!node.Value.Key.Equals(key)) continue;
                _entries.Remove(node);
                _entries.AddFirst(node);
                return;
            }
            FloatImage? buffer = null;
            if (_entries.Count >= Capacity)
            {
                var last = _entries.Last!;
                _entries.RemoveLast();
                if (last.Value.Image.Width == styled.Width && last.Value.Image.Height == styled.Height) buffer = last.Value.Image;
                else last.Value.Image.Dispose();
            }
            buffer ??= new FloatImage(styled.Width, styled.Height);
            styled.CopyTo(buffer);
            _entries.AddFirst(new Entry(key, buffer));
        }
    }

    /// <summary>Frames currently held.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _entries.Count;
        }
    }

    /// <summary>Returns every held frame's buffer to the pool.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var e in _entries) e.Image.Dispose();
            _entries.Clear();
        }
    }
}
