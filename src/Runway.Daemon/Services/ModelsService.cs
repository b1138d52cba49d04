using Grpc.Core;
using Runway.Daemon.Errors;
using Runway.Models.Runtime;
using Runway.Protocol.V1;
using ModelsRpc = Runway.Protocol.V1.Models;

namespace Runway.Daemon.Services;

/// <summary>Models.List/Load/Unload over the daemon's <see cref="ModelRegistry"/>.</summary>
internal sealed class ModelsService(ModelRegistry registry) : ModelsRpc.ModelsBase
{
    public override Task<ListModelsResponse> List(ListModelsRequest request, ServerCallContext context)
    {
        var response = new ListModelsResponse
        {
            ModelsDirectory = registry.Options.Directory,
            MemoryBudgetBytes = (ulong)registry.Options.MemoryBudgetBytes,
            MemoryResidentBytes = (ulong)registry.ResidentBytes,
        };
        response.Models.AddRange(registry.List().Select(ToInfo));
        return Task.FromResult(response);
    }

    public override async Task<LoadModelResponse> Load(LoadModelRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.Id)) throw RunwayFault.Invalid("the request names no model pack");
        try
        {
            return new LoadModelResponse { Model = ToInfo(await registry.LoadAsync(request.Id, context.CancellationToken).ConfigureAwait(false)) };
        }
        catch (ModelException e)
        {
            throw Fault(e);
        }
    }

    public override Task<UnloadModelResponse> Unload(UnloadModelRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.Id)) throw RunwayFault.Invalid("the request names no model pack");
        try
        {
            return Task.FromResult(new UnloadModelResponse { Unloaded = registry.Unload(request.Id) });
        }
        catch (ModelException e)
        {
            throw Fault(e);
        }
    }

    private static RunwayFault Fault(ModelException e) => e.Kind switch
    {
        ModelErrorKind.NotFound => new RunwayFault(StatusCode.NotFound, Reasons.ModelMissing, e.Message),
        ModelErrorKind.OverBudget => RunwayFault.Exhausted(e.Message),
        _ => new RunwayFault(StatusCode.FailedPrecondition, Reasons.InvalidArgument, e.Message),
    };

    private static ModelInfo ToInfo(ModelStatus m) => new()
    {
        Id = m.Id,
        EffectId = m.Effect ?? "",
        Version = m.Version ?? "",
        LicenceSpdx = m.Licence?.Spdx ?? "",
        CommercialUse = m.Licence?.CommercialUse ?? false,
        State = m.State.ToString().ToLowerInvariant(),
        Error = m.Error ?? "",
        ExecutionProvider = m.Provider ?? "",
        MemoryBytes = (ulong)Math.Max(0, m.MemoryBytes),
        Priority = m.Priority,
        Path = m.Directory,
        LoadMillis = m.LoadMillis,
        WarmupMillis = m.WarmupMillis,
        Runs = (ulong)m.Runs,
    };
}
