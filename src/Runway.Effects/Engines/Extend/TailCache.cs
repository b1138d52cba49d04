using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Extend;

/// <summary>Where and how much a <see cref="TailCache"/> keeps.</summary>
/// <param name="MemoryBytes">Pixel bytes held in memory at most (a frame costs width × height × 16 bytes); 0 = none.</param>
/// <param name="Directory">Folder finished frames are also written to, so they outlive the process; null = memory only.</param>
/// <param name="DiskBytes">File bytes kept in <paramref name="Directory"/> at most, least recently used removed first;
/// 0 = memory only.</param>
public sealed record TailCacheSettings(long MemoryBytes = TailCache.DefaultCapacityBytes, string? Directory = null,
    long DiskBytes = TailCache.DefaultDiskBytes);

/// <summary>Where a <see cref="TailCache"/> lookup found its frame.</summary>
public enum TailSource
{
    /// <summary>Not cached: render it.</summary>
    None,

    /// <summary>Held in memory.</summary>
    Memory,

    /// <summary>Read back from the cache directory (and verified by its checksum).</summary>
    Disk,
}

/// <summary>The answer of <see cref="TailCache.Find"/>.</summary>
/// <param name="Source">Where the frame came from; <see cref="TailSource.None"/> on a miss.</param>
/// <param name="Notes">The notes the frame's render gave (empty on a miss).</param>
/// <param name="Problem">Set when a cache file for the key was unusable (truncated, checksum mismatch, unreadable) and
/// was deleted: the caller renders the frame again and should say so.</param>
public readonly record struct TailLookup(TailSource Source, IReadOnlyList<string> Notes, string? Problem)
{
    /// <summary>Whether the frame was copied into the output.</summary>
    public bool Hit => Source != TailSource.None;
}

/// <summary>
/// Extend shot's rendered frames, keyed by content: a hash of every pixel the extrapolation reads (the end frame and the
/// history frames, with their times relative to the end) plus the params, engine switches and engine version. A
/// <c>runway extend</c> job and the OFX plugin send the same frames and params for the same tail frame, so the job's
/// frames serve the plugin's later requests whatever instance id either uses, and any change to a frame or a param
/// misses. Least recently used frames go first past a byte budget, in memory and on disk.
/// </summary>
/// <remarks>
/// <para>On disk (<see cref="TailCacheSettings.Directory"/>) each frame is one file named by the 128-bit hash of its key
/// (<c>&lt;32 hex&gt;.tail</c>), so a restarted daemon finds a tail a job rendered before. Layout, little-endian:
/// magic <c>RWTAIL01</c>, width and height (int32), the key (int32 byte count + UTF-8, compared on read so a hash
/// collision is a miss), the notes (int32 count, each int32 byte count + UTF-8), the pixel byte count (int64), the
/// straight-alpha float32 RGBA pixels, and the XXH3-128 of every byte before it. A file that is short, fails the
/// checksum or cannot be read is deleted and reported, never served. Files are written under a temporary name and
/// renamed, so a crash mid-write leaves no half file under a real name; temporary leftovers are removed at start.</para>
/// <para>Recency on disk is the file's modification time (touched on every hit), so least-recently-used eviction carries
/// over restarts.</para>
/// </remarks>
public sealed class TailCache
{
    /// <summary>
    /// Default memory budget, 1.5 GiB: the default 48-frame extension at 1080p (48 × 33.2 MB float RGBA) fits whole, so a
    /// plugin that plays through a tail a job rendered finds every frame; 4K holds its last 12.
    /// </summary>
    public const long DefaultCapacityBytes = 3L << 29;

    /// <summary>Default disk budget, 4 GiB: two default 48-frame 1080p tails (files are float32, 33.2 MB each).</summary>
    public const long DefaultDiskBytes = 4L << 30;

    /// <summary>File name extension of cached frames.</summary>
    public const string FileExtension = ".tail";

    private const string TempMarker = ".tmp-";
    private static ReadOnlySpan<byte> Magic => "RWTAIL01"u8;

    /// <summary>One cached frame: straight-alpha float RGBA pixels and the notes its render gave.</summary>
    private sealed record Entry(string Key, float[] Pixels, IReadOnlyList<string> Notes);

    /// <summary>One file in the cache directory: its size and last use (UTC ticks).</summary>
    private sealed record DiskEntry(long Size, long LastUse);

    private readonly long _capacityBytes;
    private readonly string? _directory;
    private readonly long _diskBytes;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _index = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new(); // most recently used first
    private readonly Dictionary<string, DiskEntry> _files = new(StringComparer.Ordinal); // file name → entry
    private long _bytes;
    private long _fileBytes;
    private bool _scanned;

    /// <summary>A memory-only cache of <paramref name="capacityBytes"/> pixel bytes.</summary>
    public TailCache(long capacityBytes) : this(new TailCacheSettings(capacityBytes))
    {
    }

    /// <summary>A cache with the given memory budget and, when a directory and a disk budget are set, files on disk.</summary>
    public TailCache(TailCacheSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _capacityBytes = Math.Max(0, settings.MemoryBytes);
        _diskBytes = Math.Max(0, settings.DiskBytes);
        _directory = string.IsNullOrWhiteSpace(settings.Directory) || _diskBytes == 0 ? null : Path.GetFullPath(settings.Directory);
    }

    /// <summary>Frames held in memory.</summary>
    public int Count
    {
        get { lock (_gate) return _index.Count; }
    }

    /// <summary>Pixel bytes held in memory.</summary>
    public long Bytes
    {
        get { lock (_gate) return _bytes; }
    }

    /// <summary>The cache directory, or null when the cache is memory-only.</summary>
    public string? Directory => _directory;

    /// <summary>Frames held on disk.</summary>
    public int FileCount
    {
        get
        {
            EnsureScanned();
            lock (_gate) return _files.Count;
        }
    }

    /// <summary>File bytes held on disk.</summary>
    public long FileBytes
    {
        get
        {
            EnsureScanned();
            lock (_gate) return _fileBytes;
        }
    }

    /// <summary>Copies the frame cached under <paramref name="key"/> into <paramref name="output"/>; false on a miss.</summary>
    public bool TryCopy(string key, FloatImage output, out IReadOnlyList<string> notes)
    {
        var found = Find(key, output);
        notes = found.Notes;
        return found.Hit;
    }

    /// <summary>
    /// Copies the frame cached under <paramref name="key"/> into <paramref name="output"/>, from memory or else from the
    /// cache directory (a frame read from disk is kept in memory too). On a miss <paramref name="output"/> may have been
    /// written to (a file that failed its checksum after being read), so the caller must render all of it.
    /// </summary>
    public TailLookup Find(string key, FloatImage output)
    {
        Entry? entry = null;
        lock (_gate)
        {
            if (_index.TryGetValue(key, out var node) && node.Value.Pixels.Length == output.Pixels.Length)
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                entry = node.Value;
            }
        }
        if (entry is not null)
        {
            // Entries are never written after they are stored, so the copy runs outside the lock; an eviction meanwhile
            // only drops the cache's reference.
            entry.Pixels.AsSpan().CopyTo(output.Pixels);
            return new TailLookup(TailSource.Memory, entry.Notes, null);
        }
        if (_directory is null) return new TailLookup(TailSource.None, [], null);
        EnsureScanned();
        var name = FileName(key);
        lock (_gate)
        {
            if (!_files.ContainsKey(name)) return new TailLookup(TailSource.None, [], null);
        }
        var path = Path.Combine(_directory, name);
        string? problem;
        IReadOnlyList<string>? notes = null;
        try
        {
            problem = Read(path, key, output, out notes);
        }
        catch (FileNotFoundException)
        {
            Forget(name);
            return new TailLookup(TailSource.None, [], null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"unreadable ({e.Message})";
        }
        if (problem is null && notes is not null)
        {
            Touch(name, path);
            StoreInMemory(key, output, notes);
            return new TailLookup(TailSource.Disk, notes, null);
        }
        if (problem == CollisionProblem) return new TailLookup(TailSource.None, [], null);
        Delete(name);
        return new TailLookup(TailSource.None, [], $"tail cache file {name} {problem}: deleted, frame rendered again");
    }

    /// <summary>
    /// Stores a copy of <paramref name="frame"/> under <paramref name="key"/>, in memory and in the cache directory,
    /// evicting the least recently used. Returns a problem to report when the file could not be written (the frame is
    /// still cached in memory), else null.
    /// </summary>
    public string? Add(string key, FloatImage frame, IReadOnlyList<string> notes)
    {
        var kept = notes.ToArray();
        StoreInMemory(key, frame, kept);
        if (_directory is null) return null;
        try
        {
            WriteFile(key, frame, kept);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"tail cache: frame not written to {_directory} ({e.Message})";
        }
    }

    private void StoreInMemory(string key, FloatImage frame, IReadOnlyList<string> notes)
    {
        var size = (long)frame.Pixels.Length * sizeof(float);
        if (size > _capacityBytes) return;
        // A fresh array per stored frame (not pooled): a pooled one could be handed out again while a reader still copies
        // from an evicted entry. Final renders take about a second each, so the allocation is noise.
        var pixels = frame.Pixels.ToArray();
        var entry = new Entry(key, pixels, notes);
        lock (_gate)
        {
            if (_index.Remove(key, out var old))
            {
                _recency.Remove(old);
                _bytes -= (long)old.Value.Pixels.Length * sizeof(float);
            }
            while (_bytes + size > _capacityBytes && _recency.Last is { } last)
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

    /// <summary>The cache file name of <paramref name="key"/>: the XXH3-128 of its UTF-8 bytes, 32 hex digits + <see cref="FileExtension"/>.</summary>
    public static string FileName(string key) =>
        XxHash128.HashToUInt128(Encoding.UTF8.GetBytes(key)).ToString("x32", CultureInfo.InvariantCulture) + FileExtension;

    // ---- disk ----

    private const string CollisionProblem = "holds another key";

    /// <summary>Lists the directory once (lazily: a daemon that never extends a shot never touches it).</summary>
    private void EnsureScanned()
    {
        if (_directory is null) return;
        lock (_gate)
        {
            if (_scanned) return;
            _scanned = true;
            if (!System.IO.Directory.Exists(_directory)) return;
            try
            {
                foreach (var info in new DirectoryInfo(_directory).EnumerateFiles())
                {
                    if (info.Name.Contains(TempMarker, StringComparison.Ordinal))
                    {
                        // Left by a process that died mid-write (one daemon per user, so nobody is writing it now).
                        TryDeleteFile(info.FullName);
                        continue;
                    }
                    if (!info.Name.EndsWith(FileExtension, StringComparison.Ordinal)) continue;
                    _files[info.Name] = new DiskEntry(info.Length, info.LastWriteTimeUtc.Ticks);
                    _fileBytes += info.Length;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // An unreadable directory behaves as an empty one; writes will report their own failure.
            }
            EvictFilesLocked(0);
        }
    }

    private void WriteFile(string key, FloatImage frame, IReadOnlyList<string> notes)
    {
        EnsureScanned();
        var pixelBytes = MemoryMarshal.AsBytes(frame.Pixels);
        var header = Header(key, frame.Width, frame.Height, notes, pixelBytes.Length);
        var size = (long)header.Length + pixelBytes.Length + 16;
        if (size > _diskBytes) return;
        // Owner-only, like the daemon's other per-user folders: the frames are the user's footage.
        if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(_directory!);
        else System.IO.Directory.CreateDirectory(_directory!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var name = FileName(key);
        var path = Path.Combine(_directory!, name);
        var temp = path + TempMarker + Guid.NewGuid().ToString("N");
        var hasher = new XxHash128();
        hasher.Append(header);
        hasher.Append(pixelBytes);
        Span<byte> sum = stackalloc byte[16];
        hasher.GetHashAndReset(sum);
        try
        {
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
            if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, create))
            {
                stream.Write(header);
                stream.Write(pixelBytes);
                stream.Write(sum);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDeleteFile(temp);
            throw;
        }
        lock (_gate)
        {
            if (_files.Remove(name, out var old)) _fileBytes -= old.Size;
            _files[name] = new DiskEntry(size, DateTime.UtcNow.Ticks);
            _fileBytes += size;
            EvictFilesLocked(0);
        }
    }

    /// <summary>Removes least recently used files until <paramref name="extra"/> more bytes fit the disk budget.</summary>
    private void EvictFilesLocked(long extra)
    {
        while (_fileBytes + extra > _diskBytes && _files.Count > 0)
        {
            var oldest = _files.MinBy(f => f.Value.LastUse);
            _files.Remove(oldest.Key);
            _fileBytes -= oldest.Value.Size;
            TryDeleteFile(Path.Combine(_directory!, oldest.Key));
        }
    }

    private static byte[] Header(string key, int width, int height, IReadOnlyList<string> notes, long pixelBytes)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write(Magic);
        WriteInt(buffer, width);
        WriteInt(buffer, height);
        WriteText(buffer, key);
        WriteInt(buffer, notes.Count);
        foreach (var n in notes) WriteText(buffer, n);
        BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), pixelBytes);
        buffer.Advance(8);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteInt(ArrayBufferWriter<byte> buffer, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
    }

    private static void WriteText(ArrayBufferWriter<byte> buffer, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        WriteInt(buffer, bytes.Length);
        buffer.Write(bytes);
    }

    // Cap on the header's variable parts: a corrupt length must not make the reader allocate gigabytes.
    private const int MaxTextBytes = 1 << 20;

    /// <summary>
    /// Reads and verifies the file at <paramref name="path"/> into <paramref name="output"/>; returns null when it is
    /// good, else what is wrong with it (<see cref="CollisionProblem"/> for a sound file of another key).
    /// </summary>
    private static string? Read(string path, string key, FloatImage output, out IReadOnlyList<string>? notes)
    {
        notes = null;
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read | FileShare.Delete, BufferSize = 0,
        });
        var length = stream.Length;
        var hasher = new XxHash128();
        var small = new byte[16]; // an array, not stackalloc: the local functions below use it
        long read = 0;

        bool Exact(Span<byte> into)
        {
            if (read + into.Length > length) return false;
            stream.ReadExactly(into);
            hasher.Append(into);
            read += into.Length;
            return true;
        }

        bool Int(out int value)
        {
            value = 0;
            if (!Exact(small.AsSpan(0, 4))) return false;
            value = BinaryPrimitives.ReadInt32LittleEndian(small);
            return true;
        }

        string? Text()
        {
            if (!Int(out var count) || count < 0 || count > MaxTextBytes) return null;
            var bytes = new byte[count];
            return Exact(bytes) ? Encoding.UTF8.GetString(bytes) : null;
        }

        if (!Exact(small.AsSpan(0, 8)) || !small.AsSpan(0, 8).SequenceEqual(Magic)) return "is not a tail cache file or is truncated";
        if (!Int(out var width) || !Int(out var height)) return "is truncated";
        var storedKey = Text();
        if (storedKey is null) return "is truncated or has a bad header";
        if (!Int(out var count) || count < 0 || count > 4096) return "is truncated or has a bad header";
        var list = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            if (Text() is not { } n) return "is truncated or has a bad header";
            list.Add(n);
        }
        if (!Exact(small.AsSpan(0, 8))) return "is truncated";
        var pixelBytes = BinaryPrimitives.ReadInt64LittleEndian(small);
        var target = MemoryMarshal.AsBytes(output.Pixels);
        if (pixelBytes < 0 || read + pixelBytes + 16 != length) return $"is truncated or has extra bytes ({length} bytes)";
        if (width != output.Width || height != output.Height || pixelBytes != target.Length)
            return string.Equals(storedKey, key, StringComparison.Ordinal) ? "has the wrong frame size" : CollisionProblem;
        if (!Exact(target)) return "is truncated";
        Span<byte> expected = stackalloc byte[16];
        hasher.GetHashAndReset(expected);
        stream.ReadExactly(small);
        if (!small.AsSpan().SequenceEqual(expected)) return "failed its checksum";
        if (!string.Equals(storedKey, key, StringComparison.Ordinal)) return CollisionProblem;
        notes = list;
        return null;
    }

    private void Touch(string name, string path)
    {
        var now = DateTime.UtcNow;
        lock (_gate)
        {
            if (_files.TryGetValue(name, out var entry)) _files[name] = entry with { LastUse = now.Ticks };
        }
        try
        {
            File.SetLastWriteTimeUtc(path, now);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Recency across restarts is a nicety; the in-process order is already updated.
        }
    }

    private void Forget(string name)
    {
        lock (_gate)
        {
            if (_files.Remove(name, out var old)) _fileBytes -= old.Size;
        }
    }

    private void Delete(string name)
    {
        Forget(name);
        TryDeleteFile(Path.Combine(_directory!, name));
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone already or not ours to delete: either way it is no longer indexed.
        }
    }
}
