using System.Buffers;
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace Runway.Models.Runtime;

/// <summary>
/// Stacks concurrent runs of one resident model along the batch axis (axis 0) when their input shapes are equal: a
/// run waits up to <see cref="Window"/> for company (by default a tenth of the model's recent run time, at most 2 ms) — longer while a run of the same shape is already in flight,
/// since it would only compete with it for the cores — and at most <see cref="Packs.ModelPack.MaxBatch"/> runs go in one
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue})"/>.
/// Only packs whose every tensor is a picture with a dynamic axis 0 and no recurrent state batch (PackReader checks
/// that); tiled frames batch window by window.
/// </summary>
/// <remarks>
/// Whoever finds its group ready runs it; there is no leader to hand over when a caller leaves. Inputs are copied into
/// the stacked tensor when the group starts, outputs back when it ends, both under the lock, so a caller cancelled at
/// any point can leave at once: before the start its slot is dropped, after it its rows are simply not copied back.
/// The run itself is stopped only when every caller in it has been cancelled.
/// </remarks>
internal sealed class RunBatcher
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int _maxBatch;
    private readonly object _gate = new();
    private readonly Dictionary<string, Group> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private TimeSpan _window = MaxWindow;
    private bool _windowFixed;
    private double _recentRunMillis = -1;
    private long _sessionRuns;
    private long _batchedRequests;
    private int _largestBatch;

    public RunBatcher(InferenceSession session, string[] inputNames, string[] outputNames, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 2);
        _session = session;
        _inputNames = inputNames;
        _outputNames = outputNames;
        _maxBatch = maxBatch;
    }

    /// <summary>The longest a run waits for company when nothing of its shape is in flight.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// How long a run waits for others of its shape when none is in flight. Unless set, a tenth of the recent session
    /// run time, at most <see cref="MaxWindow"/>: waiting 2 ms for company only pays when runs cost far more than that
    /// (measured with runway-bench --batching on 0.1 ms tile runs: a fixed 2 ms window made 4 clients 4–5× slower than
    /// no batching). Under 1 ms it is 0, since a thread cannot sleep for less. Tests set it; setting wakes waiters.
    /// </summary>
    public TimeSpan Window
    {
        get
        {
            lock (_gate) return EffectiveWindow();
        }
        set
        {
            lock (_gate)
            {
                _window = value;
                _windowFixed = true;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>
    /// Where each session run is also counted (the pack's counters in the registry, which outlive this session); null
    /// until the model is warmed up, so the warm-up is not counted.
    /// </summary>
    public RunCounters? Counters { get; set; }

    /// <summary>Session runs made (a batch of any size counts once).</summary>
    public long SessionRuns => Interlocked.Read(ref _sessionRuns);

    /// <summary>Requests that shared a session run with at least one other.</summary>
    public long BatchedRequests => Interlocked.Read(ref _batchedRequests);

    /// <summary>The most requests stacked in one session run so far.</summary>
    public int LargestBatch => Volatile.Read(ref _largestBatch);

    /// <summary>Requests waiting for their group to start.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate) return _pending.Values.Sum(g => g.Members.Count);
        }
    }

    /// <summary>
    /// Runs one request (batch size 1 tensors, as ImageRunner builds them), alone or stacked with others of the same
    /// shapes; <paramref name="outputs"/> hold the result when this returns.
    /// </summary>
    public void Run(OrtValue[] inputs, OrtValue[] outputs, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var key = ShapeKey(inputs);
        var request = new Request(inputs, outputs);
        Group group;
        lock (_gate)
        {
            if (!_pending.TryGetValue(key, out group!))
            {
                group = new Group(key, Stopwatch.GetTimestamp());
                _pending.Add(key, group);
            }
            group.Members.Add(request);
            request.Group = group;
        }
        using var registration = ct.CanBeCanceled
            ? ct.Register(static s =>
            {
                var (self, r) = ((RunBatcher, Request))s!;
                self.OnCancelled(r);
            }, (this, request))
            : default;

        lock (_gate)
        {
            while (true)
            {
                if (request.Finished)
                {
                    if (request.Error is { } error) throw error;
                    return;
                }
                if (request.Dropped) throw new OperationCanceledException("model run cancelled while waiting for a batch", ct);
                if (!group.Started)
                {
                    var inFlight = _inFlight.GetValueOrDefault(key);
                    var waited = Stopwatch.GetElapsedTime(group.Created);
                    var window = EffectiveWindow();
                    if (group.Members.Count >= _maxBatch || (inFlight == 0 && waited >= window))
                    {
                        try
                        {
                            Start(group);
                        }
                        catch (Exception e)
                        {
                            // Nothing ran: every member fails with the reason rather than waiting forever.
                            foreach (var m in group.Members)
                            {
                                m.Error = e;
                                m.Finished = true;
                            }
                            _inFlight[key]--;
                            if (_inFlight[key] == 0) _inFlight.Remove(key);
                            Monitor.PulseAll(_gate);
                            group.Release();
                            throw;
                        }
                        break;
                    }
                    // In flight: woken when it ends. Otherwise: when the window closes (or a joiner fills the group).
                    if (inFlight > 0 || window == Timeout.InfiniteTimeSpan) Monitor.Wait(_gate);
                    // Monitor.Wait truncates to whole milliseconds: a remainder under 1 ms would be a 0 ms wait, i.e. a
                    // busy loop on the lock until the window closes (measured: 5× the CPU per frame with small tiles).
                    else Monitor.Wait(_gate, Math.Max(1, (int)Math.Ceiling((window - waited).TotalMilliseconds)));
                    continue;
                }
                Monitor.Wait(_gate);
            }
        }
        Execute(group);
        // This caller ran its group; its own result is in place unless it was cancelled meanwhile.
        if (request.Dropped) throw new OperationCanceledException("model run cancelled", ct);
        if (request.Error is { } failed) throw failed;
    }

    /// <summary>Under the lock: the group leaves the pending set and its inputs are stacked, so callers may now leave.</summary>
    private void Start(Group group)
    {
        group.Started = true;
        _pending.Remove(group.Key);
        _inFlight[group.Key] = _inFlight.GetValueOrDefault(group.Key) + 1;
        var members = group.Members;
        group.Live = members.Count;
        if (members.Count == 1) return;
        var first = members[0];
        group.Inputs = new OrtValue[first.Inputs.Length];
        group.Outputs = new OrtValue[first.Outputs.Length];
        group.Buffers = new float[group.Inputs.Length + group.Outputs.Length][];
        for (var i = 0; i < first.Inputs.Length; i++)
            group.Inputs[i] = Stack(group, i, first.Inputs[i], members.Select(m => m.Inputs[i]), copy: true);
        for (var o = 0; o < first.Outputs.Length; o++)
            group.Outputs[o] = Stack(group, first.Inputs.Length + o, first.Outputs[o], [], copy: false);
    }

    private OrtValue Stack(Group group, int slot, OrtValue template, IEnumerable<OrtValue> parts, bool copy)
    {
        var shape = template.GetTensorTypeAndShape().Shape;
        var one = (int)shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        var count = group.Members.Count;
        var buffer = ArrayPool<float>.Shared.Rent(one * count);
        group.Buffers![slot] = buffer;
        if (copy)
        {
            var at = 0;
            foreach (var part in parts)
            {
                part.GetTensorDataAsSpan<float>()[..one].CopyTo(buffer.AsSpan(at, one));
                at += one;
            }
        }
        var stacked = (long[])shape.Clone();
        stacked[0] = count;
        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, one * count), stacked);
    }

    private void Execute(Group group)
    {
        var members = group.Members;
        Exception? error = null;
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (members.Count == 1)
            {
                _session.Run(group.RunOptions, _inputNames, members[0].Inputs, _outputNames, members[0].Outputs);
            }
            else
            {
                _session.Run(group.RunOptions, _inputNames, group.Inputs!, _outputNames, group.Outputs!);
                Interlocked.Add(ref _batchedRequests, members.Count);
            }
            Interlocked.Increment(ref _sessionRuns);
            InterlockedMax(ref _largestBatch, members.Count);
            Counters?.Run(members.Count);
        }
        catch (Exception e)
        {
            error = group.Live == 0 ? new OperationCanceledException("model run cancelled") : e;
        }
        lock (_gate)
        {
            if (error is null)
            {
                var millis = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                _recentRunMillis = _recentRunMillis < 0 ? millis : 0.8 * _recentRunMillis + 0.2 * millis;
            }
            try
            {
                for (var m = 0; m < members.Count; m++)
                {
                    var member = members[m];
                    if (member.Dropped) continue;
                    if (error is null && members.Count > 1)
                    {
                        for (var o = 0; o < member.Outputs.Length; o++)
                        {
                            var rows = member.Outputs[o].GetTensorMutableDataAsSpan<float>();
                            var one = rows.Length;
                            group.Outputs![o].GetTensorDataAsSpan<float>().Slice(m * one, one).CopyTo(rows);
                        }
                    }
                    member.Error = error;
                    member.Finished = true;
                }
            }
            finally
            {
                _inFlight[group.Key]--;
                if (_inFlight[group.Key] == 0) _inFlight.Remove(group.Key);
                Monitor.PulseAll(_gate);
                group.Release();
            }
        }
    }

    private void OnCancelled(Request request)
    {
        lock (_gate)
        {
            if (request.Finished || request.Dropped) return;
            request.Dropped = true;
            var group = request.Group!;
            if (!group.Started)
            {
                // Not stacked yet: the slot goes; an emptied group goes with it.
                group.Members.Remove(request);
                if (group.Members.Count == 0) _pending.Remove(group.Key);
            }
            else if (--group.Live == 0)
            {
                group.RunOptions.Terminate = true;
            }
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Under the lock: the window in force (see <see cref="Window"/>).</summary>
    private TimeSpan EffectiveWindow()
    {
        if (_windowFixed || _recentRunMillis < 0) return _window;
        var millis = Math.Min(MaxWindow.TotalMilliseconds, _recentRunMillis / 10);
        return millis < 1 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(millis);
    }

    private static string ShapeKey(OrtValue[] inputs) =>
        string.Join('|', inputs.Select(v => string.Join('x', v.GetTensorTypeAndShape().Shape)));

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    private sealed class Request(OrtValue[] inputs, OrtValue[] outputs)
    {
        public OrtValue[] Inputs { get; } = inputs;

        public OrtValue[] Outputs { get; } = outputs;

        public Group? Group { get; set; }

        public bool Finished { get; set; }

        public bool Dropped { get; set; }

        public Exception? Error { get; set; }
    }

    private sealed class Group(string key, long created)
    {
        public string Key { get; } = key;

        public long Created { get; } = created;

        public List<Request> Members { get; } = [];

        public bool Started { get; set; }

        /// <summary>Members not cancelled since the start; the run is terminated when it reaches 0.</summary>
        public int Live { get; set; }

        public RunOptions RunOptions { get; } = new();

        public OrtValue[]? Inputs { get; set; }

        public OrtValue[]? Outputs { get; set; }

        public float[][]? Buffers { get; set; }

        public void Release()
        {
            foreach (var v in Inputs ?? []) v?.Dispose();
            foreach (var v in Outputs ?? []) v?.Dispose();
            foreach (var b in Buffers ?? [])
            {
                if (b is not null) ArrayPool<float>.Shared.Return(b);
            }
            RunOptions.Dispose();
        }
    }
}
