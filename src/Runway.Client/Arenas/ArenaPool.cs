using System.Numerics;

namespace Runway.Client.Arenas;

/// <summary>A leased slot: exclusive to one render until released back to the pool.</summary>
internal readonly record struct SlotLease(FrameArena Arena, int Slot)
{
    public bool IsNone => Arena is null;

    public nint Payload => Arena.Payload(Slot);

    public ulong Capacity => Arena.SlotBytes;
}

/// <summary>The slots one render holds: source, optional mask, output, and any extra inputs (neighbouring frames).</summary>
internal readonly record struct LeaseSet(SlotLease Source, SlotLease Mask, SlotLease Output)
{
    /// <summary>Slots for extra inputs, in the order their sizes were asked for; empty when none.</summary>
    public SlotLease[] Extra { get; init; } = [];
}

/// <summary>
/// All frame arenas of one client. Slots come in power-of-two size classes (1 MiB up), so a 1080p and a 4K frame
/// each get a slot that fits without one class serving every size; a class grows by adding an arena, and the total
/// mapped size is capped (idle arenas of other classes are retired to make room). A render leases all its slots in
/// one step so that renders waiting for space can never hold part of what another needs.
/// </summary>
internal sealed class ArenaPool : IDisposable
{
    public const ulong MinSlotBytes = 1UL << 20;
    private const ulong ArenaTargetBytes = 256UL << 20;

    private readonly object _gate = new();
    private readonly List<FrameArena> _arenas = [];
    private readonly Action<FrameArena> _retired;
    private readonly string _directory;
    private TaskCompletionSource _released = NewSignal();
    private bool _disposed;
    private bool _swept;

    public ArenaPool(ulong capBytes, string directory, Action<FrameArena> retired)
    {
        CapBytes = capBytes;
        _directory = directory;
        _retired = retired;
    }

    /// <summary>Upper bound on the summed file size of all arenas.</summary>
    public ulong CapBytes { get; }

    /// <summary>Summed file size of the live arenas.</summary>
    public ulong TotalBytes
    {
        get { lock (_gate) return Sum(); }
    }

    /// <summary>A snapshot of the live arenas.</summary>
    public FrameArena[] Arenas
    {
        get { lock (_gate) return [.. _arenas]; }
    }

    /// <summary>The slot size class that holds <paramref name="bytes"/>.</summary>
    public static ulong ClassFor(ulong bytes) => Math.Max(MinSlotBytes, BitOperations.RoundUpToPowerOf2(bytes));

    /// <summary>Slots per arena of a class: about 256 MiB per arena, at least 3 (one render's source, mask, output).</summary>
    public static int SlotsPerArena(ulong slotBytes) => (int)Math.Clamp(ArenaTargetBytes / slotBytes, 3, 16);

    /// <summary>
    /// Leases slots of at least the given sizes (0 = not needed), waiting for other renders to release slots when
    /// the cap is reached. Throws ResourceExhausted when the request could never fit under the cap.
    /// </summary>
    /// <param name="extra">Sizes of further inputs leased in the same step (neighbouring frames); null = none.</param>
    public async ValueTask<LeaseSet> LeaseAsync(ulong source, ulong mask, ulong output, CancellationToken ct, IReadOnlyList<ulong>? extra = null)
    {
        extra ??= [];
        while (true)
        {
            Task? wait = null;
            List<FrameArena>? retired = null;
            LeaseSet set = default;
            RunwayException? impossible = null;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (!TryLeaseAll(source, mask, output, extra, ref retired, out set))
                {
                    if (_arenas.TrueForAll(a => a.LeasedCount == 0))
                    {
                        var need = ArenaBytes(source) + (mask == 0 ? 0 : ArenaBytes(mask)) + ArenaBytes(output);
                        foreach (var e in extra) need += ArenaBytes(e);
                        impossible = new RunwayException(RunwayStatus.ResourceExhausted,
                            $"a frame of {source >> 20} MiB needs up to {need >> 20} MiB of shared memory; the client's arena cap is {CapBytes >> 20} MiB");
                    }
                    else wait = _released.Task;
                }
            }
            // Retired arenas are handed over outside the lock: unregistering them talks to the daemon.
            Retire(retired);
            if (impossible is not null) throw impossible;
            if (wait is null) return set;
            await wait.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Returns a render's slots.</summary>
    public void Release(in LeaseSet set)
    {
        lock (_gate)
        {
            ReleaseOne(set.Source);
            ReleaseOne(set.Mask);
            ReleaseOne(set.Output);
            foreach (var e in set.Extra) ReleaseOne(e);
            var signal = _released;
            _released = NewSignal();
            signal.TrySetResult();
        }
    }

    /// <summary>Unmaps and unlinks every arena.</summary>
    public void Dispose()
    {
        FrameArena[] all;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            all = [.. _arenas];
            _arenas.Clear();
            _released.TrySetResult();
        }
        foreach (var arena in all) arena.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static ulong ArenaBytes(ulong need)
    {
        var slotBytes = ClassFor(need);
        return Protocol.ArenaLayout.FileBytes(SlotsPerArena(slotBytes), slotBytes);
    }

    private ulong Sum()
    {
        ulong total = 0;
        foreach (var a in _arenas) total += a.FileBytes;
        return total;
    }

    private void ReleaseOne(SlotLease lease)
    {
        if (lease.IsNone) return;
        lease.Arena.Release(lease.Slot);
    }

    private bool TryLeaseAll(ulong source, ulong mask, ulong output, IReadOnlyList<ulong> extra, ref List<FrameArena>? retired, out LeaseSet set)
    {
        set = default;
        SlotLease s = default, m = default, o = default;
        var more = extra.Count == 0 ? [] : new SlotLease[extra.Count];
        try
        {
            s = LeaseOne(source, ref retired);
            if (s.IsNone) return false;
            if (mask != 0)
            {
                m = LeaseOne(mask, ref retired);
                if (m.IsNone)
                {
                    ReleaseOne(s);
                    return false;
                }
            }
            o = LeaseOne(output, ref retired);
            if (o.IsNone)
            {
                ReleaseOne(s);
                ReleaseOne(m);
                return false;
            }
            for (var i = 0; i < more.Length; i++)
            {
                more[i] = LeaseOne(extra[i], ref retired);
                if (!more[i].IsNone) continue;
                ReleaseOne(s);
                ReleaseOne(m);
                ReleaseOne(o);
                foreach (var e in more) ReleaseOne(e);
                return false;
            }
            set = new LeaseSet(s, m, o) { Extra = more };
            return true;
        }
        catch
        {
            // Creating an arena failed (shared memory full): give back what this attempt took.
            ReleaseOne(s);
            ReleaseOne(m);
            ReleaseOne(o);
            foreach (var e in more) ReleaseOne(e);
            throw;
        }
    }

    private SlotLease LeaseOne(ulong need, ref List<FrameArena>? retired)
    {
        var slotBytes = ClassFor(need);
        // 1. A free slot of the right class.
        foreach (var arena in _arenas)
            if (arena.SlotBytes == slotBytes && arena.TryLease() is var slot and >= 0)
                return new SlotLease(arena, slot);
        var arenaBytes = Protocol.ArenaLayout.FileBytes(SlotsPerArena(slotBytes), slotBytes);
        // 2. Grow the class while under the cap.
        if (Sum() + arenaBytes <= CapBytes) return Grow(slotBytes);
        // 3. A free slot of a bigger class.
        foreach (var arena in _arenas)
            if (arena.SlotBytes > slotBytes && arena.TryLease() is var slot and >= 0)
                return new SlotLease(arena, slot);
        // 4. Retire idle arenas of other classes, largest first, until the new arena fits.
        if (arenaBytes > CapBytes) return default;
        foreach (var idle in _arenas.Where(a => a.LeasedCount == 0 && a.SlotBytes != slotBytes).OrderByDescending(a => a.FileBytes).ToList())
        {
            if (Sum() + arenaBytes <= CapBytes) break;
            _arenas.Remove(idle);
            (retired ??= []).Add(idle);
        }
        return Sum() + arenaBytes <= CapBytes ? Grow(slotBytes) : default;
    }

    private SlotLease Grow(ulong slotBytes)
    {
        if (!_swept)
        {
            _swept = true;
            FrameArena.SweepStale(_directory);
        }
        var arena = FrameArena.Create(SlotsPerArena(slotBytes), slotBytes, _directory);
        _arenas.Add(arena);
        return new SlotLease(arena, arena.TryLease());
    }

    private void Retire(List<FrameArena>? retired)
    {
        if (retired is null) return;
        foreach (var arena in retired) _retired(arena);
    }
}
