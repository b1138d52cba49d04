using OpenCvSharp;
using Runway.Effects.Pixels;

namespace Runway.Effects.Tests;

/// <summary>
/// Consecutive frames of a real clip for extend-shot tests, decoded with OpenCV and area-resized to a working size:
/// <see cref="Frames"/>[i] is clip frame <see cref="First"/> + i.
/// </summary>
internal sealed class ExtendShotClip : IDisposable
{
    public required IReadOnlyList<FloatImage> Frames { get; init; }
    public required int First { get; init; }

    /// <summary>The last <paramref name="count"/> frames of the clip (decoded to the end), at <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static ExtendShotClip LoadTail(string relative, int count, int width, int height)
    {
        var path = TestData.File(relative);
        using var capture = new VideoCapture(path);
        if (!capture.IsOpened()) throw new InvalidOperationException($"could not open {path}");
        // Seek close to the end (decoding a whole 1080p clip costs tens of seconds); the ring keeps only the tail.
        var total = (int)capture.Get(VideoCaptureProperties.FrameCount);
        var index = Math.Max(0, total - count - 30);
        if (index > 0) capture.Set(VideoCaptureProperties.PosFrames, index);
        index = (int)capture.Get(VideoCaptureProperties.PosFrames);
        var ring = new Queue<Mat>();
        while (true)
        {
            var frame = new Mat();
            if (!capture.Read(frame) || frame.Empty())
            {
                frame.Dispose();
                break;
            }
            var sized = new Mat();
            Cv2.Resize(frame, sized, new Size(width, height), 0, 0, InterpolationFlags.Area);
            frame.Dispose();
            ring.Enqueue(sized);
            if (ring.Count > count) ring.Dequeue().Dispose();
            index++;
        }
        if (ring.Count < count) throw new InvalidOperationException($"{path} has {index} frames, fewer than {count}");
        var frames = ring.Select(ToImage).ToList();
        foreach (var m in ring) m.Dispose();
        return new ExtendShotClip { Frames = frames, First = index - count };
    }

    /// <summary>
    /// <paramref name="count"/> consecutive frames starting at frame <paramref name="first"/> of a video, or of a folder of
    /// numbered images (sorted by name), at <paramref name="width"/>×<paramref name="height"/> (area resize).
    /// </summary>
    public static ExtendShotClip LoadWindow(string relative, int first, int count, int width, int height)
    {
        var path = TestData.File(relative);
        var mats = new List<Mat>();
        try
        {
            if (Directory.Exists(path))
            {
                var files = Directory.GetFiles(path).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)
                    || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
                if (files.Count < first + count) throw new InvalidOperationException($"{path} has {files.Count} frames, fewer than {first + count}");
                foreach (var f in files.Skip(first).Take(count))
                {
                    using var bgr = Cv2.ImRead(f, ImreadModes.Color);
                    if (bgr.Empty()) throw new FileNotFoundException($"could not read {f}", f);
                    mats.Add(Sized(bgr, width, height));
                }
            }
            else
            {
                using var capture = new VideoCapture(path);
                if (!capture.IsOpened()) throw new InvalidOperationException($"could not open {path}");
                // Decode from the start: frame-accurate seeking is not guaranteed for every codec, and these clips are short.
                for (var index = 0; mats.Count < count; index++)
                {
                    using var frame = new Mat();
                    if (!capture.Read(frame) || frame.Empty()) throw new InvalidOperationException($"{path} has {index} frames, fewer than {first + count}");
                    if (index >= first) mats.Add(Sized(frame, width, height));
                }
            }
            return new ExtendShotClip { Frames = mats.Select(ToImage).ToList(), First = first };
        }
        finally
        {
            foreach (var m in mats) m.Dispose();
        }
    }

    private static Mat Sized(Mat bgr, int width, int height)
    {
        var sized = new Mat();
        Cv2.Resize(bgr, sized, new Size(width, height), 0, 0, InterpolationFlags.Area);
        return sized;
    }

    /// <summary>8-bit BGR to a working image through PixelCodec (code values / 255, opaque).</summary>
    public static unsafe FloatImage ToImage(Mat bgr)
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
        foreach (var f in Frames) f.Dispose();
    }
}
