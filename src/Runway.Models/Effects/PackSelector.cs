using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Models.Packs;
using Runway.Models.Runtime;

namespace Runway.Models.Effects;

/// <summary>How one candidate pack suits one frame.</summary>
/// <param name="Pack">The candidate.</param>
/// <param name="Fits">True when its contract can render this frame itself (rather than handing it to the classical engine).</param>
/// <param name="Reason">Why, in words, for the render notes.</param>
public sealed record PackFit(ModelPack Pack, bool Fits, string Reason);

/// <summary>A pack leased for one frame, and the note that says why it was chosen (null when it was the only candidate).</summary>
public sealed class PackSelection(ModelLease lease, string? note) : IDisposable
{
    /// <summary>The chosen pack's lease; disposing the selection releases it.</summary>
    public ModelLease Lease { get; } = lease;

    /// <summary>"model pack 'x' chosen …" when several packs serve the effect; null otherwise.</summary>
    public string? Note { get; } = note;

    public void Dispose() => Lease.Dispose();
}

/// <summary>
/// Picks the pack for one frame when several serve an effect. Packs whose contract can render the frame itself come
/// first, each group by priority: for the rotoscope, a promptable-segmentation pack when the frame has point or
/// rectangle prompts (and no hint matte), a salient-matte or video-matting pack when it has no hint at all; for style
/// transfer, a style-arbitrary pack only with the Reference clip connected. Without this, the highest-priority pack
/// would shadow the others: a salient pack would send every prompted frame to the classical engine even with a
/// promptable pack installed. When no pack fits, the highest-priority one is still chosen, so the effect's own checks
/// say why the classical engine renders, as with a single pack.
/// </summary>
public static class PackSelector
{
    /// <summary>
    /// The candidates (best first by priority, as <see cref="ModelRegistry.Candidates"/> gives them) reordered for this
    /// frame: fitting packs first, then the rest, each group keeping the priority order.
    /// </summary>
    public static IReadOnlyList<PackFit> Rank(IReadOnlyList<ModelPack> candidates, EffectFrame frame)
    {
        var hints = FrameHints.Of(frame);
        var judged = candidates.Select(p => Judge(p, hints)).ToList();
        return [.. judged.Where(j => j.Fits), .. judged.Where(j => !j.Fits)];
    }

    /// <summary>
    /// A lease on the best pack for this frame (see <see cref="Rank"/>), loading it if needed; a pack that fails to load
    /// is skipped (its reason goes to <paramref name="failures"/>) and the next is tried. Null when none can serve.
    /// </summary>
    public static PackSelection? Acquire(ModelRegistry registry, string effectId, EffectFrame frame, List<string>? failures, CancellationToken ct)
    {
        var ranked = Rank(registry.Candidates(effectId), frame);
        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var choice in ranked)
        {
            ModelLease lease;
            try
            {
                lease = registry.Acquire(choice.Pack.Id, ct);
            }
            catch (ModelException e)
            {
                failures?.Add(e.Message);
                failed[choice.Pack.Id] = e.Message;
                continue;
            }
            return new PackSelection(lease, ranked.Count > 1 ? Note(choice, ranked, failed) : null);
        }
        return null;
    }

    /// <summary>Whether <paramref name="pack"/>'s contract renders a frame with these hints itself, and why.</summary>
    internal static PackFit Judge(ModelPack pack, FrameHints hints)
    {
        switch (pack.Contract)
        {
            case ModelContracts.PromptableSegmentation:
                if (hints.Matte) return new(pack, false, "a hint matte is given at this frame (the classical engine keys from it)");
                return hints.Prompts is { } prompts
                    ? new(pack, true, $"promptable segmentation for a frame with prompts ({prompts})")
                    : new(pack, false, "no rectangle or points to prompt it at this frame");
            case ModelContracts.SalientMatte or ModelContracts.VideoMatting:
                return hints.Any is { } given
                    ? new(pack, false, $"it mattes hint-less frames only and this one has hints ({given})")
                    : new(pack, true, $"{pack.Contract} for a frame without hints");
            case ModelContracts.StyleArbitrary:
                return hints.Reference
                    ? new(pack, true, "style-arbitrary with the Reference clip connected")
                    : new(pack, false, $"it needs the {ModelContracts.ReferenceClip} clip, which is not connected");
            default:
                return new(pack, true, pack.Contract is { } contract ? $"{contract} serves every frame" : "it serves every frame");
        }
    }

    private static string Note(PackFit chosen, IReadOnlyList<PackFit> ranked, IReadOnlyDictionary<string, string> failed)
    {
        string Why(PackFit r) => failed.TryGetValue(r.Pack.Id, out var error) ? $": failed to load: {error}"
            : r.Fits ? ", fits too but ranks lower" : $": {r.Reason}";
        var others = ranked.Where(r => !ReferenceEquals(r, chosen)).Select(r => $"'{r.Pack.Id}' ({Describe(r.Pack)}{Why(r)})");
        var why = chosen.Fits ? chosen.Reason : $"no pack fits this frame ({chosen.Reason}), so the highest priority one is used";
        return $"model pack '{chosen.Pack.Id}' ({Describe(chosen.Pack)}) chosen for this frame: {why}; other candidates: {string.Join(", ", others)}";
    }

    private static string Describe(ModelPack pack) =>
        $"{pack.Contract ?? "no contract"}, priority {pack.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>The hints a frame gives a model pack: the rotoscope's hint matte, rectangle and points, and the Reference clip.</summary>
/// <param name="Matte">A mask clip (the rotoscope's hint matte) is connected.</param>
/// <param name="Rectangle">The rotoscope's rectangle is enabled.</param>
/// <param name="Points">Enabled subject or background points.</param>
/// <param name="Reference">The Reference clip is connected.</param>
internal readonly record struct FrameHints(bool Matte, bool Rectangle, int Points, bool Reference)
{
    /// <summary>"points, rectangle" when the frame has prompts; null when it has none.</summary>
    public string? Prompts => Join(Points > 0 ? "points" : null, Rectangle ? "rectangle" : null);

    /// <summary>Every rotoscope hint given, or null.</summary>
    public string? Any => Join(Matte ? "mask clip" : null, Rectangle ? "rectangle" : null, Points > 0 ? "points" : null);

    public static FrameHints Of(EffectFrame frame)
    {
        var p = frame.Params;
        // Effects without the rotoscope's params simply have no prompts.
        bool On(string name) => p.Definition.Params.Any(d => d.Name == name && d.Kind == ParamKind.Boolean) && p.Boolean(name);
        var points = 0;
        for (var i = 1; i <= RotoscopeDefinition.PointCount; i++)
        {
            if (On(RotoscopeDefinition.ParamPositiveEnable(i))) points++;
            if (On(RotoscopeDefinition.ParamNegativeEnable(i))) points++;
        }
        return new FrameHints(frame.Mask is not null, On(RotoscopeDefinition.ParamUseRect), points, frame.Clips.ContainsKey(ModelContracts.ReferenceClip));
    }

    private static string? Join(params string?[] parts) =>
        parts.Where(x => x is not null).ToArray() is { Length: > 0 } given ? string.Join(", ", given) : null;
}
