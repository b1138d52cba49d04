using OpenCvSharp;
using Runway.Effects.Pixels;

namespace Runway.Effects.Tests;

/// <summary>
/// Finds the shared real test data (<c>shared/testdata</c>, kept beside the repository and never copied into it) and
/// loads images from it into working images. Missing data fails the test that asked for it, loudly.
/// </summary>
internal static class TestData
{
    /// <summary>The testdata directory; throws (failing the calling test) when it cannot be found.</summary>
    public static string Root => Runway.Testing.SharedTestData.Root;

    /// <summary>A path inside the testdata directory, which must exist.</summary>
    public static string File(string relative) => Runway.Testing.SharedTestData.File(relative);

    /// <summary>Loads an 8-bit image file as a working image (sRGB code values / 255, alpha 1), through PixelCodec.</summary>
    public static unsafe FloatImage LoadRgb(string path)
    {
        using var bgr = Cv2.ImRead(path, ImreadModes.Color);
        if (bgr.Empty()) throw new FileNotFoundException($"could not read image {path}", path);
        using var rgb = new Mat();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        var layout = new PixelLayout(rgb.Cols, rgb.Rows, PixelComponents.Rgb, PixelDepth.U8, rgb.Step(), TopDown: true, AlphaMode.Opaque);
        var image = new FloatImage(layout.Width, layout.Height);
        PixelCodec.Decode(new ReadOnlySpan<byte>(rgb.DataPointer, (int)layout.SpanBytes), layout, image);
        return image;
    }

    /// <summary>Loads an image file as a grayscale mask, resized (nearest) to the given size when it differs.</summary>
    public static unsafe FloatImage LoadMask(string path, int width, int height)
    {
        using var gray = Cv2.ImRead(path, ImreadModes.Grayscale);
        if (gray.Empty()) throw new FileNotFoundException($"could not read image {path}", path);
        using var sized = new Mat();
        Cv2.Resize(gray, sized, new Size(width, height), 0, 0, InterpolationFlags.Nearest);
        var layout = new PixelLayout(width, height, PixelComponents.Alpha, PixelDepth.U8, sized.Step(), TopDown: true, AlphaMode.Straight);
        var image = new FloatImage(width, height);
        PixelCodec.Decode(new ReadOnlySpan<byte>(sized.DataPointer, (int)layout.SpanBytes), layout, image);
        return image;
    }
}
