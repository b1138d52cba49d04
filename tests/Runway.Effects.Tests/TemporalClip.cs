using OpenCvSharp;
using Runway.Effects.Pixels;

namespace Runway.Effects.Tests;

/// <summary>
/// A real clip with a real object pasted over it, for scoring video inpainting against the truth: frames of
/// <c>inpainting/video-completion/running_car.mp4</c> (a moving camera, so the background behind the object shows in
/// neighbouring frames) with the DAVIS <c>vos/blackswan</c> swan, its pixels and its per-frame object mask, composited
/// on top. The clean car frames are the ground truth under the swan.
/// </summary>
internal sealed class TemporalClip : IDisposable
{
    public required IReadOnlyList<FloatImage> Truth { get; init; }
    public required IReadOnlyList<FloatImage> Pasted { get; init; }
    public required IReadOnlyList<FloatImage> Masks { get; init; }

    /// <summary>One byte per pixel, 1 inside the pasted object, per frame.</summary>
    public required IReadOnlyList<byte[]> Holes { get; init; }

    /// <summary>
    /// Loads <paramref name="count"/> frames from <paramref name="firstFrame"/> of the car clip at
    /// <paramref name="width"/>×<paramref name="height"/>, swan frames from 0 shifted right by <paramref name="driftPerFrame"/>
    /// pixels per frame so the hole also moves across the background.
    /// </summary>
    public static TemporalClip Load(int firstFrame, int count, int width, int height, int driftPerFrame)
    {
        var video = TestData.File("inpainting/video-completion/running_car.mp4");
        var swan = TestData.File("vos/blackswan");
        using var capture = new VideoCapture(video);
        if (!capture.IsOpened()) throw new InvalidOperationException($"could not open {video}");
        capture.Set(VideoCaptureProperties.PosFrames, firstFrame);
        var truth = new List<FloatImage>();
        var pasted = new List<FloatImage>();
        var masks = new List<FloatImage>();
        var holes = new List<byte[]>();
        using var frame = new Mat();
        for (var i = 0; i < count; i++)
        {
            if (!capture.Read(frame) || frame.Empty()) throw new InvalidOperationException($"{video} ended before frame {firstFrame + i}");
            using var car = Sized(frame, width, height);
            using var swanFrame = Cv2.ImRead(Path.Combine(swan, "frames", $"{i:D5}.jpg"), ImreadModes.Color);
            using var swanMask = Cv2.ImRead(Path.Combine(swan, "masks", $"{i:D5}.png"), ImreadModes.Grayscale);
            if (swanFrame.Empty() || swanMask.Empty()) throw new FileNotFoundException($"blackswan frame {i} missing under {swan}");
            using var swanSized = Sized(swanFrame, width, height);
            using var maskSized = new Mat();
            Cv2.Resize(swanMask, maskSized, new Size(width, height), 0, 0, InterpolationFlags.Nearest);
            Cv2.Threshold(maskSized, maskSized, 127, 255, ThresholdTypes.Binary);
            using var shift = Mat.Eye(2, 3, MatType.CV_64FC1).ToMat();
            shift.Set(0, 2, (double)(driftPerFrame * i));
            using var maskMoved = new Mat();
            using var swanMoved = new Mat();
            Cv2.WarpAffine(maskSized, maskMoved, shift, maskSized.Size(), InterpolationFlags.Nearest);
            Cv2.WarpAffine(swanSized, swanMoved, shift, swanSized.Size(), InterpolationFlags.Nearest);
            using var composite = car.Clone();
            swanMoved.CopyTo(composite, maskMoved);
            truth.Add(ToImage(car));
            pasted.Add(ToImage(composite));
            using var maskBgr = new Mat();
            Cv2.CvtColor(maskMoved, maskBgr, ColorConversionCodes.GRAY2BGR);
            masks.Add(ToImage(maskBgr));
            var hole = new byte[width * height];
            for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                hole[y * width + x] = maskMoved.At<byte>(y, x) != 0 ? (byte)1 : (byte)0;
            holes.Add(hole);
        }
        return new TemporalClip { Truth = truth, Pasted = pasted, Masks = masks, Holes = holes };
    }

    private static Mat Sized(Mat bgr, int width, int height)
    {
        var sized = new Mat();
        Cv2.Resize(bgr, sized, new Size(width, height), 0, 0, InterpolationFlags.Area);
        return sized;
    }

    /// <summary>8-bit BGR to a working image through PixelCodec (code values / 255, opaque).</summary>
    private static unsafe FloatImage ToImage(Mat bgr)
    {
        using var rgb = new Mat();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        var layout = new PixelLayout(rgb.Cols, rgb.Rows, PixelComponents.Rgb, PixelDepth.U8, rgb.Step(), TopDown: true, AlphaMode.Opaque);
        var image = new FloatImage(layout.Width, layout.Height);
        PixelCodec.Decode(new ReadOnlySpan<byte>(rgb.DataPointer, (int)layout.SpanBytes), layout, image);
        return image;
    }

    public void Dispose()
    {
        foreach (var image in Truth.Concat(Pasted).Concat(Masks)) image.Dispose();
    }
}
