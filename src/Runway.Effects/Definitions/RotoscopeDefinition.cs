namespace Runway.Effects.Definitions;

/// <summary>
/// Rotoscope: a matte of one subject across a shot, from a hint matte at one or more keyframes and/or a rectangle and
/// positive/negative points. The constants below are the effect's whole public face: the OFX shim, the CLI and the
/// daemon all read them.
/// </summary>
/// <remarks>
/// Positions (rectangle, points) are in pixels at full resolution with the origin at the top-left corner of the frame
/// and y pointing down, the orientation of the working image.
/// </remarks>
public static class RotoscopeDefinition
{
    public const string Id = "com.runwayml.rotoscope";
    public const string Label = "Rotoscope";
    public const string Group = "Runway";
    public const string Description =
        "Cuts a subject out across a shot. Hint it with a matte on one or more keyframes (any frame whose mask is not empty " +
        "is a keyframe), and/or a rectangle around the subject and points on it (positive) or off it (negative). Between " +
        "keyframes the matte follows the picture's motion and is re-fitted to the subject's colours on every frame; edges " +
        "are softened along the picture's own edges. The result goes into alpha, or is shown as a black-and-white matte.";
    public const int VersionMajor = 1;
    public const int VersionMinor = 0;

    public const string ClipSource = "Source";
    public const string ClipMask = "Mask";
    public const string ClipMaskHint = "hint matte: white/opaque = subject, on keyframes only";

    public const string ParamUseRect = "useRect";
    public const string ParamUseRectLabel = "Use Rectangle";
    public const string ParamUseRectHint = "Use the rectangle as a hint: everything outside it is background.";

    public const string ParamRectCentre = "rectCentre";
    public const string ParamRectCentreLabel = "Rectangle Centre";
    public const string ParamRectCentreHint = "Centre of the rectangle around the subject: in a host, a point in the viewer; on the command line, pixels from the top-left corner.";

    public const string ParamRectSize = "rectSize";
    public const string ParamRectSizeLabel = "Rectangle Size";
    public const string ParamRectSizeHint = "Width and height of the rectangle around the subject, in pixels.";

    /// <summary>How many positive and how many negative points there are.</summary>
    public const int PointCount = 3;

    /// <summary>Name of positive point <paramref name="i"/> (1-based) position param.</summary>
    public static string ParamPositivePoint(int i) => $"positivePoint{i}";

    /// <summary>Name of positive point <paramref name="i"/> (1-based) enable param.</summary>
    public static string ParamPositiveEnable(int i) => $"positivePoint{i}Enabled";

    /// <summary>Name of negative point <paramref name="i"/> (1-based) position param.</summary>
    public static string ParamNegativePoint(int i) => $"negativePoint{i}";

    /// <summary>Name of negative point <paramref name="i"/> (1-based) enable param.</summary>
    public static string ParamNegativeEnable(int i) => $"negativePoint{i}Enabled";

    public const string ParamPositiveHint = "A point on the subject (when enabled): in a host, a point in the viewer; on the command line, pixels from the top-left corner.";
    public const string ParamNegativeHint = "A point on the background (when enabled): in a host, a point in the viewer; on the command line, pixels from the top-left corner.";

    public const string ParamPropagate = "propagate";
    public const string ParamPropagateLabel = "Propagate";
    public const string ParamPropagateHint =
        "Carry keyframe mattes to the frames between and around them, following the picture's motion. Off: each frame " +
        "uses only its own hints (mask, rectangle, points).";

    public const string ParamWindow = "window";
    public const string ParamWindowLabel = "Search Window";
    public const string ParamWindowHint =
        "Frames on each side searched for keyframes. A render that goes through the shot in order carries the matte on " +
        "from frame to frame, so keyframes further away still reach it then.";

    /// <summary>Largest search window: the most frames needed on each side.</summary>
    public const int MaxWindow = 8;

    /// <summary>Search window of interactive renders: the nearest frame on each side (plus what is cached).</summary>
    public const int InteractiveWindow = 1;

    public const string ParamRefineRadius = "refineRadius";
    public const string ParamRefineRadiusLabel = "Edge Refine Radius";
    public const string ParamRefineRadiusHint =
        "Radius, in pixels, of the edge refinement that lets the matte follow soft edges (hair, motion blur) in the picture. 0 = hard edges.";

    public const string ParamChoke = "choke";
    public const string ParamChokeLabel = "Choke";
    public const string ParamChokeHint = "Shrinks (positive) or grows (negative) the matte by this many pixels.";

    public const string ParamFeather = "feather";
    public const string ParamFeatherLabel = "Feather";
    public const string ParamFeatherHint = "Blurs the matte's edge over about this many pixels.";

    public const string ParamHoldOut = "holdOut";
    public const string ParamHoldOutLabel = "Hold-out";
    public const string ParamHoldOutHint = "Invert the matte: keep everything except the subject.";

    public const string ParamOutput = "output";
    public const string ParamOutputLabel = "Output";
    public const string ParamOutputHint =
        "Alpha: the picture with the matte as its alpha (the host premultiplies if it wants). Matte: the matte as a black-and-white picture.";
    public const string OutputAlpha = "alpha";
    public const string OutputMatte = "matte";

    public const string ParamThreshold = "threshold";
    public const string ParamThresholdLabel = "Hint Threshold";
    public const string ParamThresholdHint = "Hint-matte values above this mark the subject (alpha when the mask's alpha varies, else luminance).";

    /// <summary>The definition described to hosts.</summary>
    public static readonly EffectDefinition Definition = new(
        Id, Label, Group, Description, VersionMajor, VersionMinor,
        Contexts: [EffectContext.Filter, EffectContext.General],
        Clips:
        [
            new ClipDefinition(ClipSource, "Source", Optional: false, IsMask: false, Components: ["RGBA", "RGB"]),
            new ClipDefinition(ClipMask, "Hint Matte", Optional: true, IsMask: true, Components: ["RGBA", "Alpha"], Hint: ClipMaskHint),
        ],
        Params: BuildParams(),
        FramesNeeded: new FramesNeeded(MaxWindow, MaxWindow, ParamWindow, InteractiveWindow),
        // Per-instance propagation state is shared between threads under a lock; renders of one instance are safe to
        // run concurrently, but a sequential render is what carries the matte furthest.
        ThreadSafety: ThreadSafety.FullySafe,
        Overlays: BuildOverlays());

    private static OverlayHandle[] BuildOverlays()
    {
        var on = new[] { "true" };
        var list = new List<OverlayHandle>
        {
            new(OverlayShape.Rectangle, ParamRectCentre, ParamRectSize, new OverlayCondition(ParamUseRect, on)),
        };
        for (var i = 1; i <= PointCount; i++)
            list.Add(new(OverlayShape.Point, ParamPositivePoint(i), VisibleWhen: new OverlayCondition(ParamPositiveEnable(i), on), Role: OverlayRole.Include));
        for (var i = 1; i <= PointCount; i++)
            list.Add(new(OverlayShape.Point, ParamNegativePoint(i), VisibleWhen: new OverlayCondition(ParamNegativeEnable(i), on), Role: OverlayRole.Exclude));
        return [.. list];
    }

    private static ParamDefinition[] BuildParams()
    {
        var list = new List<ParamDefinition>
        {
            new(ParamUseRect, ParamUseRectLabel, ParamKind.Boolean, ParamUseRectHint, false),
            new(ParamRectCentre, ParamRectCentreLabel, ParamKind.Double2D, ParamRectCentreHint, new[] { 960.0, 540.0 }, Spatial: true,
                Coordinates: ParamCoordinates.Position),
            new(ParamRectSize, ParamRectSizeLabel, ParamKind.Double2D, ParamRectSizeHint, new[] { 640.0, 720.0 }, Spatial: true,
                Coordinates: ParamCoordinates.Size),
        };
        for (var i = 1; i <= PointCount; i++)
        {
            list.Add(new(ParamPositiveEnable(i), $"Positive Point {i}", ParamKind.Boolean, "Use this positive point.", false, Page: "Points"));
            list.Add(new(ParamPositivePoint(i), $"Positive Point {i} Position", ParamKind.Double2D, ParamPositiveHint, new[] { 960.0, 540.0 },
                Spatial: true, Page: "Points", Coordinates: ParamCoordinates.Position));
        }
        for (var i = 1; i <= PointCount; i++)
        {
            list.Add(new(ParamNegativeEnable(i), $"Negative Point {i}", ParamKind.Boolean, "Use this negative point.", false, Page: "Points"));
            list.Add(new(ParamNegativePoint(i), $"Negative Point {i} Position", ParamKind.Double2D, ParamNegativeHint, new[] { 100.0, 100.0 },
                Spatial: true, Page: "Points", Coordinates: ParamCoordinates.Position));
        }
        list.AddRange(
        [
            new(ParamPropagate, ParamPropagateLabel, ParamKind.Boolean, ParamPropagateHint, true, Animates: false),
            new(ParamWindow, ParamWindowLabel, ParamKind.Integer, ParamWindowHint, 2L,
                Min: 0, Max: MaxWindow, DisplayMin: 0, DisplayMax: MaxWindow, Animates: false),
            new(ParamRefineRadius, ParamRefineRadiusLabel, ParamKind.Double, ParamRefineRadiusHint, 4.0,
                Min: 0, Max: 64, DisplayMin: 0, DisplayMax: 16, Spatial: true),
            new(ParamChoke, ParamChokeLabel, ParamKind.Double, ParamChokeHint, 0.0,
                Min: -100, Max: 100, DisplayMin: -20, DisplayMax: 20, Spatial: true),
            new(ParamFeather, ParamFeatherLabel, ParamKind.Double, ParamFeatherHint, 0.0,
                Min: 0, Max: 100, DisplayMin: 0, DisplayMax: 20, Spatial: true),
            new(ParamHoldOut, ParamHoldOutLabel, ParamKind.Boolean, ParamHoldOutHint, false),
            new(ParamOutput, ParamOutputLabel, ParamKind.Choice, ParamOutputHint, OutputAlpha,
                Options: [new ChoiceOption(OutputAlpha, "Alpha"), new ChoiceOption(OutputMatte, "Matte (luminance)")], Animates: false),
            new(ParamThreshold, ParamThresholdLabel, ParamKind.Double, ParamThresholdHint, 0.5,
                Min: 0, Max: 1, DisplayMin: 0, DisplayMax: 1, Animates: false),
        ]);
        return [.. list];
    }
}
