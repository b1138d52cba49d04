using OpenCvSharp;

namespace Runway.Cli.Media;

/// <summary>
/// Writes RGBA frames to an image, an image sequence or a video. Files are written to a temporary name and renamed,
/// so an interrupted render never leaves a half-written frame under the final name.
/// </summary>
public sealed class FrameWriter : IDisposable
{
    private readonly string _path;
    private readonly double _fps;
    private VideoWriter? _video;
    private string? _videoTemp;
    private int _index;

    public FrameWriter(string path, MediaKind kind, double fps)
    {
        _path = path;
        Kind = kind;
        _fps = fps;
        var dir = kind == MediaKind.Sequence && !path.Contains('%') ? path : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
    }

    public MediaKind Kind { get; }

    /// <summary>Files written so far (for sequences and images).</summary>
    public List<string> Written { get; } = [];

    public void Write(Mat rgba)
    {
        switch (Kind)
        {
            case MediaKind.Image:
                WriteImage(_path, rgba);
                Written.Add(_path);
                break;
            case MediaKind.Sequence:
                var file = MediaPaths.SequenceFramePath(_path, _index);
                WriteImage(file, rgba);
                Written.Add(file);
                break;
            default:
                WriteVideoFrame(rgba);
                break;
        }
        _index++;
    }

    /// <summary>Writes one RGBA image atomically; 8-bit formats get a rounded, clamped conversion from deeper data.</summary>
    public static void WriteImage(string file, Mat rgba)
    {
        var ext = System.IO.Path.GetExtension(file).ToLowerInvariant();
        var temp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file))!,
            $".{System.IO.Path.GetFileNameWithoutExtension(file)}.partial{ext}");
        if (ext == ".pam")
        {
            PamFile.Write(temp, rgba);
            File.Move(temp, file, overwrite: true);
            return;
        }
        using var bgra = new Mat();
        Cv2.CvtColor(rgba, bgra, ColorConversionCodes.RGBA2BGRA);
        using var encoded = ConvertForFormat(bgra, ext);
        if (!Cv2.ImWrite(temp, encoded)) throw new IOException($"cannot write image '{file}'");
        File.Move(temp, file, overwrite: true);
    }

    private static Mat ConvertForFormat(Mat bgra, string ext)
    {
        var depth = bgra.Depth();
        var wantsFloat = ext is ".exr" or ".pfm" or ".hdr";
        var allows16 = ext is ".png" or ".tif" or ".tiff" or ".pam";
        var result = new Mat();
        if (wantsFloat) bgra.ConvertTo(result, MatType.CV_32F, depth == MatType.CV_8U ? 1 / 255.0 : depth == MatType.CV_16U ? 1 / 65535.0 : 1);
        else if (depth == MatType.CV_32F && allows16) bgra.ConvertTo(result, MatType.CV_16U, 65535);
        else if (depth == MatType.CV_32F) bgra.ConvertTo(result, MatType.CV_8U, 255);
        else if (depth == MatType.CV_16U && !allows16) bgra.ConvertTo(result, MatType.CV_8U, 1 / 257.0);
        else bgra.CopyTo(result);
        if (ext is ".jpg" or ".jpeg" or ".bmp" or ".ppm")
        {
            var bgr = new Mat();
            Cv2.CvtColor(result, bgr, ColorConversionCodes.BGRA2BGR);
            result.Dispose();
            return bgr;
        }
        return result;
    }

    private void WriteVideoFrame(Mat rgba)
    {
        using var bgr8 = new Mat();
        using var bgr = new Mat();
        Cv2.CvtColor(rgba, bgr, ColorConversionCodes.RGBA2BGR);
        var scale = bgr.Depth() switch { MatType.CV_16U => 1 / 257.0, MatType.CV_32F => 255.0, _ => 1.0 };
        bgr.ConvertTo(bgr8, MatType.CV_8U, scale);
        if (_video is null)
        {
            var ext = System.IO.Path.GetExtension(_path);
            _videoTemp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_path))!,
                $".{System.IO.Path.GetFileNameWithoutExtension(_path)}.partial{ext}");
            var fourcc = ext.Equals(".webm", StringComparison.OrdinalIgnoreCase) ? FourCC.FromString("VP90") : FourCC.FromString("mp4v");
            _video = new VideoWriter(_videoTemp, fourcc, _fps, bgr8.Size());
            if (!_video.IsOpened()) throw new IOException($"cannot open a video encoder for '{_path}'");
        }
        _video.Write(bgr8);
    }

    /// <summary>Finishes a video (renames it into place). Without this call a partial video stays under its temporary name.</summary>
    public void Complete()
    {
        if (_video is null) return;
        _video.Release();
        _video.Dispose();
        _video = null;
        File.Move(_videoTemp!, _path, overwrite: true);
        Written.Add(_path);
    }

    public void Dispose() => _video?.Dispose();
}
