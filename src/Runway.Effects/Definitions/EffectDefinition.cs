namespace Runway.Effects.Definitions;

/// <summary>OFX render thread safety, as declared to hosts.</summary>
public enum ThreadSafety { Unsafe, InstanceSafe, FullySafe }

/// <summary>OFX contexts an effect is described in.</summary>
public enum EffectContext { Filter, General }

/// <summary>One input clip of an effect (the Output clip is implicit).</summary>
/// <param name="IsMask">Declared to hosts as a mask clip (OfxImageClipPropIsMask).</param>
/// <param name="Components">Accepted components, e.g. "RGBA", "RGB", "Alpha".</param>
public sealed record ClipDefinition(string Name, string Label, bool Optional, bool IsMask, IReadOnlyList<string> Components, string Hint = "");

/// <summary>Frames an effect needs around the rendered time on its Source clip (0,0 = this frame only).</summary>
/// <param name="Before">Most frames before the rendered time.</param>
/// <param name="After">Most frames after the rendered time.</param>
/// <param name="LimitParam">An integer param whose value at the render time caps the frames on each side (e.g. a
/// temporal window), so hosts are asked for, and the shim sends, only the frames the settings use; null = always
/// <see cref="Before"/>/<see cref="After"/>.</param>
/// <param name="InteractiveLimit">Cap on each side for interactive/draft renders, whose engines use fewer frames;
/// null = no separate cap.</param>
public sealed record FramesNeeded(int Before, int After, string? LimitParam = null, int? InteractiveLimit = null);

/// <summary>
/// The single definition of an effect: what the OFX shim describes to hosts (via effects.json), what the CLI lists,
/// and what the daemon validates requests against.
/// </summary>
/// <param name="IdentityWithoutMask">With no mask the effect returns its source: the shim answers IsIdentity itself
/// and skips the daemon round trip.</param>
public sealed record EffectDefinition(
    string Id,
    string Label,
    string Group,
    string Description,
    int VersionMajor,
    int VersionMinor,
    IReadOnlyList<EffectContext> Contexts,
    IReadOnlyList<ClipDefinition> Clips,
    IReadOnlyList<ParamDefinition> Params,
    FramesNeeded FramesNeeded,
    ThreadSafety ThreadSafety,
    bool Hidden = false,
    bool IdentityWithoutMask = false)
{
    /// <summary>The last segment of the identifier, e.g. "inpaint" for "com.runwayml.inpaint".</summary>
    public string ShortName => Id[(Id.LastIndexOf('.') + 1)..];

    public ParamDefinition? FindParam(string name) => Params.FirstOrDefault(p => p.Name == name);
}
