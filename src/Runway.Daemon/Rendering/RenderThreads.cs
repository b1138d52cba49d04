namespace Runway.Daemon.Rendering;

/// <summary>
/// Dedicated render threads, the most recently idle one first. Frame buffers come from pools with per-thread caches
/// (ArrayPool.Shared keeps arrays in thread-local slots; glibc malloc gives each thread its own arena), so a render
/// that lands on whichever thread-pool thread the gRPC call resumed on keeps missing them: runway-bench measured
/// 40 MiB of fresh managed arrays (and their page faults, and a gen2 GC every few frames) per warm 1080p ISNet frame.
/// Reusing the same thread for back-to-back renders makes those caches hit. There are as many threads as renders
/// ever ran at once (the scheduler bounds that); idle ones just wait.
/// </summary>
internal sealed class RenderThreads : IDisposable
{
    /// <summary>
    /// False when the environment variable <c>RUNWAY_RENDER_THREADS</c> is <c>pool</c>: renders then run on the thread
    /// the call resumed on, as before (kept for A/B measurements).
    /// </summary>
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("RUNWAY_RENDER_THREADS") != "pool";

    private readonly object _gate = new();
    private readonly Stack<Worker> _idle = new();
    private bool _disposed;
    private int _created;

    /// <summary>Threads made so far.</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>Runs <paramref name="work"/> on a render thread, with the caller's execution context.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        Worker worker;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_idle.TryPop(out worker!))
            {
                worker = new Worker(this, Interlocked.Increment(ref _created));
            }
        }
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = ExecutionContext.Capture();
        // The job returns how to complete the caller's task; the worker goes idle first, so a caller that renders
        // again as soon as its await resumes finds this same thread.
        worker.Start(() =>
        {
            try
            {
                T result = default!;
                if (context is null) result = work();
                else ExecutionContext.Run(context, _ => result = work(), null);
                return () => done.SetResult(result);
            }
            catch (OperationCanceledException e)
            {
                return () => done.SetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                return () => done.SetException(e);
            }
        });
        return done.Task;
    }

    private void Idle(Worker worker)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _idle.Push(worker);
                return;
            }
        }
        worker.Stop();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            while (_idle.TryPop(out var worker)) worker.Stop();
        }
    }

    private sealed class Worker
    {
        private readonly RenderThreads _owner;
        private readonly SemaphoreSlim _ready = new(0);
        private Func<Action>? _job;
        private volatile bool _stop;

        public Worker(RenderThreads owner, int number)
        {
            _owner = owner;
            new Thread(Loop) { IsBackground = true, Name = $"runwayd render {number}" }.Start();
        }

        public void Start(Func<Action> job)
        {
            _job = job;
            _ready.Release();
        }

        public void Stop()
        {
            _stop = true;
            _ready.Release();
        }

        private void Loop()
        {
            while (true)
            {
                _ready.Wait();
                if (_stop) return;
                var job = Interlocked.Exchange(ref _job, null);
                var complete = job?.Invoke();
                _owner.Idle(this);
                complete?.Invoke();
            }
        }
    }
}
