using System.IO.MemoryMappedFiles;
using Runway.Protocol;

namespace Runway.Daemon.Arena;

/// <summary>
/// A client's arena file mapped read-write into the daemon. Every access is bounds-checked against the size the
/// daemon itself measured, never against numbers read from the (client-writable) file, so a misbehaving client can
/// only corrupt its own pixels. Reference-counted: a release while renders still read it unmaps after the last one.
/// </summary>
internal sealed unsafe class MappedArena
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private int _refs = 1; // the registry's own reference
    private int _retired;

    public MappedArena(uint id, string path, int ownerPid, MemoryMappedFile file, MemoryMappedViewAccessor view, long fileBytes, int slotCount, ulong slotBytes)
    {
        Id = id;
        Path = path;
        OwnerPid = ownerPid;
        _file = file;
        _view = view;
        FileBytes = fileBytes;
        SlotCount = slotCount;
        SlotBytes = slotBytes;
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + view.PointerOffset;
    }

    public uint Id { get; }

    public string Path { get; }

    /// <summary>Pid of the process that registered it (from SO_PEERCRED), or 0 when unknown.</summary>
    public int OwnerPid { get; }

    public long FileBytes { get; }

    public int SlotCount { get; }

    public ulong SlotBytes { get; }

    /// <summary>Snapshot of slot <paramref name="slot"/>'s header.</summary>
    public SlotHeader ReadSlotHeader(int slot)
    {
        var header = SlotHeaderBytes(slot);
        var generation = Volatile.Read(ref *(ulong*)(_base + ArenaLayout.SlotHeaderOffset(slot) + ArenaLayout.SlotOffGeneration));
        return SlotHeader.Parse(generation, header);
    }

    /// <summary>Current generation of a slot (volatile read; the writer bumps it before every new frame).</summary>
    public ulong ReadGeneration(int slot) =>
        Volatile.Read(ref *(ulong*)(_base + ArenaLayout.SlotHeaderOffset(slot) + ArenaLayout.SlotOffGeneration));

    /// <summary>The 64 header bytes of a slot.</summary>
    public Span<byte> SlotHeaderBytes(int slot)
    {
        if ((uint)slot >= (uint)SlotCount) throw new ArgumentOutOfRangeException(nameof(slot));
        return new Span<byte>(_base + ArenaLayout.SlotHeaderOffset(slot), ArenaLayout.SlotHeaderBytes);
    }

    /// <summary>The first <paramref name="length"/> payload bytes of a slot.</summary>
    public nint PayloadPointer(int slot, long length)
    {
        if ((uint)slot >= (uint)SlotCount) throw new ArgumentOutOfRangeException(nameof(slot));
        if (length < 0 || (ulong)length > SlotBytes) throw new ArgumentOutOfRangeException(nameof(length));
        var offset = ArenaLayout.SlotPayloadOffset(slot, SlotBytes);
        if (offset + (ulong)length > (ulong)FileBytes) throw new ArgumentOutOfRangeException(nameof(length));
        return (nint)(_base + offset);
    }

    /// <summary>Takes a reference for a render; false once the arena is retired.</summary>
    public bool TryAddRef()
    {
        while (true)
        {
            var refs = Volatile.Read(ref _refs);
            if (refs == 0 || Volatile.Read(ref _retired) != 0) return false;
            if (Interlocked.CompareExchange(ref _refs, refs + 1, refs) == refs) return true;
        }
    }

    /// <summary>Drops a reference; the last one unmaps.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0) Unmap();
    }

    /// <summary>Removes the registry's reference once (ReleaseArena, owner gone, shutdown).</summary>
    public void Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 0) Release();
    }

    private void Unmap()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
