using Grpc.Core;
using Runway.Daemon.Diagnostics;
using Runway.Protocol.V1;
using EffectsRpc = Runway.Protocol.V1.Effects;

namespace Runway.Daemon.Services;

/// <summary>Effects.Describe: the same effects.json the OFX bundle ships, generated from the C# definitions.</summary>
internal sealed class EffectsService : EffectsRpc.EffectsBase
{
    public override Task<DescribeResponse> Describe(DescribeRequest request, ServerCallContext context) =>
        Task.FromResult(new DescribeResponse { EffectsJson = Runway.Effects.EffectCatalog.ToJson(), DaemonVersion = DaemonState.Version });
}
