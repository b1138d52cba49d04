namespace Runway.Effects.Definitions;

/// <summary>
/// Learned look: applies a colour look (a .cube 3D LUT, possibly with a 1D shaper, learned with <c>runway looks learn</c>
/// or exported from a grading tool) with tetrahedral interpolation on float pixels.
/// </summary>
public static class LearnedLookDefinition
{
    public const string Id = "com.runwayml.learned-look";
    public const string Label = "Learned Look";
    public const string Group = "Runway";
    public const string Description =
        "Applies a colour look learned from before/after examples or a mood board (runway looks learn), or any .cube LUT " +
        "(Adobe or Resolve dialect, 1D shaper + 3D), with tetrahedral interpolation on float input. Values inside the " +
        "look's input range are never clipped; alpha passes through.";
    public const int VersionMajor = 1;
    public const int VersionMinor = 0;

    public const string ClipSource = "Source";

    public const string ParamLook = "look";
    public const string ParamLookLabel = "Look";
    public const string ParamLookHint =
        "A look name (a .cube stored in ~/.config/runway/looks, see runway looks list) or the path of a .cube file. Empty = no look.";

    public const string ParamStrength = "strength";
    public const string ParamStrengthLabel = "Strength";
    public const string ParamStrengthHint = "Mix between the source (0) and the full look (1).";

    /// <summary>The definition described to hosts.</summary>
    public static readonly EffectDefinition Definition = new(
        Id, Label, Group, Description, VersionMajor, VersionMinor,
        Contexts: [EffectContext.Filter, EffectContext.General],
        Clips: [new ClipDefinition(ClipSource, "Source", Optional: false, IsMask: false, Components: ["RGBA", "RGB"])],
        Params:
        [
            new ParamDefinition(ParamLook, ParamLookLabel, ParamKind.String, ParamLookHint, "", Animates: false),
            new ParamDefinition(ParamStrength, ParamStrengthLabel, ParamKind.Double, ParamStrengthHint, 1.0,
                Min: 0, Max: 1, DisplayMin: 0, DisplayMax: 1),
        ],
        FramesNeeded: new FramesNeeded(0, 0),
        ThreadSafety: ThreadSafety.FullySafe);
}
