namespace Runway.Effects.Definitions;

/// <summary>
/// Generative fill: fills large regions with plausible structure and texture synthesised from the rest of the picture
/// (and from an optional Reference clip), not a blur. The constants below are the effect's whole public face: the OFX
/// shim, the CLI, the daemon and model packs all read them.
/// </summary>
public static class GenerativeFillDefinition
{
    public const string Id = "com.runwayml.generative-fill";
    public const string Label = "Generative Fill";
    public const string Group = "Runway";
    public const string Description =
        "Fills the region the mask (or a rectangle/ellipse) covers with structure and texture taken from the rest of the " +
        "picture and from an optional Reference clip, such as a clean plate. Seed and Variation give different plausible " +
        "fills. On video, Temporal reuses the previous frame's fill, following the motion, so fills do not boil. " +
        "Works on scene-linear float without clipping.";
    public const int VersionMajor = 1;
    public const int VersionMinor = 0;

    public const string ClipSource = "Source";
    public const string ClipMask = "Mask";
    public const string ClipMaskHint = "white/opaque = fill (used when Mask Source is Clip)";
    public const string ClipReference = "Reference";
    public const string ClipReferenceHint = "clean plate or any image to borrow content from";

    public const string ParamMaskSource = "maskSource";
    public const string ParamMaskSourceLabel = "Mask Source";
    public const string ParamMaskSourceHint =
        "Where the region to fill comes from: the Mask clip (white/opaque = fill; alpha when it varies, else luminance), " +
        "or the rectangle or ellipse below.";
    public const string MaskFromClip = "clip";
    public const string MaskRectangle = "rectangle";
    public const string MaskEllipse = "ellipse";

    public const string ParamCenter = "center";
    public const string ParamCenterLabel = "Shape Centre";
    public const string ParamCenterHint = "Centre of the rectangle/ellipse: in a host, a point in the viewer; on the command line, pixels at full resolution from the image's top-left corner.";

    public const string ParamSize = "size";
    public const string ParamSizeLabel = "Shape Size";
    public const string ParamSizeHint = "Width and height of the rectangle/ellipse, in pixels at full resolution.";

    public const string ParamFeather = "feather";
    public const string ParamFeatherLabel = "Feather";
    public const string ParamFeatherHint = "Width, in pixels at full resolution, of the soft blend from the fill into the source around the (dilated) region.";

    public const string ParamDilate = "dilate";
    public const string ParamDilateLabel = "Dilate";
    public const string ParamDilateHint = "Grows the region by this many pixels (at full resolution) so fringes of the removed object go too.";

    public const string ParamSeed = "seed";
    public const string ParamSeedLabel = "Seed";
    public const string ParamSeedHint = "Seed of the synthesis (and of model packs): the same seed and inputs give the same fill.";

    public const string ParamVariation = "variation";
    public const string ParamVariationLabel = "Variation";
    public const string ParamVariationHint = "0 takes the best-matching content; higher values pick among other plausible fills.";

    public const string ParamPatchSize = "patchSize";
    public const string ParamPatchSizeLabel = "Patch Size";
    public const string ParamPatchSizeHint =
        "Side, in working pixels, of the patches content is copied in. Larger patches keep bigger structures together; smaller ones follow fine texture.";

    public const string ParamQuality = "quality";
    public const string ParamQualityLabel = "Quality";
    public const string ParamQualityHint = "Search effort of the final render. Interactive renders always use the draft path.";
    public const string QualityFast = "fast";
    public const string QualityNormal = "normal";
    public const string QualityBest = "best";

    public const string ParamDetail = "detail";
    public const string ParamDetailLabel = "Texture Detail";
    public const string ParamDetailHint =
        "How much synthesised fine detail goes over the smooth structure of the fill, for a frame filled on its own " +
        "(final render, no Reference clip). " +
        "Lower is smoother and closer to the truth on average (PSNR/SSIM); higher gives real texture instead of a blur. " +
        "Temporal renders of a clip longer than one frame, drafts and fills with a Reference use the steady " +
        "plain patch fill and do not read it.";

    public const string ParamTemporal = "temporal";
    public const string ParamTemporalLabel = "Temporal";
    public const string ParamTemporalHint =
        "On video, start each frame's fill from the previous frame's, moved with the picture's motion, so the fill does not boil.";

    public const string ParamPrompt = "prompt";
    public const string ParamPromptLabel = "Prompt";
    public const string ParamPromptHint =
        "What to put in the region, for diffusion-style model packs. The classical engine ignores it (and says so in the result notes).";

    /// <summary>Smallest and largest patch side.</summary>
    public const int MinPatchSize = 3, MaxPatchSize = 15;

    /// <summary>The definition described to hosts.</summary>
    public static readonly EffectDefinition Definition = new(
        Id, Label, Group, Description, VersionMajor, VersionMinor,
        Contexts: [EffectContext.Filter, EffectContext.General],
        Clips:
        [
            new ClipDefinition(ClipSource, "Source", Optional: false, IsMask: false, Components: ["RGBA", "RGB", "Alpha"]),
            new ClipDefinition(ClipMask, "Mask", Optional: true, IsMask: true, Components: ["RGBA", "Alpha"], Hint: ClipMaskHint),
            new ClipDefinition(ClipReference, "Reference", Optional: true, IsMask: false, Components: ["RGBA", "RGB"], Hint: ClipReferenceHint),
        ],
        Params:
        [
            new ParamDefinition(ParamMaskSource, ParamMaskSourceLabel, ParamKind.Choice, ParamMaskSourceHint, MaskFromClip,
                Options:
                [
                    new ChoiceOption(MaskFromClip, "Mask Clip"),
                    new ChoiceOption(MaskRectangle, "Rectangle"),
                    new ChoiceOption(MaskEllipse, "Ellipse"),
                ],
                Animates: false),
            new ParamDefinition(ParamCenter, ParamCenterLabel, ParamKind.Double2D, ParamCenterHint, new[] { 960.0, 540.0 },
                Min: -100000, Max: 100000, DisplayMin: 0, DisplayMax: 4096, Spatial: true, Coordinates: ParamCoordinates.Position),
            new ParamDefinition(ParamSize, ParamSizeLabel, ParamKind.Double2D, ParamSizeHint, new[] { 320.0, 240.0 },
                Min: 0, Max: 100000, DisplayMin: 0, DisplayMax: 4096, Spatial: true, Coordinates: ParamCoordinates.Size),
            new ParamDefinition(ParamFeather, ParamFeatherLabel, ParamKind.Double, ParamFeatherHint, 3.0,
                Min: 0, Max: 200, DisplayMin: 0, DisplayMax: 40, Spatial: true),
            new ParamDefinition(ParamDilate, ParamDilateLabel, ParamKind.Double, ParamDilateHint, 2.0,
                Min: 0, Max: 200, DisplayMin: 0, DisplayMax: 40, Spatial: true),
            new ParamDefinition(ParamSeed, ParamSeedLabel, ParamKind.Integer, ParamSeedHint, 0L,
                Min: 0, Max: int.MaxValue, DisplayMin: 0, DisplayMax: 1000, Animates: false),
            new ParamDefinition(ParamVariation, ParamVariationLabel, ParamKind.Double, ParamVariationHint, 0.0,
                Min: 0, Max: 1, DisplayMin: 0, DisplayMax: 1),
            new ParamDefinition(ParamPatchSize, ParamPatchSizeLabel, ParamKind.Integer, ParamPatchSizeHint, 7L,
                Min: MinPatchSize, Max: MaxPatchSize, DisplayMin: MinPatchSize, DisplayMax: MaxPatchSize, Animates: false),
            new ParamDefinition(ParamQuality, ParamQualityLabel, ParamKind.Choice, ParamQualityHint, QualityNormal,
                Options:
                [
                    new ChoiceOption(QualityFast, "Fast"),
                    new ChoiceOption(QualityNormal, "Normal"),
                    new ChoiceOption(QualityBest, "Best"),
                ],
                Animates: false),
            new ParamDefinition(ParamDetail, ParamDetailLabel, ParamKind.Double, ParamDetailHint, 1.0,
                Min: 0, Max: 1, DisplayMin: 0, DisplayMax: 1),
            new ParamDefinition(ParamTemporal, ParamTemporalLabel, ParamKind.Boolean, ParamTemporalHint, true, Animates: false),
            new ParamDefinition(ParamPrompt, ParamPromptLabel, ParamKind.String, ParamPromptHint, "", Animates: false),
        ],
        // The previous frame is always asked for: FramesNeeded.LimitParam caps by an integer param and Temporal is a
        // boolean, so a cap cannot follow it. One extra fetched frame is cheap next to the synthesis; with Temporal
        // off the engine simply ignores it.
        FramesNeeded: new FramesNeeded(1, 0),
        ThreadSafety: ThreadSafety.FullySafe,
        IdentityWithoutMask: false,
        Overlays:
        [
            new OverlayHandle(OverlayShape.Rectangle, ParamCenter, ParamSize, new OverlayCondition(ParamMaskSource, [MaskRectangle])),
            new OverlayHandle(OverlayShape.Ellipse, ParamCenter, ParamSize, new OverlayCondition(ParamMaskSource, [MaskEllipse])),
        ]);
}
