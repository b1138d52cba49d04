using OpenCvSharp;

namespace Runway.Cli.Demo;

/// <summary>
/// Makes the built-in demo shot: a slowly panning landscape with a boom microphone dipping into frame, plus a
/// matte of the microphone for each frame. Everything is drawn here, so the project ships no third-party media.
/// </summary>
public static class SampleShot
{
    /// <summary>Writes <c>frames/frame_NNNN.pam</c> (RGBA 16-bit) and <c>masks/mask_NNNN.pam</c> under <paramref name="directory"/>.</summary>
    public static IReadOnlyList<(string Frame, string Mask)> Write(string directory, int frames = 12, int width = 960, int height = 540)
    {
        var frameDir = Directory.CreateDirectory(Path.Combine(directory, "frames")).FullName;
        var maskDir = Directory.CreateDirectory(Path.Combine(directory, "masks")).FullName;
        using var world = PaintWorld(width + frames * 4 + 8, height);
        var written = new List<(string, string)>();
        for (var i = 0; i < frames; i++)
        {
            using var view = new Mat(world, new Rect(i * 4, 0, width, height)).Clone();
            using var mask = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
            DrawBoomMic(view, mask, i, frames);
            using var rgba = new Mat();
            Cv2.CvtColor(view, rgba, ColorConversionCodes.BGR2RGBA);
            using var rgba16 = new Mat();
            rgba.ConvertTo(rgba16, MatType.CV_16U, 257);
            using var maskRgba = new Mat();
            Cv2.CvtColor(mask, maskRgba, ColorConversionCodes.GRAY2RGBA);
            var frame = Path.Combine(frameDir, $"frame_{i:D4}.pam");
            var matte = Path.Combine(maskDir, $"mask_{i:D4}.pam");
            Media.PamFile.Write(frame, rgba16);
            Media.PamFile.Write(matte, maskRgba);
            written.Add((frame, matte));
        }
        return written;
    }

    private static Mat PaintWorld(int width, int height)
    {
        var img = new Mat(height, width, MatType.CV_8UC3);
        var horizon = height * 11 / 20;
        // Sky: vertical gradient, warmer near the horizon.
        for (var y = 0; y < horizon; y++)
        {
            var t = y / (double)horizon;
            Cv2.Line(img, new Point(0, y), new Point(width - 1, y), new Scalar(235 - 60 * t, 190 - 20 * t, 120 + 80 * t));
        }
        // Ground: a green-brown gradient with deterministic texture.
        for (var y = horizon; y < height; y++)
        {
            var t = (y - horizon) / (double)(height - horizon);
            Cv2.Line(img, new Point(0, y), new Point(width - 1, y), new Scalar(40 + 20 * t, 110 - 30 * t, 70 + 50 * t));
        }
        using (var noise = new Mat(height, width, MatType.CV_8UC3))
        {
            Cv2.SetTheRNG(7); // the same shot on every machine
            Cv2.Randn(noise, Scalar.All(0), Scalar.All(14));
            using var ground = new Mat(img, new Rect(0, horizon, width, height - horizon));
            using var groundNoise = new Mat(noise, new Rect(0, horizon, width, height - horizon));
            using var blurred = new Mat();
            Cv2.GaussianBlur(groundNoise, blurred, new Size(5, 5), 1.2);
            Cv2.Add(ground, blurred, ground);
        }
        // Distant hills and a fence give the fill straight lines and edges to continue.
        var hills = new List<Point>();
        for (var x = 0; x <= width; x += 16)
            hills.Add(new Point(x, horizon - 40 - (int)(30 * Math.Sin(x / 140.0) + 18 * Math.Sin(x / 47.0 + 1))));
        hills.Add(new Point(width, horizon));
        hills.Add(new Point(0, horizon));
        Cv2.FillPoly(img, [hills], new Scalar(90, 120, 95), LineTypes.AntiAlias);
        var fenceTop = horizon + 40;
        Cv2.Line(img, new Point(0, fenceTop), new Point(width, fenceTop), new Scalar(60, 90, 130), 4, LineTypes.AntiAlias);
        Cv2.Line(img, new Point(0, fenceTop + 28), new Point(width, fenceTop + 28), new Scalar(60, 90, 130), 4, LineTypes.AntiAlias);
        for (var x = 10; x < width; x += 48)
            Cv2.Rectangle(img, new Rect(x, fenceTop - 10, 8, 60), new Scalar(50, 80, 120), -1, LineTypes.AntiAlias);
        Cv2.Circle(img, new Point(width * 3 / 4, horizon / 3), 38, new Scalar(200, 240, 255), -1, LineTypes.AntiAlias);
        return img;
    }

    private static void DrawBoomMic(Mat view, Mat mask, int frame, int frames)
    {
        // The boom sways in from the top-left and dips deepest mid-shot.
        var dip = Math.Sin(Math.PI * frame / Math.Max(1, frames - 1));
        var tip = new Point(view.Width * 0.42 + 30 * Math.Sin(frame * 0.5), 90 + 200 * dip);
        var root = new Point(-20, tip.Y - 150);
        foreach (var (target, colour, grow) in new[] { (view, new Scalar(45, 45, 48), 0), (mask, Scalar.All(255), 6) })
        {
            Cv2.Line(target, root, tip, colour, 9 + 2 * grow, LineTypes.AntiAlias);
            Cv2.Ellipse(target, new RotatedRect(new Point2f(tip.X + 18, tip.Y + 22), new Size2f(70 + 2 * grow, 40 + 2 * grow), 35),
                colour, -1, LineTypes.AntiAlias);
        }
        // Fuzzy windscreen highlights so the object is not a flat colour.
        Cv2.Ellipse(view, new RotatedRect(new Point2f(tip.X + 12, tip.Y + 14), new Size2f(30, 14), 35), new Scalar(80, 80, 86), -1, LineTypes.AntiAlias);
        Cv2.Threshold(mask, mask, 1, 255, ThresholdTypes.Binary);
    }
}
