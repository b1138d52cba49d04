using Grpc.Core;
using Microsoft.Extensions.Logging;
using Runway.Daemon.Arena;
using Runway.Daemon.Diagnostics;
using Runway.Daemon.Errors;
using Runway.Daemon.Hosting;
using Runway.Daemon.Rendering;
using Runway.Models.Runtime;
using Runway.Protocol;
using Runway.Protocol.V1;
using DaemonRpc = Runway.Protocol.V1.Daemon;

namespace Runway.Daemon.Services;

/// <summary>Daemon.Hello/Health/Stats/Shutdown.</summary>
internal sealed class DaemonService(
    DaemonState state, DaemonStats stats, ArenaRegistry arenas, PeerGuard peers, RenderPipeline pipeline, RenderScheduler scheduler,
    ModelRegistry models, IdleHeapTrim idleTrim, ILogger<DaemonService> logger)
    : DaemonRpc.DaemonBase
{
    public override Task<HelloResponse> Hello(HelloRequest request, ServerCallContext context)
    {
        if (request.ProtocolVersion != ProtocolInfo.Version)
        {
            logger.LogWarning("Client {ClientName} (pid {ClientPid}) speaks protocol {ClientVersion}; refused",
                request.ClientName, request.ClientPid, request.ProtocolVersion);
            throw ProtocolVersionInterceptor.Mismatch(request.ProtocolVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        logger.LogInformation("Hello from {ClientName} (pid {ClientPid})", request.ClientName, request.ClientPid);
        return Task.FromResult(new HelloResponse
        {
            ProtocolVersion = ProtocolInfo.Version,
            DaemonVersion = DaemonState.Version,
            DaemonPid = Environment.ProcessId,
        });
    }

    public override Task<HealthResponse> Health(HealthRequest request, ServerCallContext context)
    {
        var response = new HealthResponse
        {
            Status = pipeline.Stopping ? "stopping" : "serving",
            DaemonVersion = DaemonState.Version,
            ProtocolVersion = ProtocolInfo.Version,
            Pid = Environment.ProcessId,
            UptimeSeconds = state.Uptime.TotalSeconds,
            SocketPath = state.Options.SocketPath,
            LogPath = state.Options.LogPath,
        };
        response.ExecutionProviders.AddRange(state.ExecutionProviders);
        return Task.FromResult(response);
    }

    public override Task<StatsResponse> Stats(StatsRequest request, ServerCallContext context)
    {
        arenas.SweepOrphans();
        var response = new StatsResponse
        {
            FramesRendered = (ulong)stats.Frames,
            RenderFailures = (ulong)stats.Failures,
            RendersInFlight = (uint)Math.Max(0, stats.InFlight),
            ArenasRegistered = (uint)arenas.Count,
            ClientsConnected = (uint)peers.Count,
            WorkingSetBytes = (ulong)Environment.WorkingSet,
            RendersQueued = (uint)scheduler.Queued,
            IdleHeapTrims = (ulong)idleTrim.Trims,
            IdleHeapTrimReleasedBytes = (ulong)idleTrim.LastReleasedBytes,
        };
        response.Effects.AddRange(stats.Effects());
        foreach (var m in models.RunStatistics())
        {
            var c = m.Counts;
            response.Models.Add(new ModelStats
            {
                ModelId = m.Id, Frames = (ulong)c.Frames, Runs = (ulong)c.Runs, BatchedRuns = (ulong)c.BatchedRuns,
                BatchedRequests = (ulong)c.BatchedRequests, Requests = (ulong)c.Requests, MeanBatchSize = c.MeanBatchSize,
                LargestBatch = (uint)c.LargestBatch, MaxBatch = (uint)m.MaxBatch,
            });
        }
        return Task.FromResult(response);
    }

    public override Task<ShutdownResponse> Shutdown(ShutdownRequest request, ServerCallContext context)
    {
        logger.LogInformation("Shutdown requested over gRPC (cancel in flight: {CancelInFlight})", request.CancelInFlight);
        // The stop runs in the background so this reply still reaches the caller before the listener closes.
        _ = state.RequestStop(request.CancelInFlight);
        return Task.FromResult(new ShutdownResponse());
    }
}
