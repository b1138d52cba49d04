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
    public const int VersionMinor = 1;

    public const string ClipSource = "Source";

    public const string ParamLook = "look";
    public const string ParamLookLabel = "Look";
    public const string ParamLookHint =
        "A look name (a .cube stored in ~/.config/runway/looks, see runway looks list) or the path of a .cube file. Empty = no look.";

    public const string ParamStrength = "strength";
    public const string ParamStrengthLabel = "Strength";
    public const string ParamStrengthHint = "Mix between the source (0) and the full look (1).";

    public const string ParamShaper = "shaper";
    public const string ParamShaperLabel = "Input Shaper";
    public const string ParamShaperHint =
        "What maps the input onto the look's 3D lattice: the look's own (its 1D shaper, or none), none (0..1, above clamps), " +
        "a linear range (Range Min..Max) or log2 stops around 0.18 (Stops Min..Max) so HDR/log values above 1 are graded, not clamped.";
    public const string ShaperFromLook = "look";
    public const string ShaperNone = "none";
    public const string ShaperLinear = "linear";
    public const string ShaperLog2 = "log2";

    public const string ParamRangeMin = "rangeMin";
    public const string ParamRangeMax = "rangeMax";
    public const string ParamStopsMin = "stopsMin";
    public const string ParamStopsMax = "stopsMax";

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
            new ParamDefinition(ParamShaper, ParamShaperLabel, ParamKind.Choice, ParamShaperHint, ShaperFromLook,
                Options:
                [
                    new ChoiceOption(ShaperFromLook, "From Look"),
                    new ChoiceOption(ShaperNone, "None (0..1)"),
                    new ChoiceOption(ShaperLinear, "Linear Range"),
                    new ChoiceOption(ShaperLog2, "Log2 Stops around 0.18"),
                ], Animates: false),
            new ParamDefinition(ParamRangeMin, "Range Min", ParamKind.Double, "Linear shaper: input value at the lattice's first node.", 0.0,
                Min: -1000, Max: 1000, DisplayMin: -1, DisplayMax: 1, Animates: false),
            new ParamDefinition(ParamRangeMax, "Range Max", ParamKind.Double, "Linear shaper: input value at the lattice's last node.", 1.0,
                Min: -1000, Max: 1000, DisplayMin: 0, DisplayMax: 16, Animates: false),
            new ParamDefinition(ParamStopsMin, "Stops Min", ParamKind.Double, "Log2 shaper: stops below 0.18 at the lattice's first node.", -8.0,
                Min: -32, Max: 32, DisplayMin: -16, DisplayMax: 0, Animates: false),
            new ParamDefinition(ParamStopsMax, "Stops Max", ParamKind.Double, "Log2 shaper: stops above 0.18 at the lattice's last node.", 8.0,
                Min: -32, Max: 32, DisplayMin: 0, DisplayMax: 16, Animates: false),
        ],
        FramesNeeded: new FramesNeeded(0, 0),
        ThreadSafety: ThreadSafety.FullySafe);
}
