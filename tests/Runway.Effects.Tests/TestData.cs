using System.Runtime.CompilerServices;
using OpenCvSharp;
using Runway.Effects.Pixels;

namespace Runway.Effects.Tests;

/// <summary>
/// Finds the shared real test data (<c>shared/testdata</c>, kept beside the repository and never copied into it) and
/// loads images from it into working images. Missing data fails the test that asked for it, loudly.
/// </summary>
internal static class TestData
{
    private static readonly Lazy<string?> Located = new(Locate);

    /// <summary>The testdata directory; throws (failing the calling test) when it cannot be found.</summary>
    public static string Root => Located.Value ?? throw new DirectoryNotFoundException(
        "real test data not found: looked for 'shared/testdata' in every directory above the test assembly " +
        $"({AppContext.BaseDirectory}) and above the test sources ({SourceDirectory()}), and for '../shared/testdata' next " +
        "to the repository root (the directory holding Runway.Plugins.sln). Set RUNWAY_TESTDATA to its path.");

    /// <summary>A path inside the testdata directory, which must exist.</summary>
    public static string File(string relative)
    {
        var path = Path.Combine(Root, relative);
        if (!System.IO.File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"test data file missing: {path}", path);
        return path;
    }

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

    private static string? Locate()
    {
        if (Environment.GetEnvironmentVariable("RUNWAY_TESTDATA") is { Length: > 0 } fromEnv && Directory.Exists(fromEnv))
            return Path.GetFullPath(fromEnv);
        foreach (var start in new[] { AppContext.BaseDirectory, SourceDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var inside = Path.Combine(dir.FullName, "shared", "testdata");
                if (Directory.Exists(inside)) return inside;
                if (System.IO.File.Exists(Path.Combine(dir.FullName, "Runway.Plugins.sln")))
                {
                    var beside = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata"));
                    if (Directory.Exists(beside)) return beside;
                }
            }
        }
        return null;
    }

    // Builds may put the test assembly far from the repository (e.g. --artifacts-path /tmp/...), so also start from
    // where this source file was compiled.
    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? ".";
}
