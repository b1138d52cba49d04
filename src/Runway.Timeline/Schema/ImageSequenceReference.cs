using System.Globalization;
using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>What to do where an image of a sequence is missing.</summary>
public enum MissingFramePolicy
{
    /// <summary>Fail.</summary>
    Error,
    /// <summary>Repeat the previous image.</summary>
    Hold,
    /// <summary>Show black.</summary>
    Black,
}

/// <summary>
/// Media as numbered image files (OTIO <c>ImageSequenceReference.1</c>): <c>base/prefix + frame + suffix</c>, frame
/// numbers from <see cref="StartFrame"/> in steps of <see cref="FrameStep"/>, zero-padded.
/// </summary>
public sealed class ImageSequenceReference : MediaReference
{
    /// <summary>Schema name.</summary>
    public const string Schema = "ImageSequenceReference";
    /// <summary>Schema version written.</summary>
    public const int Version = 1;

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <summary>Directory URL or path; a '/' is inserted before the file name when missing.</summary>
    public string TargetUrlBase { get; set; } = "";
    /// <summary>File name before the frame number.</summary>
    public string NamePrefix { get; set; } = "";
    /// <summary>File name after the frame number (e.g. <c>.exr</c>).</summary>
    public string NameSuffix { get; set; } = "";
    /// <summary>Number of the first image file.</summary>
    public long StartFrame { get; set; } = 1;
    /// <summary>File number increment per image.</summary>
    public long FrameStep { get; set; } = 1;
    /// <summary>Images per second of the file numbering.</summary>
    public double Rate { get; set; } = 1;
    /// <summary>Minimum digits of the frame number.</summary>
    public long FrameZeroPadding { get; set; }
    /// <summary>Behaviour for missing images.</summary>
    public MissingFramePolicy MissingFramePolicy { get; set; } = MissingFramePolicy.Error;

    /// <summary>Number of images the available range covers at rate/frame_step.</summary>
    public long NumberOfImagesInSequence() =>
        AvailableRange is { } range ? range.Duration.ToFrames(Rate / FrameStep) : 0;

    /// <summary>File number of the last image (inclusive); the start frame when there is no available range.</summary>
    public long EndFrame() =>
        AvailableRange is { } range ? StartFrame + range.Duration.ToFrames(Rate) - 1 : StartFrame;

    /// <summary>File number shown at <paramref name="time"/> (media time).</summary>
    /// <exception cref="OtioRangeException">The time is outside the available range.</exception>
    public long FrameForTime(RationalTime time)
    {
        if (AvailableRange is not { } range || !range.Contains(time))
            throw new OtioRangeException($"{time} is outside the image sequence's available range");
        return StartFrame + (time - range.StartTime).ToFrames(Rate);
    }

    /// <summary>The URL of image number <paramref name="imageNumber"/> (0 = first image).</summary>
    /// <exception cref="OtioRangeException">Zero rate, empty sequence, or an index past the end.</exception>
    public string TargetUrlForImageNumber(long imageNumber)
    {
        if (Rate == 0) throw new OtioRangeException("a zero-rate image sequence has no frames");
        if (AvailableRange is not { } range || range.Duration.Value == 0)
            throw new OtioRangeException("an image sequence without a duration has no frames");
        if (imageNumber < 0 || imageNumber >= NumberOfImagesInSequence())
            throw new OtioRangeException($"image number {imageNumber} is outside 0..{NumberOfImagesInSequence() - 1}");
        var fileNumber = StartFrame + imageNumber * FrameStep;
        var digits = Math.Abs(fileNumber).ToString(CultureInfo.InvariantCulture).PadLeft((int)Math.Max(0, FrameZeroPadding), '0');
        var separator = TargetUrlBase.Length > 0 && !TargetUrlBase.EndsWith('/') ? "/" : "";
        return $"{TargetUrlBase}{separator}{NamePrefix}{(fileNumber < 0 ? "-" : "")}{digits}{NameSuffix}";
    }

    /// <summary>The media time image <paramref name="imageNumber"/> is shown at.</summary>
    public RationalTime PresentationTimeForImageNumber(long imageNumber)
    {
        if (AvailableRange is not { } range || imageNumber < 0 || imageNumber >= NumberOfImagesInSequence())
            throw new OtioRangeException($"image number {imageNumber} is outside the sequence");
        return new TimeTransform(range.StartTime, imageNumber).AppliedTo(new RationalTime(FrameStep, Rate));
    }

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        TargetUrlBase = reader.String("target_url_base");
        NamePrefix = reader.String("name_prefix");
        NameSuffix = reader.String("name_suffix");
        StartFrame = reader.Long("start_frame", 1);
        FrameStep = reader.Long("frame_step", 1);
        Rate = reader.Double("rate", 1);
        FrameZeroPadding = reader.Long("frame_zero_padding", 0);
        var policy = reader.String("missing_frame_policy", "error");
        MissingFramePolicy = policy switch
        {
            "error" => MissingFramePolicy.Error,
            "hold" => MissingFramePolicy.Hold,
            "black" => MissingFramePolicy.Black,
            _ => throw reader.Fail("missing_frame_policy", $"unknown missing_frame_policy '{policy}' (error, hold or black)"),
        };
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.String("target_url_base", TargetUrlBase);
        writer.String("name_prefix", NamePrefix);
        writer.String("name_suffix", NameSuffix);
        writer.Long("start_frame", StartFrame);
        writer.Long("frame_step", FrameStep);
        writer.Double("rate", Rate);
        writer.Long("frame_zero_padding", FrameZeroPadding);
        writer.String("missing_frame_policy", MissingFramePolicy switch
        {
            MissingFramePolicy.Hold => "hold",
            MissingFramePolicy.Black => "black",
            _ => "error",
        });
    }
}
