using System.Collections.Concurrent;
using System.IO.MemoryMappedFiles;
using Microsoft.Extensions.Logging;
using Runway.Daemon.Errors;
using Runway.Daemon.Hosting;
using Runway.Protocol;

namespace Runway.Daemon.Arena;

/// <summary>A reference to a registered arena held for the length of one render; dispose to let it go.</summary>
internal readonly struct ArenaLease(MappedArena arena) : IDisposable
{
    public MappedArena Arena { get; } = arena;

    public void Dispose() => Arena?.Release();
}

/// <summary>
/// The arenas clients have registered: opened, checked, mapped once, and handed out by id for renders.
/// Released on ReleaseArena, when the registering process is gone, and at shutdown.
/// </summary>
internal sealed class ArenaRegistry : IDisposable
{
    private readonly ConcurrentDictionary<uint, MappedArena> _arenas = new();
    private readonly string _directory;
    private readonly int _maxArenas;
    private readonly ILogger _logger;
    private readonly object _registerGate = new();
    private int _nextId;
    private bool _disposed;

    public ArenaRegistry(string arenaDirectory, int maxArenas, ILogger<ArenaRegistry> logger)
    {
        _directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(arenaDirectory));
        _maxArenas = maxArenas;
        _logger = logger;
    }

    public int Count => _arenas.Count;

    /// <summary>
    /// Opens, checks and maps an arena file. Throws <see cref="RunwayFault"/> (InvalidArgument, or ResourceExhausted
    /// when too many arenas are registered) with a message naming the problem.
    /// </summary>
    public MappedArena Register(string path, ulong declaredBytes, int ownerPid)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
            throw RunwayFault.Invalid($"arena path '{path}' is not an absolute path");
        var full = Path.GetFullPath(path);
        if (full != path || Path.GetDirectoryName(full) != _directory)
            throw RunwayFault.Invalid($"arena file {path} must be directly inside {_directory}");
        var info = new FileInfo(full);
        if (info.LinkTarget is not null)
            throw RunwayFault.Invalid($"arena file {path} is a symbolic link; register the file itself");
        if (!info.Exists)
            throw RunwayFault.Invalid($"arena file {path} does not exist (or is not a regular file)");

        SweepOrphans();
        if (_arenas.Count >= _maxArenas)
            throw RunwayFault.Exhausted($"{_arenas.Count} arenas are registered already (limit {_maxArenas}); release unused arenas first");

        var handle = Libc.OpenReadWriteNoLock(full, out var openError)
            ?? throw RunwayFault.Invalid($"cannot open arena file {path}: {openError}");
        try
        {
            return MapChecked(handle, path, full, declaredBytes, ownerPid);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private MappedArena MapChecked(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path, string full, ulong declaredBytes, int ownerPid)
    {

        // Mode exactly 0600: only the owner (and root) may open such a file, so the open above succeeding means this
        // daemon's uid owns it. Peers are accepted only with the daemon's own uid (SO_PEERCRED), hence the file belongs
        // to the calling user, and no other user can read or change the pixels in it. (A daemon running as root would
        // bypass permission checks; runwayd is a per-user daemon and is not meant to run as root.)
        var mode = File.GetUnixFileMode(handle);
        if (mode != (UnixFileMode.UserRead | UnixFileMode.UserWrite))
            throw RunwayFault.Invalid($"arena file {path} has mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}; it must be exactly 0600");

        var length = RandomAccess.GetLength(handle);
        if (declaredBytes != 0 && (ulong)length != declaredBytes)
            throw RunwayFault.Invalid($"arena file {path} is {length} bytes, but the request says {declaredBytes}");

        Span<byte> header = stackalloc byte[ArenaLayout.HeaderBytes];
        if (length < ArenaLayout.HeaderBytes || RandomAccess.Read(handle, header, 0) != ArenaLayout.HeaderBytes)
            throw RunwayFault.Invalid($"arena file {path} is {length} bytes, smaller than its {ArenaLayout.HeaderBytes}-byte header");
        int slotCount;
        ulong slotBytes;
        try
        {
            // The magic and sizes are also what rule out FIFOs and devices: only a real arena file carries them.
            (slotCount, slotBytes) = ArenaLayout.ReadHeader(header, (ulong)length);
        }
        catch (InvalidDataException e)
        {
            throw RunwayFault.Invalid($"arena file {path}: {e.Message}");
        }

        MemoryMappedFile file;
        MemoryMappedViewAccessor view;
        try
        {
            var stream = new FileStream(handle, FileAccess.ReadWrite, bufferSize: 0);
            file = MemoryMappedFile.CreateFromFile(stream, null, length, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw RunwayFault.Invalid($"cannot map arena file {path}: {e.Message}");
        }
        // From here the mapping owns the handle (through the stream).

        lock (_registerGate)
        {
            if (_disposed)
            {
                view.Dispose();
                file.Dispose();
                throw RunwayFault.Stopping("the daemon is shutting down");
            }
            var id = (uint)Interlocked.Increment(ref _nextId);
            var arena = new MappedArena(id, full, ownerPid, file, view, length, slotCount, slotBytes);
            _arenas[id] = arena;
            _logger.LogInformation("Registered arena {ArenaId} {Path} ({SlotCount} slots of {SlotBytes} bytes) for pid {OwnerPid}",
                id, full, slotCount, slotBytes, ownerPid);
            return arena;
        }
    }

    /// <summary>Forgets an arena; renders still using it finish first, then it is unmapped.</summary>
    public void Release(uint id)
    {
        if (!_arenas.TryRemove(id, out var arena))
            throw RunwayFault.NotFound($"arena {id} is not registered with this daemon");
        arena.Retire();
        _logger.LogInformation("Released arena {ArenaId} {Path}", id, arena.Path);
    }

    /// <summary>Takes a reference to a registered arena for one render.</summary>
    public ArenaLease Acquire(uint id)
    {
        if (_arenas.TryGetValue(id, out var arena) && arena.TryAddRef()) return new ArenaLease(arena);
        throw RunwayFault.Stale(
            $"arena {id} is not registered with this daemon (released, or registered with a daemon that has since restarted); register the arena again");
    }

    /// <summary>Retires arenas whose registering process has exited, so a crashed host does not pin memory.</summary>
    public void SweepOrphans()
    {
        foreach (var (id, arena) in _arenas)
        {
            if (arena.OwnerPid > 0 && !Directory.Exists($"/proc/{arena.OwnerPid}") && _arenas.TryRemove(id, out _))
            {
                arena.Retire();
                _logger.LogInformation("Released arena {ArenaId}: its owner pid {OwnerPid} has exited", id, arena.OwnerPid);
            }
        }
    }

    public void Dispose()
    {
        lock (_registerGate) _disposed = true;
        foreach (var id in _arenas.Keys)
        {
            if (_arenas.TryRemove(id, out var arena)) arena.Retire();
        }
    }
}
