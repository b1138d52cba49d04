using System.Diagnostics;

namespace Runway.Models.Runtime;

/// <summary>
/// Time spent inside <c>InferenceSession.Run</c> during one render, so the daemon can report how much of a frame was the
/// model and how much was everything around it (decode, pre/post-processing, scheduling, transport). A render opens a
/// <see cref="Measure"/> scope; every model run inside it, on any thread the render's execution context flows to, adds
/// its time. Runs outside a scope (warm-up, tools) cost one null check.
/// </summary>
public static class InferenceClock
{
    private static readonly AsyncLocal<Scope?> Current = new();

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
        if (Current.Value is { } scope) Interlocked.Add(ref scope.Ticks, Stopwatch.GetTimestamp() - startTimestamp);
    }

    /// <summary>One render's inference time; thread-safe, since tiles may one day run in parallel.</summary>
    public sealed class Scope : IDisposable
    {
        private readonly Scope? _outer;
        internal long Ticks;

        internal Scope(Scope? outer) => _outer = outer;

        /// <summary>Milliseconds inside <c>InferenceSession.Run</c> so far.</summary>
        public double Milliseconds => Interlocked.Read(ref Ticks) * 1000.0 / Stopwatch.Frequency;

        public void Dispose()
        {
            // Nested renders (an effect rendering another) also count towards the outer one.
            if (_outer is not null) Interlocked.Add(ref _outer.Ticks, Interlocked.Read(ref Ticks));
            Current.Value = _outer;
        }
    }
}
