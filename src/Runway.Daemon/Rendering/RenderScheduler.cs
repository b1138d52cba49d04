using Grpc.Core;
using Runway.Daemon.Errors;

namespace Runway.Daemon.Rendering;

/// <summary>Who asks for a render, for fairness, and until when the answer is still wanted.</summary>
/// <param name="Client">The key the scheduler gives turns to (see <see cref="For"/>); "" = anonymous.</param>
/// <param name="Deadline">The call's deadline (UTC), <see cref="DateTime.MaxValue"/> when it has none.</param>
internal readonly record struct RenderCaller(string Client, DateTime Deadline)
{
    /// <summary>Longest client identity kept; a longer header is cut (it only needs to tell clients apart).</summary>
    public const int MaxIdentityLength = 200;

    /// <summary>An anonymous caller without a deadline.</summary>
    public static RenderCaller Anonymous { get; } = new("", DateTime.MaxValue);

    /// <summary>
    /// The caller of one call: the client identity it declared (the <c>runway-client</c> header, one per client process
    /// however many connections it opens), else its connection. The two kinds never collide: a client cannot take a
    /// connection's turn by naming itself like one.
    /// </summary>
    public static RenderCaller For(string? identity, string connectionId, DateTime deadline)
    {
        var declared = identity?.Trim();
        if (string.IsNullOrEmpty(declared)) return new RenderCaller("connection:" + connectionId, deadline);
        if (declared.Length > MaxIdentityLength) declared = declared[..MaxIdentityLength];
        return new RenderCaller("client:" + declared, deadline);
    }
}

/// <summary>
/// Admission for renders: at most <c>maxConcurrent</c> run at once; the rest wait, interactive before final before
/// batch, at most <c>maxQueued</c> of them — one more is refused at once with ResourceExhausted, so an overloaded
/// daemon answers quickly instead of hanging a host. Within a class, waiting clients are served round-robin (first
/// come, first served within one client), so a client that queued 50 frames delays another's single frame by at most
/// one of its own. A client is its declared identity, so a host rendering on several connections still takes one turn
/// (see <see cref="RenderCaller.For"/>). Waiting honours cancellation and the caller's deadline: a waiter whose deadline passes leaves the
/// queue with DeadlineExceeded instead of starting a render nobody will read.
/// </summary>
internal sealed class RenderScheduler
{
    private readonly int _maxConcurrent;
    private readonly int _maxQueued;
    private readonly ClassQueue[] _queues = [new(), new(), new()];
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

    /// <summary>Waits for a turn to render as an anonymous caller without a deadline.</summary>
    public ValueTask<IDisposable> EnterAsync(RenderClass cls, CancellationToken ct) => EnterAsync(cls, RenderCaller.Anonymous, ct);

    /// <summary>Waits for a turn to render; dispose the returned ticket when the render ends.</summary>
    public ValueTask<IDisposable> EnterAsync(RenderClass cls, RenderCaller caller, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (caller.Deadline <= DateTime.UtcNow) throw DeadlinePassed();
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
            waiter = new Waiter(_queues[(int)cls], caller.Client ?? "");
            waiter.Queue.Add(waiter);
            _queued++;
        }
        if (ct.CanBeCanceled)
        {
            waiter.Cancellation = ct.Register(static state =>
            {
                var (self, w, token) = ((RenderScheduler, Waiter, CancellationToken))state!;
                self.Abandon(w, null, token);
            }, (this, waiter, ct));
        }
        if (caller.Deadline != DateTime.MaxValue)
        {
            var due = caller.Deadline - DateTime.UtcNow;
            waiter.Timer = new Timer(static state =>
            {
                var (self, w) = ((RenderScheduler, Waiter))state!;
                self.Abandon(w, DeadlinePassed(), default);
            }, (this, waiter), due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
        return new ValueTask<IDisposable>(waiter.Completion.Task);
    }

    private static RunwayFault DeadlinePassed() =>
        new(StatusCode.DeadlineExceeded, Reasons.Deadline, "the call's deadline passed while the render waited for its turn");

    /// <summary>
    /// Takes a waiter out of the queue unless it was granted already: cancelled by <paramref name="ct"/> when
    /// <paramref name="fault"/> is null, else failed with it (the deadline).
    /// </summary>
    private void Abandon(Waiter waiter, Exception? fault, CancellationToken ct)
    {
        lock (_gate)
        {
            // Already granted: the ticket stands and the caller disposes it.
            if (!waiter.Queue.Remove(waiter)) return;
            _queued--;
        }
        waiter.Release();
        if (fault is null) waiter.Completion.TrySetCanceled(ct);
        else waiter.Completion.TrySetException(fault);
    }

    private void Leave()
    {
        Waiter? next = null;
        lock (_gate)
        {
            _running--;
            foreach (var queue in _queues)
            {
                next = queue.Next();
                if (next is null) continue;
                _queued--;
                _running++;
                break;
            }
        }
        if (next is null) return;
        next.Release();
        next.Completion.TrySetResult(new Ticket(this));
    }

    /// <summary>
    /// One priority class: a FIFO per client plus the round-robin order of clients that have waiters. Served clients go
    /// to the back of the order; a client that arrives joins at the back. Guarded by the scheduler's lock.
    /// </summary>
    private sealed class ClassQueue
    {
        private readonly Dictionary<string, LinkedList<Waiter>> _byClient = new(StringComparer.Ordinal);
        private readonly LinkedList<string> _turns = new();

        public void Add(Waiter waiter)
        {
            if (!_byClient.TryGetValue(waiter.Client, out var own))
            {
                own = new LinkedList<Waiter>();
                _byClient.Add(waiter.Client, own);
                _turns.AddLast(waiter.Client);
            }
            waiter.Node = own.AddLast(waiter);
        }

        public bool Remove(Waiter waiter)
        {
            if (waiter.Node?.List is not { } own) return false;
            own.Remove(waiter.Node);
            waiter.Node = null;
            if (own.Count == 0) Forget(waiter.Client);
            return true;
        }

        public Waiter? Next()
        {
            if (_turns.First is not { } turn) return null;
            var own = _byClient[turn.Value];
            var first = own.First!.Value;
            own.RemoveFirst();
            first.Node = null;
            _turns.RemoveFirst();
            if (own.Count == 0) _byClient.Remove(turn.Value);
            else _turns.AddLast(turn);
            return first;
        }

        private void Forget(string client)
        {
            _byClient.Remove(client);
            _turns.Remove(client);
        }
    }

    private sealed class Waiter(ClassQueue queue, string client)
    {
        public ClassQueue Queue { get; } = queue;

        public string Client { get; } = client;

        public TaskCompletionSource<IDisposable> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }

        public Timer? Timer { get; set; }

        /// <summary>Drops the cancellation hook and the deadline timer once the waiter left the queue.</summary>
        public void Release()
        {
            Cancellation.Dispose();
            Timer?.Dispose();
        }
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
