namespace Runway.Effects.Definitions;

/// <summary>
/// Passthrough: copies Source to Output. Hidden from hosts; it exists so the transport benchmark and conformance tests
/// can measure the frame path with an engine that costs nothing.
/// </summary>
public static class PassthroughDefinition
{
    public const string Id = "com.runwayml.passthrough";
    public const string Label = "Passthrough";
    public const string Group = "Runway";
    public const string Description = "Returns the source unchanged (no-op engine for transport benchmarks and tests).";
    public const int VersionMajor = 1;
    public const int VersionMinor = 0;

    public const string ClipSource = "Source";

    /// <summary>The definition (hidden: not written to effects.json).</summary>
    public static readonly EffectDefinition Definition = new(
        Id, Label, Group, Description, VersionMajor, VersionMinor,
        Contexts: [EffectContext.Filter, EffectContext.General],
        Clips: [new ClipDefinition(ClipSource, "Source", Optional: false, IsMask: false, Components: ["RGBA", "RGB", "Alpha"])],
        Params: [],
        FramesNeeded: new FramesNeeded(0, 0),
        ThreadSafety: ThreadSafety.FullySafe,
        Hidden: true);
}
