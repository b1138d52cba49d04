using OpenCvSharp;
using Runway.Effects.Pixels;

namespace Runway.Looks.Tests;

/// <summary>
/// Finds the shared real test data (<c>shared/testdata</c>, never copied into the repository) and loads stills as
/// RGBA float sRGB code values (0..1, alpha 1). Missing data fails the test that asked for it, loudly.
/// </summary>
internal static class TestData
{
    public static string Root => Runway.Testing.SharedTestData.Root;

    /// <summary>A path inside the testdata directory, which must exist.</summary>
    public static string File(string relative) => Runway.Testing.SharedTestData.File(relative);

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
