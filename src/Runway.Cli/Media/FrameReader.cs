using OpenCvSharp;

namespace Runway.Cli.Media;

/// <summary>
/// Reads frames from an image, an image sequence or a video as RGBA <see cref="Mat"/>s of 8-bit, 16-bit or float
/// channels (the file's own depth is kept: float EXRs stay float).
/// </summary>
public sealed class FrameReader : IDisposable
{
    private readonly IReadOnlyList<string>? _files;
    private readonly VideoCapture? _video;
    private int _next;

    public FrameReader(string path)
    {
        Path = path;
        Kind = MediaPaths.Classify(path);
        switch (Kind)
        {
            case MediaKind.Image:
                if (!File.Exists(path)) throw new FileNotFoundException($"input image '{path}' does not exist", path);
                _files = [path];
                break;
            case MediaKind.Sequence:
                _files = MediaPaths.ExpandSequence(path);
                if (_files.Count == 0) throw new FileNotFoundException($"no frames match '{path}'");
                break;
            default:
                if (!File.Exists(path)) throw new FileNotFoundException($"input video '{path}' does not exist", path);
                _video = new VideoCapture(path);
                if (!_video.IsOpened()) throw new InvalidDataException($"cannot decode video '{path}'");
                FramesPerSecond = _video.Fps > 0 ? _video.Fps : 24;
                break;
        }
    }

    public string Path { get; }
    public MediaKind Kind { get; }

    /// <summary>Frame count (videos: as the container reports it, which may be approximate).</summary>
    public int FrameCount => _files?.Count ?? Math.Max(0, _video!.FrameCount);

    public double FramesPerSecond { get; } = 24;

    /// <summary>Reads the next frame as RGBA, or returns null at the end.</summary>
    public Mat? ReadNext()
    {
        if (_files is not null)
        {
            if (_next >= _files.Count) return null;
            return ReadImage(_files[_next++]);
        }
        using var bgr = new Mat();
        if (!_video!.Read(bgr) || bgr.Empty()) return null;
        _next++;
        return ToRgba(bgr);
    }

    /// <summary>Reads one image file as RGBA, keeping its channel depth.</summary>
    public static Mat ReadImage(string file)
    {
        if (System.IO.Path.GetExtension(file).Equals(".pam", StringComparison.OrdinalIgnoreCase)) return PamFile.Read(file);
        using var raw = Cv2.ImRead(file, ImreadModes.Unchanged);
        if (raw.Empty()) throw new InvalidDataException($"cannot decode image '{file}' (missing, corrupt or unsupported format)");
        return ToRgba(raw);
    }

    private static Mat ToRgba(Mat raw)
    {
        var depth = raw.Depth();
        using var sameDepth = depth switch
        {
            MatType.CV_8U or MatType.CV_16U or MatType.CV_32F => raw.Clone(),
            MatType.CV_16F => Convert(raw, MatType.CV_32F, 1.0),
            MatType.CV_8S or MatType.CV_16S or MatType.CV_32S => Convert(raw, MatType.CV_32F, 1.0),
            _ => Convert(raw, MatType.CV_32F, 1.0),
        };
        var rgba = new Mat();
        switch (sameDepth.Channels())
        {
            case 1: Cv2.CvtColor(sameDepth, rgba, ColorConversionCodes.GRAY2RGBA); break;
            case 3: Cv2.CvtColor(sameDepth, rgba, ColorConversionCodes.BGR2RGBA); break;
            case 4: Cv2.CvtColor(sameDepth, rgba, ColorConversionCodes.BGRA2RGBA); break;
            default:
                rgba.Dispose();
                throw new InvalidDataException($"images with {sameDepth.Channels()} channels are not supported");
        }
        return rgba;
    }

    private static Mat Convert(Mat m, MatType type, double scale)
    {
        var r = new Mat();
        m.ConvertTo(r, type, scale);
        return r;
    }

    public void Dispose() => _video?.Dispose();
}
