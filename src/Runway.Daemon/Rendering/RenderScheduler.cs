using Runway.Daemon.Errors;

namespace Runway.Daemon.Rendering;

/// <summary>
/// Admission for renders: at most <c>maxConcurrent</c> run at once; the rest wait, interactive before final before
/// batch (first come, first served within a class), at most <c>maxQueued</c> of them — one more is refused at once
/// with ResourceExhausted, so an overloaded daemon answers quickly instead of hanging a host. Waiting honours
/// cancellation.
/// </summary>
internal sealed class RenderScheduler
{
    private readonly int _maxConcurrent;
    private readonly int _maxQueued;
    private readonly LinkedList<Waiter>[] _queues = [new(), new(), new()];
    private readonly object _gate = new();
    private int _running;
    private int _queued;

    public RenderScheduler(int maxConcurrent, int maxQueued)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrent, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxQueued);
        _maxConcurrent = maxConcurrent;
        _maxQueued = maxQueued;
    }

    public int Running
    {
        get { lock (_gate) return _running; }
    }

    public int Queued
    {
        get { lock (_gate) return _queued; }
    }

    /// <summary>Waits for a turn to render; dispose the returned ticket when the render ends.</summary>
    public ValueTask<IDisposable> EnterAsync(RenderClass cls, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_gate)
        {
            if (_running < _maxConcurrent && _queued == 0)
            {
                _running++;
                return ValueTask.FromResult<IDisposable>(new Ticket(this));
            }
            if (_queued >= _maxQueued)
                throw RunwayFault.Exhausted(
                    $"the daemon is busy: {_running} renders running and {_queued} waiting (limit {_maxQueued}); try again shortly");
            waiter = new Waiter();
            waiter.Node = _queues[(int)cls].AddLast(waiter);
            _queued++;
        }
        if (ct.CanBeCanceled)
        {
            waiter.Cancellation = ct.Register(static state =>
            {
                var (self, w, token) = ((RenderScheduler, Waiter, CancellationToken))state!;
                self.Cancel(w, token);
            }, (this, waiter, ct));
        }
        return new ValueTask<IDisposable>(waiter.Completion.Task);
    }

    private void Cancel(Waiter waiter, CancellationToken ct)
    {
        lock (_gate)
        {
            // Already granted (node removed): the ticket stands and the caller disposes it.
            if (waiter.Node?.List is null) return;
            waiter.Node.List.Remove(waiter.Node);
            _queued--;
        }
        waiter.Completion.TrySetCanceled(ct);
    }

    private void Leave()
    {
        Waiter? next = null;
        lock (_gate)
        {
            _running--;
            foreach (var queue in _queues)
            {
                if (queue.First is { } first)
                {
                    queue.RemoveFirst();
                    _queued--;
                    _running++;
                    next = first.Value;
                    break;
                }
            }
        }
        if (next is null) return;
        next.Cancellation.Dispose();
        next.Completion.TrySetResult(new Ticket(this));
    }

    private sealed class Waiter
    {
        public TaskCompletionSource<IDisposable> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }
    }

    private sealed class Ticket(RenderScheduler owner) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) owner.Leave();
        }
    }
}
