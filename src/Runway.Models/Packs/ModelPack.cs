namespace Runway.Models.Packs;

/// <summary>Layout of an image tensor's axes.</summary>
public enum TensorLayout
{
    /// <summary>Batch, channels, height, width (planar).</summary>
    Nchw,

    /// <summary>Batch, height, width, channels (interleaved).</summary>
    Nhwc,
}

/// <summary>Element types a pack may declare (ONNX names in model.json: float32, float16, uint8, int64, string).</summary>
public enum TensorElement { Float32, Float16, UInt8, Int64, String }

/// <summary>What a tensor carries, which decides how the frame is written into it.</summary>
public enum TensorRole
{
    /// <summary>The source picture (1 channel: luminance; 3: RGB; 4: RGBA).</summary>
    Image,

    /// <summary>A hole/matte mask, 1 = masked (1 channel).</summary>
    Mask,

    /// <summary>Recurrent state fed back from an output of the previous frame (see <see cref="RecurrentLink"/>).</summary>
    State,

    /// <summary>A second picture from the effect's Reference clip (style image, fill reference), resized to the run size.</summary>
    Reference,

    /// <summary>Output only: a 1-channel matte that becomes the output's alpha (salient-matte, video-matting).</summary>
    Alpha,

    /// <summary>An int64 random seed, shape [1] or [] (generative-fill); from the effect's "seed" param, else 0.</summary>
    Seed,

    /// <summary>A string tensor holding a text prompt, shape [1] (generative-fill); from the effect's "prompt" param.</summary>
    Prompt,

    /// <summary>Point prompts, float32 [1, N, 2] in model-input pixels (promptable-segmentation); see <see cref="Labels"/>.</summary>
    Points,

    /// <summary>A box prompt, float32 [1, 4] as x0, y0, x1, y1 in model-input pixels (promptable-segmentation).</summary>
    Box,

    /// <summary>Point labels, float32 [1, N] matching the points input: 1 = subject, 0 = background, −1 = padding.</summary>
    Labels,

    /// <summary>
    /// An earlier frame of the clip (frame-extrapolation), laid out like the image input and tiled with it: the i-th
    /// history input in declaration order is the frame i steps before the end frame (the image input).
    /// </summary>
    History,

    /// <summary>The float32 step k ≥ 1 (frames past the end frame) to generate, shape [1] or [] (frame-extrapolation).</summary>
    Step,
}

/// <summary>What turns an alpha output's raw values into a 0..1 matte (model.json <c>activation</c>).</summary>
public enum AlphaActivation
{
    /// <summary>The values are the matte already (after the declared range).</summary>
    None,

    /// <summary>Mask logits: 1 / (1 + e^−v), applied after resampling to the frame so edges stay soft.</summary>
    Sigmoid,

    /// <summary>Mask logits cut at 0: 1 where v &gt; 0, else 0 (hard masks; the rotoscope's edge refine softens them).</summary>
    Step,
}

/// <summary>Roles that carry no picture: their tensors are not rank-4 images and are never tiled or resized.</summary>
public static class TensorRoles
{
    /// <summary>Whether tensors of <paramref name="role"/> hold a picture (image, mask, state, reference, alpha).</summary>
    public static bool IsSpatial(TensorRole role) => role is TensorRole.Image or TensorRole.Mask or TensorRole.State
        or TensorRole.Reference or TensorRole.Alpha or TensorRole.History;
}

/// <summary>
/// The interfaces a pack can declare in <c>contract</c>, each tied to the effect it serves. The runtime behaviour of each
/// is described in src/Runway.Models/README.md and model-pack.schema.json.
/// </summary>
public static class ModelContracts
{
    /// <summary>Image + mask → image; the model's picture replaces the source inside the hole only.</summary>
    public const string Inpaint = "inpaint";

    /// <summary>Image + mask [+ reference] [+ seed] [+ prompt] → image, composited inside the hole.</summary>
    public const string GenerativeFill = "generative-fill";

    /// <summary>Image → 1-channel alpha (single-image salient object, e.g. ISNet).</summary>
    public const string SalientMatte = "salient-matte";

    /// <summary>Recurrent: image + state tensors → alpha [+ foreground image] + state tensors.</summary>
    public const string VideoMatting = "video-matting";

    /// <summary>Image + point/box prompts → mask logits.</summary>
    public const string PromptableSegmentation = "promptable-segmentation";

    /// <summary>A fixed-style network: image → image.</summary>
    public const string StyleFeedforward = "style-feedforward";

    /// <summary>An arbitrary-style network: content image + style image (the Reference clip) → image.</summary>
    public const string StyleArbitrary = "style-arbitrary";

    /// <summary>Every contract, in schema order.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Inpaint, GenerativeFill, SalientMatte, VideoMatting, PromptableSegmentation, StyleFeedforward, StyleArbitrary, FrameExtrapolation];

    /// <summary>
    /// End frame (image) + one or more earlier frames (history, nearest first) [+ step k] → the frame k steps past the
    /// end (extend shot). See <see cref="FrameExtrapolationContract"/>.
    /// </summary>
    public const string FrameExtrapolation = FrameExtrapolationContract.Name;

    /// <summary>Effect served by generative-fill packs.</summary>
    public const string GenerativeFillEffect = Runway.Effects.Definitions.GenerativeFillDefinition.Id;

    /// <summary>Effect served by salient-matte, video-matting and promptable-segmentation packs.</summary>
    public const string RotoscopeEffect = Runway.Effects.Definitions.RotoscopeDefinition.Id;

    /// <summary>Effect served by style-feedforward and style-arbitrary packs.</summary>
    public const string StyleTransferEffect = Runway.Effects.Definitions.StyleTransferDefinition.Id;

    /// <summary>Effect served by inpaint packs.</summary>
    public const string InpaintEffect = Runway.Effects.Definitions.InpaintDefinition.Id;

    /// <summary>Name of the extra input clip carrying the reference/style picture (the same name in every definition).</summary>
    public const string ReferenceClip = Runway.Effects.Definitions.StyleTransferDefinition.ClipReference;

    /// <summary>The effect a contract serves.</summary>
    public static string EffectFor(string contract) => contract switch
    {
        Inpaint => InpaintEffect,
        GenerativeFill => GenerativeFillEffect,
        SalientMatte or VideoMatting or PromptableSegmentation => RotoscopeEffect,
        FrameExtrapolation => FrameExtrapolationContract.Effect,
        _ => StyleTransferEffect,
    };
}

/// <summary>How colour values are encoded in a tensor.</summary>
public enum ColourKind
{
    /// <summary>Scene-linear values, passed through without clipping.</summary>
    Linear,

    /// <summary>sRGB-encoded display values in 0..1 (clipped), the usual encoding of models trained on 8-bit photos.</summary>
    Srgb,

    /// <summary>(value − mean) / std per channel, after the <see cref="ColourEncoding.Transfer"/> and the value range.</summary>
    Normalised,
}

/// <summary>A colour encoding: kind, the transfer under a normalisation, and per-channel mean/std.</summary>
/// <param name="Transfer">For <see cref="ColourKind.Normalised"/>: linear or sRGB values are normalised (default sRGB).</param>
public sealed record ColourEncoding(ColourKind Kind, ColourKind Transfer, IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    /// <summary>Scene-linear, no normalisation.</summary>
    public static ColourEncoding Linear { get; } = new(ColourKind.Linear, ColourKind.Linear, [], []);

    /// <summary>Whether values go through the sRGB transfer (and are therefore clipped to 0..1 first).</summary>
    public bool IsSrgb => Kind == ColourKind.Srgb || (Kind == ColourKind.Normalised && Transfer == ColourKind.Srgb);
}

/// <summary>One axis of a declared shape: a fixed size, or a named dynamic size ("height") shared between tensors.</summary>
public readonly record struct TensorDim(long Fixed, string? Symbol)
{
    public bool IsDynamic => Symbol is not null;

    public static TensorDim Of(long size) => new(size, null);

    public static TensorDim Dynamic(string symbol) => new(-1, symbol);

    public override string ToString() => Symbol ?? Fixed.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One input or output tensor as model.json declares it.</summary>
/// <param name="MultipleOf">Spatial sizes must be multiples of this (frames are padded up to it).</param>
/// <param name="Range">The 0..1 picture maps to <c>Range.Min..Range.Max</c> in the tensor (e.g. 0..255, −1..1).</param>
/// <param name="Clip">Clip decoded values to 0..1; defaults to true for sRGB encodings, false for linear.</param>
public sealed record TensorDeclaration(
    string Name,
    TensorRole Role,
    TensorElement ElementType,
    TensorLayout Layout,
    IReadOnlyList<TensorDim> Shape,
    int MultipleOf,
    ValueRange Range,
    ColourEncoding Encoding,
    bool Clip)
{
    /// <summary>Channel axis index for the layout (rank-4 tensors).</summary>
    public int ChannelAxis => Layout == TensorLayout.Nchw ? 1 : 3;

    /// <summary>Height axis index for the layout.</summary>
    public int HeightAxis => Layout == TensorLayout.Nchw ? 2 : 1;

    /// <summary>Width axis index for the layout.</summary>
    public int WidthAxis => Layout == TensorLayout.Nchw ? 3 : 2;

    /// <summary>Declared channel count (the channel axis is always fixed).</summary>
    public int Channels => (int)Shape[ChannelAxis].Fixed;

    /// <summary>Whether height and width are fixed, so frames are resized to them rather than padded.</summary>
    public bool FixedSpatial => !Shape[HeightAxis].IsDynamic && !Shape[WidthAxis].IsDynamic;

    /// <summary>
    /// State tensors only (model.json <c>stride</c>, default 1): the spatial axes are the run's height and width divided
    /// by this, rounded up, as in recurrent video-matting networks whose states live at 1/2 … 1/16 of the frame.
    /// </summary>
    public int Stride { get; init; } = 1;

    /// <summary>Alpha outputs only: how raw values become the matte (model.json <c>activation</c>, default none).</summary>
    public AlphaActivation Activation { get; init; } = AlphaActivation.None;
}

/// <summary>The tensor value range the 0..1 picture maps to.</summary>
public readonly record struct ValueRange(float Min, float Max)
{
    public static ValueRange Unit { get; } = new(0, 1);
}

/// <summary>How big frames are split: square tiles of <paramref name="Tile"/> pixels overlapping by <paramref name="Overlap"/>.</summary>
public sealed record TilingDeclaration(int Tile, int Overlap, TileBlend Blend);

/// <summary>How overlapping tiles are joined.</summary>
public enum TileBlend
{
    /// <summary>A linear cross-fade over the middle of each overlap; the outer quarter of each side is discarded.</summary>
    Feather,

    /// <summary>A hard cut in the middle of each overlap.</summary>
    Cut,
}

/// <summary>For recurrent models: output <paramref name="Output"/> of one frame feeds input <paramref name="Input"/> of the next.</summary>
public sealed record RecurrentLink(string Output, string Input);

/// <summary>Licence of the weights; non-commercial weights are supported but always flagged.</summary>
public sealed record PackLicence(string Spdx, bool CommercialUse, string? Url);

/// <summary>A file of the pack, relative to its folder, with the sha256 it must hash to.</summary>
public sealed record PackFile(string Path, string Sha256);

/// <summary>
/// A model pack: a folder holding <c>model.json</c> (this record) and the files it lists. The format is
/// <c>model-pack.schema.json</c> beside this library; <see cref="PackReader"/> reads and checks it.
/// </summary>
/// <param name="Id">Unique pack id (lowercase letters, digits, '.', '_', '-').</param>
/// <param name="Effect">Effect id served, e.g. com.runwayml.inpaint.</param>
/// <param name="Contract">Interface the effect expects, e.g. "inpaint" (image + mask in, image out); null for plain image → image.</param>
/// <param name="Model">The ONNX file among <paramref name="Files"/>.</param>
/// <param name="Priority">Higher wins when several usable packs serve one effect.</param>
/// <param name="MemoryMb">Declared resident size; when absent the registry estimates it from the file sizes.</param>
/// <param name="Directory">Absolute folder the pack was read from.</param>
public sealed record ModelPack(
    string Id,
    string Effect,
    string Version,
    string? Description,
    PackLicence Licence,
    IReadOnlyList<PackFile> Files,
    string Model,
    IReadOnlyList<TensorDeclaration> Inputs,
    IReadOnlyList<TensorDeclaration> Outputs,
    TilingDeclaration? Tiling,
    IReadOnlyList<RecurrentLink> Recurrent,
    int Priority,
    string? Contract,
    int? MemoryMb,
    string Directory)
{
    /// <summary>Name of the manifest file in a pack folder.</summary>
    public const string ManifestName = "model.json";

    /// <summary>
    /// Most runs of the same shape stacked into one session run along axis 0 (model.json <c>maxBatch</c>, default 1 =
    /// no batching). Only picture tensors whose axis 0 is dynamic, no recurrent state (see PackReader).
    /// </summary>
    public int MaxBatch { get; init; } = 1;

    /// <summary>Absolute path of the ONNX file.</summary>
    public string ModelPath => System.IO.Path.Combine(Directory, Model);

    /// <summary>The declaration of a tensor by name, inputs first.</summary>
    public TensorDeclaration? Find(string name) =>
        Inputs.FirstOrDefault(t => t.Name == name) ?? Outputs.FirstOrDefault(t => t.Name == name);
}
