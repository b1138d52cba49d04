using System.Threading.Channels;
using Grpc.Core;
using Runway.Daemon.Errors;
using Runway.Effects.Engines.Looks;
using Runway.Protocol.V1;
using LooksRpc = Runway.Protocol.V1.Looks;
using WireProgress = Runway.Protocol.V1.LearnLookProgress;

namespace Runway.Daemon.Services;

/// <summary>
/// Looks.Learn: learns a colour look as a daemon job (<see cref="LookLearner"/>) on a worker thread, streaming progress
/// and then the result. The fit observes the call's cancellation token, so a client that cancels stops the solver
/// within an iteration; bad input is answered with InvalidArgument before any pixel is read where possible.
/// </summary>
internal sealed class LooksService : LooksRpc.LooksBase
{
    private static int s_running;

    /// <summary>Learning jobs whose worker is still running (process-wide), so tests can see a cancelled fit stop.</summary>
    internal static int RunningJobs => Volatile.Read(ref s_running);

    public override async Task Learn(LearnLookRequest request, IServerStreamWriter<WireProgress> responseStream, ServerCallContext context)
    {
        var job = new LookLearnJob
        {
            Before = [.. request.BeforePaths],
            After = [.. request.AfterPaths],
            MoodBoard = [.. request.MoodboardPaths],
            Sources = [.. request.SourcePaths],
            Size = request.Size == 0 ? 33 : (int)Math.Min(request.Size, int.MaxValue),
            Shaper = request.Shaper,
            Smoothness = request.HasSmoothness ? request.Smoothness : null,
            OutputPath = request.OutputPath,
            Title = string.IsNullOrEmpty(request.Title) ? null : request.Title,
            Generalise = request.Generalise,
        };
        try
        {
            LookLearner.Validate(job);
        }
        catch (ArgumentException e)
        {
            throw RunwayFault.Invalid(e.Message);
        }

        // Progress goes through a channel so a slow reader never stalls the fit; reports are few (one per image, lattice
        // level, robust round and cross-validation fit), so none is dropped and every stage is seen. The writer loop
        // below is the only caller of the response stream.
        var updates = Channel.CreateUnbounded<WireProgress>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var ct = context.CancellationToken;
        Interlocked.Increment(ref s_running);
        var work = Task.Run(() =>
        {
            try
            {
                return LookLearner.Learn(job, new Relay(updates.Writer), ct);
            }
            finally
            {
                updates.Writer.TryComplete();
                Interlocked.Decrement(ref s_running);
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var p in updates.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(new WireProgress { Fraction = p.Fraction, Stage = p.Stage }, ct).ConfigureAwait(false);
            }
            var r = await work.ConfigureAwait(false);
            await responseStream.WriteAsync(new WireProgress
            {
                Fraction = 1,
                Stage = LookLearner.StageDone,
                Result = new LearnLookResult
                {
                    OutputPath = r.OutputPath,
                    Size = (uint)r.Size,
                    Kind = r.Kind,
                    Samples = (ulong)r.Samples,
                    RmsResidual = r.RmsResidual,
                    MedianResidual = r.MedianResidual,
                    Outliers = (ulong)r.Outliers,
                    MeanDeltaE2000 = r.MeanDeltaE2000,
                    Seconds = r.Seconds,
                    Note = r.Note,
                },
            }, ct).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            // Found while loading: undecodable image, pair size mismatch.
            throw RunwayFault.Invalid(e.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Let the worker finish unwinding (it stops at its next cancellation check) before the call ends.
            try { await work.ConfigureAwait(false); } catch (OperationCanceledException) { } catch (ArgumentException) { }
            throw RunwayFault.Cancelled("look learning cancelled by the client");
        }
    }

    private sealed class Relay(ChannelWriter<WireProgress> writer) : IProgress<LookLearnProgress>
    {
        public void Report(LookLearnProgress value) =>
            writer.TryWrite(new WireProgress { Fraction = value.Fraction, Stage = value.Stage });
    }
}
