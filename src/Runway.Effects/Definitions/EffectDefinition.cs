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
/// An effect that makes new frames past its Source clip's end (or before its start), such as extend shot. Hosts see a
/// time domain of the source range grown by the value of <see cref="FramesParam"/> on the side <see cref="DirectionParam"/>
/// names. Inside the source range the effect is the identity (the source at that time). Outside it, the render gets the
/// source frame at the nearest end as Source, the <see cref="FramesNeeded.Before"/> frames ending at the last frame
/// (extending after) or the <see cref="FramesNeeded.After"/> frames starting at the first (extending before) as
/// neighbours, and the source range in <see cref="EffectFrame.SourceRange"/>.
/// </summary>
/// <param name="FramesParam">Integer param: how many frames to add.</param>
/// <param name="DirectionParam">Choice param with the options <see cref="After"/> and <see cref="Before"/>.</param>
public sealed record TimeExtension(string FramesParam, string DirectionParam)
{
    /// <summary>Direction option: new frames follow the clip's last frame.</summary>
    public const string After = "after";

    /// <summary>Direction option: new frames precede the clip's first frame.</summary>
    public const string Before = "before";
}

/// <summary>What a viewer overlay handle looks like.</summary>
public enum OverlayShape
{
    /// <summary>A draggable point: <see cref="OverlayHandle.PositionParam"/> only.</summary>
    Point,

    /// <summary>An axis-aligned rectangle around <see cref="OverlayHandle.PositionParam"/>, sized by <see cref="OverlayHandle.SizeParam"/>.</summary>
    Rectangle,

    /// <summary>An ellipse inscribed in the rectangle a <see cref="Rectangle"/> handle would draw.</summary>
    Ellipse,
}

/// <summary>What a handle means to the user, shown by its colour.</summary>
public enum OverlayRole
{
    /// <summary>A region or point with no polarity (the fill shape, the subject's box).</summary>
    Neutral,

    /// <summary>Marks what belongs to the subject (a positive point).</summary>
    Include,

    /// <summary>Marks what does not (a negative point).</summary>
    Exclude,
}

/// <summary>Shows a handle only while a boolean or choice param has one of <see cref="Values"/> ("true"/"false" for booleans).</summary>
public sealed record OverlayCondition(string Param, IReadOnlyList<string> Values);

/// <summary>
/// An on-screen handle the OFX shim draws over the viewer and lets users drag, for hosts that draw no handles of
/// their own for position params (e.g. DaVinci Resolve). Dragging the centre moves <see cref="PositionParam"/>;
/// dragging a corner of a rectangle or ellipse resizes it about the opposite corner.
/// </summary>
/// <param name="PositionParam">A Double2D param with <see cref="ParamCoordinates.Position"/>.</param>
/// <param name="SizeParam">A Double2D param with <see cref="ParamCoordinates.Size"/>; required for rectangles and ellipses.</param>
/// <param name="VisibleWhen">Null = always shown.</param>
public sealed record OverlayHandle(
    OverlayShape Shape,
    string PositionParam,
    string? SizeParam = null,
    OverlayCondition? VisibleWhen = null,
    OverlayRole Role = OverlayRole.Neutral);

/// <summary>
/// The single definition of an effect: what the OFX shim describes to hosts (via effects.json), what the CLI lists,
/// and what the daemon validates requests against.
/// </summary>
/// <param name="IdentityWithoutMask">With no mask the effect returns its source: the shim answers IsIdentity itself
/// and skips the daemon round trip.</param>
/// <param name="Extends">Set for effects that generate frames outside the Source clip's range.</param>
/// <param name="Overlays">Handles the OFX shim draws in the host's viewer for position/size params; null = none.</param>
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
    bool IdentityWithoutMask = false,
    TimeExtension? Extends = null,
    IReadOnlyList<OverlayHandle>? Overlays = null)
{
    /// <summary>The last segment of the identifier, e.g. "inpaint" for "com.runwayml.inpaint".</summary>
    public string ShortName => Id[(Id.LastIndexOf('.') + 1)..];

    public ParamDefinition? FindParam(string name) => Params.FirstOrDefault(p => p.Name == name);
}
