using OpenCvSharp;

namespace Runway.Cli.Demo;

/// <summary>Builds a before/after contact sheet: one row per frame with the source, the mask over it, and the result.</summary>
public static class ContactSheet
{
    public static void Write(string output, IReadOnlyList<(string Before, string? Mask, string After)> frames, int columnWidth = 480, int maxRows = 4)
    {
        if (frames.Count == 0) throw new ArgumentException("no frames for the contact sheet", nameof(frames));
        var picks = Enumerable.Range(0, Math.Min(maxRows, frames.Count))
            .Select(i => frames[(int)Math.Round(i * (frames.Count - 1) / (double)Math.Max(1, Math.Min(maxRows, frames.Count) - 1))])
            .ToList();
        var rows = new List<Mat>();
        try
        {
            foreach (var (before, maskPath, after) in picks)
            {
                using var b = Load8(before, columnWidth);
                using var a = Load8(after, columnWidth);
                using var overlay = b.Clone();
                if (maskPath is not null)
                {
                    using var m = Load8(maskPath, columnWidth);
                    using var gray = new Mat();
                    Cv2.CvtColor(m, gray, ColorConversionCodes.BGR2GRAY);
                    using var red = new Mat(overlay.Size(), overlay.Type(), new Scalar(40, 40, 230));
                    using var tinted = new Mat();
                    Cv2.AddWeighted(overlay, 0.4, red, 0.6, 0, tinted);
                    tinted.CopyTo(overlay, gray);
                }
                Label(b, "before");
                Label(overlay, "mask");
                Label(a, "after (through Runway.ofx)");
                var row = new Mat();
                Cv2.HConcat([b, overlay, a], row);
                rows.Add(row);
            }
            using var sheet = new Mat();
            Cv2.VConcat(rows.ToArray(), sheet);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            if (!Cv2.ImWrite(output, sheet)) throw new IOException($"cannot write contact sheet '{output}'");
        }
        finally
        {
            foreach (var r in rows) r.Dispose();
        }
    }

    private static Mat Load8(string file, int width)
    {
        using var rgba = Media.FrameReader.ReadImage(file);
        using var raw = new Mat();
        using (var bgr = new Mat())
        {
            Cv2.CvtColor(rgba, bgr, ColorConversionCodes.RGBA2BGR);
            var scale = bgr.Depth() switch { MatType.CV_16U => 1 / 257.0, MatType.CV_32F => 255.0, _ => 1.0 };
            bgr.ConvertTo(raw, MatType.CV_8U, scale);
        }
        var scaled = new Mat();
        Cv2.Resize(raw, scaled, new Size(width, (int)Math.Round(raw.Rows * width / (double)raw.Cols)), 0, 0, InterpolationFlags.Area);
        return scaled;
    }

    private static void Label(Mat img, string text)
    {
        Cv2.Rectangle(img, new Rect(0, 0, 12 + text.Length * 11, 26), new Scalar(0, 0, 0), -1);
        Cv2.PutText(img, text, new Point(6, 18), HersheyFonts.HersheySimplex, 0.55, new Scalar(255, 255, 255), 1, LineTypes.AntiAlias);
    }
}
