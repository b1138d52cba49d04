using System.Runtime.CompilerServices;
using OpenCvSharp;
using Runway.Effects.Definitions;
using Runway.Effects.Pixels;
using Runway.Looks;

namespace Runway.Effects.Tests;

/// <summary>Loading, params and contact sheets for the style transfer tests.</summary>
internal static class StyleTransferMedia
{
    /// <summary>Loads an 8-bit sRGB file (or a decoded video frame) as a linear working image, longer side at most <paramref name="maxSide"/>.</summary>
    public static FloatImage LoadLinear(string path, int maxSide)
    {
        using var bgr = Cv2.ImRead(path, ImreadModes.Color);
        if (bgr.Empty()) throw new FileNotFoundException($"could not read image {path}", path);
        return FromBgr(bgr, maxSide);
    }

    /// <summary>Frames <paramref name="first"/>.. of a video, linear, longer side at most <paramref name="maxSide"/>.</summary>
    public static List<FloatImage> LoadVideo(string path, int first, int count, int maxSide)
    {
        using var capture = new VideoCapture(path);
        if (!capture.IsOpened()) throw new InvalidOperationException($"could not open {path}");
        capture.Set(VideoCaptureProperties.PosFrames, first);
        var frames = new List<FloatImage>();
        using var frame = new Mat();
        for (var i = 0; i < count; i++)
        {
            if (!capture.Read(frame) || frame.Empty()) throw new InvalidOperationException($"{path} ended before frame {first + i}");
            frames.Add(FromBgr(frame, maxSide));
        }
        return frames;
    }

    private static FloatImage FromBgr(Mat bgr, int maxSide)
    {
        var scale = Math.Min(1.0, maxSide / (double)Math.Max(bgr.Cols, bgr.Rows));
        using var sized = new Mat();
        if (scale < 1) Cv2.Resize(bgr, sized, new Size((int)Math.Round(bgr.Cols * scale), (int)Math.Round(bgr.Rows * scale)), 0, 0, InterpolationFlags.Area);
        else bgr.CopyTo(sized);
        var table = new float[256];
        for (var i = 0; i < 256; i++) table[i] = (float)ColorSpaces.SrgbToLinear(i / 255.0);
        var (width, height) = (sized.Cols, sized.Rows);
        // One bulk copy out of the Mat: per-pixel At<> is a native call each.
        sized.GetArray(out Vec3b[] bgrPixels);
        var image = new FloatImage(width, height);
        var dst = image.Pixels;
        for (var i = 0; i < bgrPixels.Length; i++)
        {
            var p = bgrPixels[i];
            dst[i * 4] = table[p.Item2];
            dst[i * 4 + 1] = table[p.Item1];
            dst[i * 4 + 2] = table[p.Item0];
            dst[i * 4 + 3] = 1f;
        }
        return image;
    }

    /// <summary>
    /// Sharpness: mean |Laplacian| (3×3) of the square root of luminance (roughly what a display shows), over the
    /// whole picture. A blend that mixes a resampled or misaligned copy of another frame into the detail lowers it.
    /// </summary>
    public static double Sharpness(FloatImage image)
    {
        var (w, h) = (image.Width, image.Height);
        var grey = new float[w * h];
        var px = image.Pixels;
        for (var i = 0; i < grey.Length; i++)
            grey[i] = MathF.Sqrt(MathF.Max(0.2126f * px[i * 4] + 0.7152f * px[i * 4 + 1] + 0.0722f * px[i * 4 + 2], 0f));
        using var mat = Mat.FromPixelData(h, w, MatType.CV_32FC1, grey);
        using var laplacian = new Mat();
        Cv2.Laplacian(mat, laplacian, MatType.CV_32F);
        using var magnitude = laplacian.Abs().ToMat();
        return Cv2.Mean(magnitude).Val0;
    }

    public static ParamSet Params(params (string Name, object Value)[] values) =>
        ParamSet.Bind(StyleTransferDefinition.Definition, values.ToDictionary(v => v.Name, v => v.Value));

    /// <summary>A frame for the engine with the given reference clip, time and neighbours.</summary>
    public static EffectFrame Frame(FloatImage source, FloatImage output, ParamSet parameters, FloatImage? reference = null,
        double time = 0, IReadOnlyList<TimedImage>? neighbours = null, bool interactive = false) =>
        new(source, null, output, parameters, time, 1, interactive, "style-test")
        {
            Clips = reference is null ? new Dictionary<string, FloatImage>() : new Dictionary<string, FloatImage> { [StyleTransferDefinition.ClipReference] = reference },
            Neighbours = neighbours ?? [],
        };

    /// <summary>
    /// Writes rows of linear images, each scaled to <paramref name="cellHeight"/> and sRGB-encoded, side by side, as a
    /// PNG under out/test-artifacts/style-transfer/ for a person to look at.
    /// </summary>
    public static string WriteContactSheet(string name, IReadOnlyList<IReadOnlyList<FloatImage>> rows, int cellHeight)
    {
        var dir = Path.Combine(RepoRoot(), "out", "test-artifacts", "style-transfer");
        Directory.CreateDirectory(dir);
        var rowMats = new List<Mat>();
        try
        {
            foreach (var row in rows)
            {
                var cells = row.Select(image => Cell(image, cellHeight)).ToArray();
                var joined = new Mat();
                Cv2.HConcat(cells, joined);
                foreach (var c in cells) c.Dispose();
                rowMats.Add(joined);
            }
            var width = rowMats.Max(m => m.Cols);
            for (var i = 0; i < rowMats.Count; i++)
            {
                if (rowMats[i].Cols == width) continue;
                var padded = new Mat();
                Cv2.CopyMakeBorder(rowMats[i], padded, 0, 0, 0, width - rowMats[i].Cols, BorderTypes.Constant, Scalar.All(32));
                rowMats[i].Dispose();
                rowMats[i] = padded;
            }
            using var sheet = new Mat();
            Cv2.VConcat(rowMats.ToArray(), sheet);
            var path = Path.Combine(dir, name + ".png");
            Cv2.ImWrite(path, sheet);
            return path;
        }
        finally
        {
            foreach (var m in rowMats) m.Dispose();
        }
    }

    private static Mat Cell(FloatImage image, int cellHeight)
    {
        using var encoded = new Mat(image.Height, image.Width, MatType.CV_8UC3);
        for (var y = 0; y < image.Height; y++)
        {
            var row = image.Row(y);
            for (var x = 0; x < image.Width; x++)
            {
                byte E(float v) => (byte)Math.Clamp(ColorSpaces.LinearToSrgb(v) * 255 + 0.5, 0, 255);
                encoded.Set(y, x, new Vec3b(E(row[x * 4 + 2]), E(row[x * 4 + 1]), E(row[x * 4])));
            }
        }
        var cell = new Mat();
        Cv2.Resize(encoded, cell, new Size(Math.Max(1, (int)Math.Round(image.Width * cellHeight / (double)image.Height)), cellHeight), 0, 0, InterpolationFlags.Area);
        return cell;
    }

    private static string RepoRoot([CallerFilePath] string here = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(here)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Runway.Plugins.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no Runway.Plugins.sln above {here}");
    }
}
