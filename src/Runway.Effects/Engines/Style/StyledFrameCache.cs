using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Style;

/// <summary>
/// Recently stylised frames (before stabilisation), keyed by the source frame's pixel hash, its size, the instance,
/// and everything the stylisation depends on (settings key, reference statistics, draft or final). Lets stabilisation
/// take the previous frame's stylised result instead of re-stylising it — and lets interactive renders stabilise at
/// all — while staying correct for any render order: an entry is used only when the neighbour frame's pixels hash to
/// the same value, so the output is the same as if the previous frame had been re-stylised.
/// </summary>
/// <remarks>Small (a few frames; a 1080p final frame is 33 MB, a draft keeps only reduced copies of its result and
/// source), least recently used first out; thread-safe.</remarks>
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

    private sealed record Entry(Key Key, FloatImage Styled, FloatImage? Source);

    /// <summary>
    /// Copies the cached frame for <paramref name="key"/> into <paramref name="styled"/> (and its source copy into
    /// <paramref name="source"/> when given); false on a miss, or when a source copy is asked for and was not stored.
    /// </summary>
    public bool TryCopy(Key key, FloatImage styled, FloatImage? source = null)
    {
        lock (_lock)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                if (!node.Value.Key.Equals(key)) continue;
                var entry = node.Value;
                if (!SameSize(entry.Styled, styled) || (source is not null && (entry.Source is null || !SameSize(entry.Source, source)))) return false;
                entry.Styled.CopyTo(styled);
                if (source is not null) entry.Source!.CopyTo(source);
                _entries.Remove(node);
                _entries.AddFirst(node);
                return true;
            }
            return false;
        }
    }

    /// <summary>
    /// Stores a copy of <paramref name="styled"/> (and of <paramref name="source"/>, e.g. the reduced source the draft's
    /// stabilisation needs, when given) under <paramref name="key"/>, reusing an evicted entry's buffers.
    /// </summary>
    public void Store(Key key, FloatImage styled, FloatImage? source = null)
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
            FloatImage? styledBuffer = null, sourceBuffer = null;
            if (_entries.Count >= Capacity)
            {
                var last = _entries.Last!.Value;
                _entries.RemoveLast();
                if (SameSize(last.Styled, styled)) styledBuffer = last.Styled;
                else last.Styled.Dispose();
                if (source is not null && last.Source is not null && SameSize(last.Source, source)) sourceBuffer = last.Source;
                else last.Source?.Dispose();
            }
            styledBuffer ??= new FloatImage(styled.Width, styled.Height);
            styled.CopyTo(styledBuffer);
            if (source is not null)
            {
                sourceBuffer ??= new FloatImage(source.Width, source.Height);
                source.CopyTo(sourceBuffer);
            }
            _entries.AddFirst(new Entry(key, styledBuffer, sourceBuffer));
        }
    }

    private static bool SameSize(FloatImage a, FloatImage b) => a.Width == b.Width && a.Height == b.Height;

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
            foreach (var e in _entries)
            {
                e.Styled.Dispose();
                e.Source?.Dispose();
            }
            _entries.Clear();
        }
    }
}
