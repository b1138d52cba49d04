namespace Runway.Models.Runtime;

/// <summary>
/// The state tensors a recurrent pack carries from one frame of an effect instance to the next. Held by one render at a
/// time: <see cref="RecurrentStates.Take"/> hands it out and <see cref="RecurrentStates.Return"/> puts it back.
/// </summary>
public sealed class RecurrentSlot
{
    private readonly Dictionary<string, (float[] Data, long[] Shape)> _tensors = new(StringComparer.Ordinal);

    internal RecurrentSlot(string packId, string instanceId)
    {
        PackId = packId;
        InstanceId = instanceId;
    }

    /// <summary>Pack whose outputs produced the state.</summary>
    public string PackId { get; }

    /// <summary>Effect instance (host plugin instance) the state belongs to.</summary>
    public string InstanceId { get; }

    /// <summary>Time of the frame that produced the state.</summary>
    public double Time { get; internal set; } = double.NaN;

    /// <summary>Fingerprint of the params and frame size the state was made under.</summary>
    internal string Fingerprint { get; set; } = "";

    /// <summary>Frames rendered with this state since the last reset (0: the next frame starts from zeros).</summary>
    public int Frames { get; internal set; }

    /// <summary>Why the state was reset before this frame, or null when it carried over.</summary>
    public string? ResetReason { get; internal set; }

    /// <summary>The state for input <paramref name="input"/>, when one was kept with exactly this <paramref name="shape"/>; else empty.</summary>
    internal ReadOnlySpan<float> Get(string input, long[] shape)
    {
        if (!_tensors.TryGetValue(input, out var t) || !t.Shape.AsSpan().SequenceEqual(shape)) return default;
        return t.Data;
    }

    /// <summary>Keeps a copy of an output as the state for input <paramref name="input"/> (reusing the last array).</summary>
    internal void Set(string input, ReadOnlySpan<float> data, long[] shape)
    {
        if (!_tensors.TryGetValue(input, out var t) || t.Data.Length != data.Length) t = (new float[data.Length], shape);
        data.CopyTo(t.Data);
        _tensors[input] = (t.Data, (long[])shape.Clone());
    }

    internal void Clear()
    {
        _tensors.Clear();
        Frames = 0;
    }

    /// <summary>Bytes held by the state tensors.</summary>
    public long Bytes => _tensors.Values.Sum(t => (long)t.Data.Length * sizeof(float));
}

/// <summary>
/// Recurrent state of every (pack, effect instance) pair. The state carries over only to the next frame of the same
/// instance with the same params and frame size; a time jump (anything but a step forward of at most one host frame),
/// a params change or a size change resets it to zeros. Evicting or unloading a pack drops its states; the least
/// recently used instances are dropped beyond <see cref="MaxInstances"/> so forgotten instances cannot grow memory.
/// </summary>
public sealed class RecurrentStates
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Pack, string Instance), RecurrentSlot> _slots = new();
    private readonly LinkedList<(string Pack, string Instance)> _order = new();

    /// <summary>Most instances kept at once across all packs.</summary>
    public int MaxInstances { get; init; } = 64;

    /// <summary>States held right now.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _slots.Count;
        }
    }

    /// <summary>
    /// The slot for the frame at <paramref name="time"/> of <paramref name="instanceId"/>: its kept state when the frame
    /// continues the last one under the same <paramref name="fingerprint"/>, else an emptied slot with the reason.
    /// </summary>
    public RecurrentSlot Take(string packId, string instanceId, double time, string fingerprint)
    {
        RecurrentSlot? slot;
        lock (_gate)
        {
            if (_slots.Remove((packId, instanceId), out slot)) _order.Remove((packId, instanceId));
        }
        if (slot is null)
        {
            return new RecurrentSlot(packId, instanceId) { ResetReason = null };
        }
        var step = time - slot.Time;
        string? reason = null;
        if (slot.Fingerprint != fingerprint) reason = "params or frame size changed";
        // Host times are frames: the next frame is at most one frame later (fields and retimes give fractions).
        else if (!(step > 0 && step <= 1.0 + 1e-6)) reason = FormattableString.Invariant($"time jumped from {slot.Time:0.###} to {time:0.###}");
        if (reason is not null) slot.Clear();
        slot.ResetReason = reason;
        return slot;
    }

    /// <summary>Keeps <paramref name="slot"/> after a successful run of the frame at <paramref name="time"/>.</summary>
    public void Return(RecurrentSlot slot, double time, string fingerprint)
    {
        slot.Time = time;
        slot.Fingerprint = fingerprint;
        slot.Frames++;
        lock (_gate)
        {
            var key = (slot.PackId, slot.InstanceId);
            if (_slots.Remove(key)) _order.Remove(key);
            _slots[key] = slot;
            _order.AddLast(key);
            while (_slots.Count > MaxInstances && _order.First is { } oldest)
            {
                _order.RemoveFirst();
                _slots.Remove(oldest.Value);
            }
        }
    }

    /// <summary>Drops every state of a pack (evicted, unloaded or removed).</summary>
    public void Drop(string packId)
    {
        lock (_gate)
        {
            foreach (var key in _slots.Keys.Where(k => k.Pack == packId).ToArray())
            {
                _slots.Remove(key);
                _order.Remove(key);
            }
        }
    }

    /// <summary>Whether a state is kept for the pair.</summary>
    public bool Has(string packId, string instanceId)
    {
        lock (_gate) return _slots.ContainsKey((packId, instanceId));
    }
}
