namespace Runway.Effects.Definitions;

/// <summary>Param kinds, mapped by the shim to OFX param types.</summary>
public enum ParamKind { Double, Integer, Boolean, Choice, String, Double2D, Rgba }

/// <summary>
/// What the two numbers of a <see cref="ParamKind.Double2D"/> param mean, so a host can draw them in its viewer and the
/// OFX shim can convert the host's values. Whatever the meaning, the effect always receives full-resolution pixels of
/// the Source image measured from its top-left corner, y down (the same numbers <c>runway render --set k=x,y</c> takes).
/// </summary>
public enum ParamCoordinates
{
    /// <summary>Two plain numbers: passed through unchanged.</summary>
    Plain,
    /// <summary>
    /// A point in the picture. OFX hosts hold it in canonical coordinates (origin bottom-left, y up, pixel aspect applied);
    /// the shim converts it to top-left pixels of the Source image (OFX <c>OfxParamDoubleTypeXYAbsolute</c>).
    /// </summary>
    Position,
    /// <summary>A width and height: only the pixel aspect ratio applies, no flip (OFX <c>OfxParamDoubleTypeXY</c>).</summary>
    Size,
}

/// <summary>One option of a choice param: a stable value sent on the wire and a label shown to users.</summary>
public sealed record ChoiceOption(string Value, string Label);

/// <summary>
/// A user-facing parameter. Numbers carry both a hard range (validated) and a display range (slider), because
/// hosts such as Resolve want both. <see cref="Spatial"/> params are in pixels at full resolution and scale with
/// the host's render scale. <see cref="Coordinates"/> says whether a Double2D is a position, a size or plain numbers;
/// defaults of positions and sizes are given for a <see cref="DefaultFrameWidth"/>×<see cref="DefaultFrameHeight"/>
/// frame and hosts that can are told them as fractions of that frame, so they land at the same place in any project.
/// </summary>
public sealed record ParamDefinition(
    string Name,
    string Label,
    ParamKind Kind,
    string Hint,
    object Default,
    double? Min = null,
    double? Max = null,
    double? DisplayMin = null,
    double? DisplayMax = null,
    IReadOnlyList<ChoiceOption>? Options = null,
    bool Spatial = false,
    bool Animates = true,
    string Page = "Controls",
    ParamCoordinates Coordinates = ParamCoordinates.Plain)
{
    /// <summary>Width of the frame the pixel defaults of position and size params are written for.</summary>
    public const double DefaultFrameWidth = 1920;

    /// <summary>Height of the frame the pixel defaults of position and size params are written for.</summary>
    public const double DefaultFrameHeight = 1080;

    /// <summary>
    /// The default of a position or size param as fractions of the default frame (x / width, y / height; positions
    /// still from the top-left, y down), or null for every other param.
    /// </summary>
    public double[]? NormalisedDefault => Kind == ParamKind.Double2D && Coordinates != ParamCoordinates.Plain && Default is double[] { Length: 2 } d
        ? [d[0] / DefaultFrameWidth, d[1] / DefaultFrameHeight]
        : null;
}
