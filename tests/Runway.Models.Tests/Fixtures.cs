using Runway.Effects.Pixels;

namespace Runway.Models.Tests;

/// <summary>The committed fixture packs (see fixtures/make_fixtures.py) and scratch model directories built from them.</summary>
internal static class Fixtures
{
    public const string ConvBlur = "conv-blur";
    public const string InpaintFill = "inpaint-fill";
    public const string NhwcDouble = "nhwc-double";
    public const string FixedIdentity = "fixed-identity";
    public const string RecurrentAverage = "recurrent-average";

    public const string SalientMean = "salient-mean";
    public const string VideoMattingAverage = "video-matting-average";
    public const string GenerativeFillReference = "generative-fill-reference";
    public const string StyleNegative = "style-negative";
    public const string StyleBlend = "style-blend";
    public const string PromptablePoints = "promptable-points";
    public const string PromptableBox = "promptable-box";
    public const string VideoMattingStrided = "video-matting-strided";

    /// <summary>One fixture per contract beyond inpaint.</summary>
    public static readonly string[] Contracts = [SalientMean, VideoMattingAverage, GenerativeFillReference, StyleNegative, StyleBlend, PromptablePoints, PromptableBox, VideoMattingStrided];

    public static readonly string[] All = [ConvBlur, InpaintFill, NhwcDouble, FixedIdentity, RecurrentAverage, .. Contracts];

    /// <summary>The committed folder of a fixture pack (copied beside the test assembly); fails loudly when missing.</summary>
    public static string Pack(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "fixtures", name);
        if (!File.Exists(Path.Combine(dir, "model.json")))
            throw new DirectoryNotFoundException($"fixture pack {name} missing at {dir}; run fixtures/make_fixtures.py and rebuild");
        return dir;
    }

    /// <summary>A fresh temporary models directory holding copies of the named packs.</summary>
    public static TempDir ModelsDir(params string[] packs)
    {
        var temp = new TempDir();
        foreach (var p in packs) CopyPack(p, Path.Combine(temp.Path, p));
        return temp;
    }

    public static void CopyPack(string name, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(Pack(name))) File.Copy(f, Path.Combine(to, Path.GetFileName(f)), overwrite: true);
    }

    /// <summary>A deterministic test picture: smooth gradients plus a hard edge, some values above 1.</summary>
    public static FloatImage Picture(int width, int height, float gain = 1f)
    {
        var image = new FloatImage(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var p = image.Row(y).Slice(x * 4, 4);
                p[0] = gain * (x / (float)width);
                p[1] = gain * (y / (float)height);
                p[2] = gain * ((x * 7 + y * 13) % 17 / 16f);
                p[3] = x > width / 2 ? 1f : 0.5f;
            }
        }
        return image;
    }
}

/// <summary>A temporary directory deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "runway-models-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
