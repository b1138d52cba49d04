using Runway.Daemon.Errors;

namespace Runway.Daemon.Arena;

/// <summary>
/// Slots in use by renders in flight. A second render naming a slot that another render is reading or writing is
/// refused (slot-busy) rather than served with pixels that change under it — that is two clients sharing one slot.
/// </summary>
internal sealed class SlotLeases
{
    private readonly HashSet<(uint Arena, int Slot)> _busy = [];

    /// <summary>Marks all <paramref name="slots"/> busy at once, or none; throws slot-busy naming the first one taken.</summary>
    public IDisposable Acquire(IReadOnlyCollection<(uint Arena, int Slot)> slots)
    {
        lock (_busy)
        {
            foreach (var s in slots)
            {
                if (_busy.Contains(s))
                    throw RunwayFault.Busy($"slot {s.Slot} of arena {s.Arena} is in use by another render; each render needs slots of its own");
            }
            foreach (var s in slots) _busy.Add(s);
        }
        return new Lease(this, [.. slots]);
    }

    public int Count
    {
        get { lock (_busy) return _busy.Count; }
    }

    private sealed class Lease(SlotLeases owner, (uint, int)[] slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            lock (owner._busy)
            {
                foreach (var s in slots) owner._busy.Remove(s);
            }
        }
    }
}
