using Microsoft.Extensions.Logging;
using Runway.Daemon.Arena;
using Runway.Daemon.Diagnostics;
using Runway.Daemon.Errors;
using Runway.Protocol.V1;

namespace Runway.Daemon.Rendering;

/// <summary>
/// One render from request to reply, shared by the slot and inline paths: plan, bind frames, wait for a turn,
/// render with the call's cancellation (and the daemon's, at shutdown), account. Also the daemon's drain point
/// for graceful shutdown.
/// </summary>
internal sealed class RenderPipeline(
    FrameRenderer renderer, ArenaRegistry arenas, SlotLeases leases, RenderScheduler scheduler, DaemonStats stats,
    DaemonOptions options, IdleHeapTrim idleTrim, ILogger<RenderPipeline> logger) : IDisposable
{
    private readonly CancellationTokenSource _shutdown = new();
    private readonly RenderThreads _threads = new();

    // Set before the first frame: frame-sized native buffers stay in the C heap between frames (see NativeHeap).
    private readonly string _nativeHeap = ConfigureNativeHeap(logger);

    private static string ConfigureNativeHeap(ILogger logger)
    {
        var setting = Runway.Models.Runtime.NativeHeap.ConfigureForResidentRendering();
        logger.LogInformation("{NativeHeap}", setting);
        return setting;
    }

    /// <summary>What the native heap setting did in this process (for the log and tests).</summary>
    public string NativeHeapSetting => _nativeHeap;

    /// <summary>Stops the idle render threads (the container disposes the pipeline when the daemon stops).</summary>
    public void Dispose() => _threads.Dispose();

    /// <summary>Stage names of the steps before the frame is decoded (RenderInfo stages).</summary>
    public const string StageBind = "daemon: bind frames", StageWait = "daemon: wait for turn";
    private volatile bool _stopping;

    /// <summary>True once the daemon stopped accepting renders.</summary>
    public bool Stopping => _stopping;

    /// <summary>Validates a request without touching pixels; counts the failure if it does not pass.</summary>
    public RenderPlan Plan(RenderFrameRequest request)
    {
        try
        {
            return renderer.Plan(request);
        }
        catch (RunwayFault)
        {
            stats.Failed(renderer.IsKnown(request.EffectId) ? request.EffectId : null);
            throw;
        }
    }

    /// <summary>
    /// Renders a planned request; inline frames (RenderInline) come in <paramref name="inline"/>. <paramref name="caller"/>
    /// (client identity and deadline) decides the turn among waiting renders; none = anonymous without deadline.
    /// </summary>
    public async Task<RenderFrameResponse> RenderAsync(RenderFrameRequest request, RenderPlan plan, InlineFrames? inline, CancellationToken callToken,
        RenderCaller? caller = null)
    {
        if (_stopping) throw RunwayFault.Stopping("the daemon is shutting down and accepts no new renders");
        stats.RenderStarted();
        try
        {
            var bindStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            using var frames = BoundFrames.Bind(request, plan, arenas, leases, inline);
            var bindMillis = System.Diagnostics.Stopwatch.GetElapsedTime(bindStarted).TotalMilliseconds;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(callToken, _shutdown.Token);
            var ct = linked.Token;
            var waitStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            using var turn = await scheduler.EnterAsync(plan.Class, caller ?? RenderCaller.Anonymous, ct).ConfigureAwait(false);
            var waitMillis = System.Diagnostics.Stopwatch.GetElapsedTime(waitStarted).TotalMilliseconds;
            if (options.RenderDelayMs > 0) await Task.Delay(options.RenderDelayMs, ct).ConfigureAwait(false);

            // On a dedicated render thread, the same one as the previous render when it is idle (see RenderThreads).
            RenderOutcome Run() => renderer.Render(plan, frames.Source.Span, frames.Mask.IsEmpty ? default : frames.Mask.Span,
                frames.Output.Span, ct, frames.Neighbours, frames.Clips);
            var outcome = RenderThreads.Enabled ? await _threads.RunAsync(Run).ConfigureAwait(false) : Run();
            frames.Complete();
            stats.Succeeded(plan.Effect.Id, outcome.DaemonMillis, outcome.Engine);
            logger.LogDebug("Rendered {EffectId} {Width}x{Height} in {Millis:F1} ms ({Engine}, interactive {Interactive})",
                plan.Effect.Id, plan.Source.Width, plan.Source.Height, outcome.DaemonMillis, outcome.Engine, plan.Interactive);
            var info = new RenderInfo
            {
                Engine = outcome.Engine, DaemonMillis = outcome.DaemonMillis, EngineMillis = outcome.EngineMillis, InferenceMillis = outcome.InferenceMillis,
                DaemonCpuMillis = outcome.CpuMillis, DaemonAllocatedBytes = (ulong)Math.Max(0, outcome.AllocatedBytes), DaemonGcs = (uint)Math.Max(0, outcome.Collections),
            };
            info.Notes.AddRange(outcome.Notes);
            // Before decode: binding the frames (arena lookup, leases) and the wait for a render turn.
            info.Stages.Add(new RenderStage { Name = StageBind, Millis = bindMillis, CpuMillis = double.NaN });
            info.Stages.Add(new RenderStage { Name = StageWait, Millis = waitMillis, CpuMillis = double.NaN });
            foreach (var st in outcome.Stages) info.Stages.Add(new RenderStage { Name = st.Name, Millis = st.Millis, CpuMillis = st.CpuMillis });
            return new RenderFrameResponse { Output = request.Output.Descriptor_, Info = info };
        }
        catch
        {
            stats.Failed(plan.Effect.Id);
            throw;
        }
        finally
        {
            stats.RenderEnded();
            idleTrim.RenderEnded();
        }
    }

    /// <summary>
    /// Stops accepting renders. With <paramref name="cancelInFlight"/> the running and queued ones are cancelled;
    /// otherwise they may finish, for up to <paramref name="timeout"/>, after which they are cancelled too.
    /// </summary>
    public async Task DrainAsync(bool cancelInFlight, TimeSpan timeout)
    {
        _stopping = true;
        if (cancelInFlight) await _shutdown.CancelAsync().ConfigureAwait(false);
        var deadline = DateTime.UtcNow + timeout;
        while (stats.InFlight > 0 && DateTime.UtcNow < deadline) await Task.Delay(10).ConfigureAwait(false);
        if (stats.InFlight > 0)
        {
            logger.LogWarning("{Count} renders still running after {Timeout}; cancelling them", stats.InFlight, timeout);
            await _shutdown.CancelAsync().ConfigureAwait(false);
            var hard = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (stats.InFlight > 0 && DateTime.UtcNow < hard) await Task.Delay(10).ConfigureAwait(false);
        }
    }
}
