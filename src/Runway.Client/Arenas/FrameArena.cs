using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using Runway.Client.Interop;
using Runway.Protocol;
using Runway.Protocol.V1;

namespace Runway.Client.Arenas;

/// <summary>
/// One shared-memory frame arena: a 0600 file in /dev/shm laid out by <see cref="ArenaLayout"/>, mapped once for the
/// arena's lifetime and registered with the daemon, which maps the same file. Slots are leased exclusively
/// (lock-free bit mask); each new frame written into a slot bumps its generation so the daemon can tell a stale
/// reference from the frame it was asked about. The file is unlinked on dispose.
/// </summary>
public sealed unsafe class FrameArena : IDisposable
{
    private static int s_nextLocalId;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private long _leased; // bit i set = slot i leased
    private int _disposed;

    // Paths of this process's live arenas, unlinked at process exit in case the owner never disposed them
    // (a CLI that returns from Main, a host that exits without unloading the plugin).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> s_live = new();
    private static int s_exitHooked;

    private FrameArena(string path, int slotCount, ulong slotBytes, MemoryMappedFile file, MemoryMappedViewAccessor view, byte* basePtr)
    {
        Path = path;
        SlotCount = slotCount;
        SlotBytes = slotBytes;
        FileBytes = ArenaLayout.FileBytes(slotCount, slotBytes);
        _file = file;
        _view = view;
        _base = basePtr;
        LocalId = Interlocked.Increment(ref s_nextLocalId);
        s_live[path] = 0;
        if (Interlocked.Exchange(ref s_exitHooked, 1) == 0)
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                foreach (var live in s_live.Keys) TryDelete(live);
            };
    }

    /// <summary>Absolute path of the arena file.</summary>
    public string Path { get; }

    /// <summary>Slots in this arena.</summary>
    public int SlotCount { get; }

    /// <summary>Payload bytes of each slot (whole pages).</summary>
    public ulong SlotBytes { get; }

    /// <summary>Size of the file: header plus all slots.</summary>
    public ulong FileBytes { get; }

    /// <summary>A process-unique number for logs and registration tables (not the daemon's arena id).</summary>
    public int LocalId { get; }

    /// <summary>Slots currently leased.</summary>
    public int LeasedCount => System.Numerics.BitOperations.PopCount((ulong)Volatile.Read(ref _leased));

    /// <summary>
    /// Creates, sizes (reserving the memory, so a full /dev/shm fails here rather than as SIGBUS in a host later),
    /// maps and formats a new arena file named runway-&lt;uid&gt;-&lt;pid&gt;-&lt;random&gt; in <paramref name="directory"/>.
    /// </summary>
    public static FrameArena Create(int slotCount, ulong slotBytes, string directory = "/dev/shm")
    {
        if (slotCount < 1 || slotCount > ArenaLayout.MaxSlots)
            throw new ArgumentOutOfRangeException(nameof(slotCount), $"slot count {slotCount} outside 1..{ArenaLayout.MaxSlots}");
        slotBytes = ArenaLayout.RoundToPages(Math.Max(slotBytes, 1));
        var fileBytes = ArenaLayout.FileBytes(slotCount, slotBytes);
        var path = System.IO.Path.Combine(directory,
            $"runway-{Libc.UserId}-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        FileStream? stream = null;
        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.ReadWrite,
                PreallocationSize = (long)fileBytes,
            };
            // Created 0600 from the first instant: other users must never see the frames.
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            stream = new FileStream(path, options);
            stream.SetLength((long)fileBytes);
            file = MemoryMappedFile.CreateFromFile(stream, null, (long)fileBytes, MemoryMappedFileAccess.ReadWrite,
                HandleInheritability.None, leaveOpen: false);
            stream = null; // owned by the mapping now
            view = file.CreateViewAccessor(0, (long)fileBytes, MemoryMappedFileAccess.ReadWrite);
            byte* basePtr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
            basePtr += view.PointerOffset;
            ArenaLayout.WriteHeader(new Span<byte>(basePtr, ArenaLayout.HeaderBytes), slotCount, slotBytes);
            return new FrameArena(path, slotCount, slotBytes, file, view, basePtr);
        }
        catch (Exception e)
        {
            view?.Dispose();
            file?.Dispose();
            stream?.Dispose();
            TryDelete(path);
            throw new RunwayException(RunwayStatus.ResourceExhausted, $"cannot create a {fileBytes >> 20} MiB frame arena in {directory} (shared memory full?): {e.Message}", e);
        }
    }

    /// <summary>
    /// Deletes arena files in <paramref name="directory"/> left by this user's processes that no longer exist (a host
    /// that crashed or exited without destroying its client). Their memory stays reserved in /dev/shm until unlinked.
    /// Returns how many were removed. Files of live processes are never touched.
    /// </summary>
    public static int SweepStale(string directory = "/dev/shm")
    {
        if (!Directory.Exists("/proc") || !Directory.Exists(directory)) return 0;
        var removed = 0;
        var prefix = $"runway-{Libc.UserId}-";
        try
        {
            foreach (var file in Directory.EnumerateFiles(directory, prefix + "*"))
            {
                var rest = System.IO.Path.GetFileName(file)[prefix.Length..];
                var dash = rest.IndexOf('-');
                if (dash <= 0 || !int.TryParse(rest[..dash], out var pid)) continue;
                if (pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}")) continue;
                TryDelete(file);
                if (!File.Exists(file)) removed++;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return removed;
    }

    /// <summary>Leases a free slot; returns -1 when all are leased. Thread-safe.</summary>
    public int TryLease()
    {
        ThrowIfDisposed();
        while (true)
        {
            var current = Volatile.Read(ref _leased);
            var free = ~current & (SlotCount == 64 ? -1L : (1L << SlotCount) - 1);
            if (free == 0) return -1;
            var slot = System.Numerics.BitOperations.TrailingZeroCount(free);
            if (Interlocked.CompareExchange(ref _leased, current | (1L << slot), current) == current) return slot;
        }
    }

    /// <summary>Returns a leased slot. Thread-safe.</summary>
    public void Release(int slot)
    {
        CheckSlot(slot);
        var bit = 1L << slot;
        var before = Interlocked.And(ref _leased, ~bit);
        if ((before & bit) == 0) throw new InvalidOperationException($"arena slot {slot} was not leased");
    }

    /// <summary>Whether <paramref name="slot"/> is leased right now.</summary>
    public bool IsLeased(int slot)
    {
        CheckSlot(slot);
        return (Volatile.Read(ref _leased) & (1L << slot)) != 0;
    }

    /// <summary>Address of a slot's payload.</summary>
    public nint Payload(int slot)
    {
        CheckSlot(slot);
        ThrowIfDisposed();
        return (nint)(_base + ArenaLayout.SlotPayloadOffset(slot, SlotBytes));
    }

    /// <summary>The slot's current generation as seen in the mapped header.</summary>
    public ulong Generation(int slot)
    {
        CheckSlot(slot);
        ThrowIfDisposed();
        return (ulong)Volatile.Read(ref *(long*)(_base + ArenaLayout.SlotHeaderOffset(slot)));
    }

    /// <summary>
    /// Describes the frame now in (or about to be written into) a slot: fills the slot header fields, then bumps the
    /// generation with a full fence so a reader that sees the new generation also sees the fields. Returns the new
    /// generation, which the request's slot reference must carry.
    /// </summary>
    public ulong Stamp(int slot, FrameDescriptor frame)
    {
        CheckSlot(slot);
        ThrowIfDisposed();
        var header = new Span<byte>(_base + ArenaLayout.SlotHeaderOffset(slot), ArenaLayout.SlotHeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffWidth..], frame.Width);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffHeight..], frame.Height);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffComponents..], (uint)frame.Components);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffDepth..], (uint)frame.Depth);
        BinaryPrimitives.WriteUInt64LittleEndian(header[ArenaLayout.SlotOffRowBytes..], frame.RowBytes);
        var flags = (frame.TopDown ? 1u : 0u) | (((uint)frame.Alpha & 3u) << 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffFlags..], flags);
        return (ulong)Interlocked.Increment(ref *(long*)(_base + ArenaLayout.SlotHeaderOffset(slot) + ArenaLayout.SlotOffGeneration));
    }

    /// <summary>Bumps a slot's generation without new content, so any outstanding reference to it turns stale.</summary>
    public ulong Invalidate(int slot)
    {
        CheckSlot(slot);
        ThrowIfDisposed();
        return (ulong)Interlocked.Increment(ref *(long*)(_base + ArenaLayout.SlotHeaderOffset(slot)));
    }

    /// <summary>Unmaps and unlinks the file. The daemon's own mapping stays valid until it releases the arena.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
        TryDelete(Path);
        s_live.TryRemove(Path, out _);
    }

    /// <inheritdoc/>
    public override string ToString() => $"arena #{LocalId} {Path} ({SlotCount} x {SlotBytes >> 20} MiB)";

    private void CheckSlot(int slot)
    {
        if ((uint)slot >= (uint)SlotCount) throw new ArgumentOutOfRangeException(nameof(slot), $"slot {slot} outside 0..{SlotCount - 1}");
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
