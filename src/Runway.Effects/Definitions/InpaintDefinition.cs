namespace Runway.Effects.Definitions;

/// <summary>
/// Inpaint: removes what the mask covers (wires, rigs, logos, blemishes) by filling it from the surrounding picture.
/// The constants below are the effect's whole public face: the OFX shim, the CLI and the daemon all read them.
/// </summary>
public static class InpaintDefinition
{
    public const string Id = "com.runwayml.inpaint";
    public const string Label = "Inpaint";
    public const string Group = "Runway";
    public const string Description =
        "Removes what the mask covers by filling it from the surrounding picture. Connect a mask (white/opaque = remove); " +
        "without one, or with an empty mask, the source passes through untouched. On video, what the mask hides is taken " +
        "from neighbouring frames where the background shows (optical flow), and only pixels never seen are filled spatially. " +
        "Works on scene-linear float without clipping.";
    public const int VersionMajor = 1;
    public const int VersionMinor = 1;

    public const string ClipSource = "Source";
    public const string ClipMask = "Mask";
    public const string ClipMaskHint = "white/opaque = remove";

    public const string ParamMethod = "method";
    public const string ParamMethodLabel = "Method";
    public const string ParamMethodHint =
        "Telea and Navier-Stokes are fast diffusion fills, good for thin or small holes. The frequency-selective methods " +
        "can rebuild texture in larger holes but are slow (seconds to minutes per frame) and fill with 8-bit precision " +
        "within the local value range; interactive renders use Telea instead.";
    public const string MethodTelea = "telea";
    public const string MethodNavierStokes = "navier-stokes";
    public const string MethodFsrFast = "fsr-fast";
    public const string MethodFsrBest = "fsr-best";

    public const string ParamRadius = "radius";
    public const string ParamRadiusLabel = "Radius";
    public const string ParamRadiusHint = "Neighbourhood, in pixels at full resolution, that each filled pixel is estimated from (Telea, Navier-Stokes).";

    public const string ParamMaskChannel = "maskChannel";
    public const string ParamMaskChannelLabel = "Mask Channel";
    public const string ParamMaskChannelHint = "Which mask channel marks the hole. Auto uses alpha when the mask's alpha varies, else luminance.";
    public const string MaskChannelAuto = "auto";
    public const string MaskChannelAlpha = "alpha";
    public const string MaskChannelLuminance = "luminance";

    public const string ParamMaskThreshold = "maskThreshold";
    public const string ParamMaskThresholdLabel = "Mask Threshold";
    public const string ParamMaskThresholdHint = "Mask values above this are holes.";

    public const string ParamDilate = "dilate";
    public const string ParamDilateLabel = "Dilate";
    public const string ParamDilateHint = "Grows the hole by this many pixels (at full resolution) so that fringes around the removed object go too.";

    public const string ParamFeather = "feather";
    public const string ParamFeatherLabel = "Feather";
    public const string ParamFeatherHint = "Width, in pixels at full resolution, of the soft blend from the fill into the source around the (dilated) hole.";

    public const string ParamInvertMask = "invertMask";
    public const string ParamInvertMaskLabel = "Invert Mask";
    public const string ParamInvertMaskHint = "Fill where the mask is black/transparent instead.";

    public const string ParamTemporalWindow = "temporalWindow";
    public const string ParamTemporalWindowLabel = "Temporal Window";
    public const string ParamTemporalWindowHint =
        "Frames on each side to borrow the hidden background from, following the picture's motion. 0 fills from this frame only.";

    /// <summary>Largest temporal window: the most frames needed on each side.</summary>
    public const int MaxTemporalWindow = 4;

    /// <summary>
    /// Temporal window of interactive renders: the nearest frame on each side. Each neighbour costs two flow fields,
    /// and the nearest frames are the ones the fill prefers anyway.
    /// </summary>
    public const int InteractiveTemporalWindow = 1;

    public const string ParamFlowQuality = "flowQuality";
    public const string ParamFlowQualityLabel = "Flow Quality";
    public const string ParamFlowQualityHint =
        "How carefully motion between frames is estimated: finer follows small and fast motion better and costs more. Interactive renders use Fast.";
    public const string FlowFast = "fast";
    public const string FlowMedium = "medium";
    public const string FlowFine = "fine";

    /// <summary>The definition described to hosts.</summary>
    public static readonly EffectDefinition Definition = new(
        Id, Label, Group, Description, VersionMajor, VersionMinor,
        Contexts: [EffectContext.Filter, EffectContext.General],
        Clips:
        [
            new ClipDefinition(ClipSource, "Source", Optional: false, IsMask: false, Components: ["RGBA", "RGB", "Alpha"]),
            new ClipDefinition(ClipMask, "Mask", Optional: true, IsMask: true, Components: ["RGBA", "Alpha"], Hint: ClipMaskHint),
        ],
        Params:
        [
            new ParamDefinition(ParamMethod, ParamMethodLabel, ParamKind.Choice, ParamMethodHint, MethodTelea,
                Options:
                [
                    new ChoiceOption(MethodTelea, "Telea"),
                    new ChoiceOption(MethodNavierStokes, "Navier-Stokes"),
                    new ChoiceOption(MethodFsrFast, "Frequency-selective (fast)"),
                    new ChoiceOption(MethodFsrBest, "Frequency-selective (best)"),
                ],
                Animates: false),
            new ParamDefinition(ParamRadius, ParamRadiusLabel, ParamKind.Double, ParamRadiusHint, 5.0,
                Min: 0.5, Max: 100, DisplayMin: 1, DisplayMax: 25, Spatial: true),
            new ParamDefinition(ParamMaskChannel, ParamMaskChannelLabel, ParamKind.Choice, ParamMaskChannelHint, MaskChannelAuto,
                Options:
                [
                    new ChoiceOption(MaskChannelAuto, "Auto"),
                    new ChoiceOption(MaskChannelAlpha, "Alpha"),
                    new ChoiceOption(MaskChannelLuminance, "Luminance"),
                ],
                Animates: false),
            new ParamDefinition(ParamMaskThreshold, ParamMaskThresholdLabel, ParamKind.Double, ParamMaskThresholdHint, 0.5,
                Min: 0, Max: 1, DisplayMin: 0, DisplayMax: 1),
            new ParamDefinition(ParamDilate, ParamDilateLabel, ParamKind.Double, ParamDilateHint, 2.0,
                Min: 0, Max: 100, DisplayMin: 0, DisplayMax: 20, Spatial: true),
            new ParamDefinition(ParamFeather, ParamFeatherLabel, ParamKind.Double, ParamFeatherHint, 2.0,
                Min: 0, Max: 100, DisplayMin: 0, DisplayMax: 20, Spatial: true),
            new ParamDefinition(ParamInvertMask, ParamInvertMaskLabel, ParamKind.Boolean, ParamInvertMaskHint, false,
                Animates: false),
            new ParamDefinition(ParamTemporalWindow, ParamTemporalWindowLabel, ParamKind.Integer, ParamTemporalWindowHint, 2L,
                Min: 0, Max: MaxTemporalWindow, DisplayMin: 0, DisplayMax: MaxTemporalWindow, Animates: false),
            new ParamDefinition(ParamFlowQuality, ParamFlowQualityLabel, ParamKind.Choice, ParamFlowQualityHint, FlowMedium,
                Options:
                [
                    new ChoiceOption(FlowFast, "Fast"),
                    new ChoiceOption(FlowMedium, "Medium"),
                    new ChoiceOption(FlowFine, "Fine"),
                ],
                Animates: false),
        ],
        FramesNeeded: new FramesNeeded(MaxTemporalWindow, MaxTemporalWindow, ParamTemporalWindow, InteractiveTemporalWindow),
        ThreadSafety: ThreadSafety.FullySafe,
        IdentityWithoutMask: true);
}
