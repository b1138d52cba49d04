using System.Runtime.CompilerServices;
using OpenCvSharp;
using Runway.Effects.Pixels;

namespace Runway.Looks.Tests;

/// <summary>
/// Finds the shared real test data (<c>shared/testdata</c>, never copied into the repository) and loads stills as
/// RGBA float sRGB code values (0..1, alpha 1). Missing data fails the test that asked for it, loudly.
/// </summary>
internal static class TestData
{
    private static readonly Lazy<string?> Located = new(Locate);

    public static string Root => Located.Value ?? throw new DirectoryNotFoundException(
        "real test data not found: looked for 'shared/testdata' above the test assembly " +
        $"({AppContext.BaseDirectory}) and above the test sources ({SourceDirectory()}), and for '../shared/testdata' next " +
        "to the repository root. Set RUNWAY_TESTDATA to its path.");

    /// <summary>A path inside the testdata directory, which must exist.</summary>
    public static string File(string relative)
    {
        var path = Path.Combine(Root, relative);
        if (!System.IO.File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"test data file missing: {path}", path);
        return path;
    }

    /// <summary>Every file with the extension under a testdata folder (at least one, else the test fails).</summary>
    public static IReadOnlyList<string> Files(string relativeFolder, string extension)
    {
        var files = Directory.EnumerateFiles(File(relativeFolder), "*" + extension, SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new FileNotFoundException($"no {extension} files under {File(relativeFolder)}");
        return files;
    }

    /// <summary>An 8-bit still as RGBA float code values, through the project's PixelCodec.</summary>
    public static unsafe Still Load(string path)
    {
        using var bgr = Cv2.ImRead(path, ImreadModes.Color);
        if (bgr.Empty()) throw new FileNotFoundException($"could not read image {path}", path);
        using var rgb = new Mat();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        var layout = new PixelLayout(rgb.Cols, rgb.Rows, PixelComponents.Rgb, PixelDepth.U8, rgb.Step(), TopDown: true, AlphaMode.Opaque);
        using var image = new FloatImage(layout.Width, layout.Height);
        PixelCodec.Decode(new ReadOnlySpan<byte>(rgb.DataPointer, (int)layout.SpanBytes), layout, image);
        return new Still(Path.GetFileName(path), layout.Width, layout.Height, image.Pixels.ToArray());
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

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? ".";
}

/// <summary>A loaded still: RGBA float sRGB code values, tightly packed.</summary>
internal sealed record Still(string Name, int Width, int Height, float[] Pixels)
{
    /// <summary>This still through a look (float, unclipped).</summary>
    public Still Through(Look look)
    {
        var output = new float[Pixels.Length];
        look.Apply(Pixels, output, Width, Height);
        return this with { Pixels = output };
    }
}
