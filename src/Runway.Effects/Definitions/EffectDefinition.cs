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
public sealed record FramesNeeded(int Before, int After);

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
