using System.Diagnostics;

namespace Runway.Models.Runtime;

/// <summary>One timed step of a render: wall time and the process CPU time (all threads) spent meanwhile, milliseconds.</summary>
/// <param name="CpuMillis">Process CPU time during the step: above the step's own parallelism it shows that something
/// else in the process (a spinning thread pool, the GC) ran meanwhile. NaN when the step was timed without it.</param>
public readonly record struct StageTiming(string Name, double Millis, double CpuMillis);

/// <summary>
/// Time spent inside <c>InferenceSession.Run</c> during one render, so the daemon can report how much of a frame was the
/// model and how much was everything around it (decode, pre/post-processing, scheduling, transport). A render opens a
/// <see cref="Measure"/> scope; every model run inside it, on any thread the render's execution context flows to, adds
/// its time. Runs outside a scope (warm-up, tools) cost one null check.
/// </summary>
/// <remarks>
/// The scope also keeps named steps (<see cref="Stage"/>): pack acquisition, encode, inference, decode, matte
/// finishing… so RenderInfo can say where a frame's time went without a profiler. A step costs two timestamps, two
/// getrusage calls and, at most once per name and render, one list entry.
/// </remarks>
public static class InferenceClock
{
    private static readonly AsyncLocal<Scope?> Current = new();

    /// <summary>Stage name of the time inside <c>InferenceSession.Run</c> (what <see cref="Scope.Milliseconds"/> counts).</summary>
    public const string InferenceStage = "inference";

    /// <summary>Starts counting for the calling render; dispose the scope to stop (the previous scope, if any, resumes).</summary>
    public static Scope Measure()
    {
        var scope = new Scope(Current.Value);
        Current.Value = scope;
        return scope;
    }

    /// <summary>Adds a model run that started at <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>) to the open scope.</summary>
    public static void AddRunSince(long startTimestamp)
    {
        if (Current.Value is { } scope) scope.AddRun(Stopwatch.GetTimestamp() - startTimestamp, double.NaN);
    }

    /// <summary>Starts timing a model run; disposing the result adds it to the open scope's inference time and stage.</summary>
    public static StageTimer StartRun() => new(Current.Value, InferenceStage, run: true);

    /// <summary>
    /// Times a named step of the current render until the returned value is disposed (once); repeated names (tiles)
    /// add up. Without an open scope it costs one AsyncLocal read.
    /// </summary>
    public static StageTimer Stage(string name) => new(Current.Value, name, run: false);

    /// <summary>Adds <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>) to now as stage <paramref name="name"/> of the open scope.</summary>
    public static void AddStageSince(string name, long startTimestamp) =>
        Current.Value?.AddStage(name, Stopwatch.GetTimestamp() - startTimestamp, double.NaN);

    private static double ProcessCpuMillis() => Environment.CpuUsage.TotalTime.TotalMilliseconds;

    /// <summary>A running step (see <see cref="Stage"/>, <see cref="StartRun"/>): wall time and process CPU time.</summary>
    public readonly struct StageTimer : IDisposable
    {
        private readonly Scope? _scope;
        private readonly string _name;
        private readonly bool _run;
        private readonly long _started;
        private readonly double _cpuStarted;

        internal StageTimer(Scope? scope, string name, bool run)
        {
            _scope = scope;
            _name = name;
            _run = run;
            _cpuStarted = scope is null ? 0 : ProcessCpuMillis();
            _started = scope is null ? 0 : Stopwatch.GetTimestamp();
        }

        public void Dispose()
        {
            if (_scope is null) return;
            var ticks = Stopwatch.GetTimestamp() - _started;
            var cpu = ProcessCpuMillis() - _cpuStarted;
            if (_run) _scope.AddRun(ticks, cpu);
            else _scope.AddStage(_name, ticks, cpu);
        }
    }

    /// <summary>One render's inference time and steps; thread-safe, since tiles may one day run in parallel.</summary>
    public sealed class Scope : IDisposable
    {
        private readonly Scope? _outer;
        private readonly List<(string Name, long Ticks, double Cpu)> _stages = [];
        private long _ticks;

        internal Scope(Scope? outer) => _outer = outer;

        /// <summary>Milliseconds inside <c>InferenceSession.Run</c> so far.</summary>
        public double Milliseconds => Interlocked.Read(ref _ticks) * 1000.0 / Stopwatch.Frequency;

        /// <summary>Named steps so far, in the order each name was first seen.</summary>
        public IReadOnlyList<StageTiming> Stages
        {
            get
            {
                lock (_stages) return _stages.Select(s => new StageTiming(s.Name, s.Ticks * 1000.0 / Stopwatch.Frequency, s.Cpu)).ToArray();
            }
        }

        internal void AddRun(long ticks, double cpuMillis)
        {
            Interlocked.Add(ref _ticks, ticks);
            AddStage(InferenceStage, ticks, cpuMillis);
        }

        internal void AddStage(string name, long ticks, double cpuMillis)
        {
            lock (_stages)
            {
                for (var i = 0; i < _stages.Count; i++)
                {
                    if (!string.Equals(_stages[i].Name, name, StringComparison.Ordinal)) continue;
                    _stages[i] = (name, _stages[i].Ticks + ticks, _stages[i].Cpu + cpuMillis);
                    return;
                }
                _stages.Add((name, ticks, cpuMillis));
            }
        }

        public void Dispose()
        {
            // Nested renders (an effect rendering another) also count towards the outer one, steps merged by name.
            if (_outer is not null)
            {
                Interlocked.Add(ref _outer._ticks, Interlocked.Read(ref _ticks));
                lock (_stages)
                {
                    foreach (var (name, ticks, cpu) in _stages) _outer.AddStage(name, ticks, cpu);
                }
            }
            Current.Value = _outer;
        }
    }
}
