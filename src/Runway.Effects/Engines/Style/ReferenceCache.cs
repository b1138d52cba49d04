using System.Runtime.InteropServices;
using OpenCvSharp;
using Runway.Effects.Pixels;
using Runway.Looks;

namespace Runway.Effects.Engines.Style;

/// <summary>
/// Colour statistics of style references, computed once per reference: a Reference clip frame is keyed by a hash of
/// its pixels (hosts send the same still for every frame), a reference file by path, size and modification time.
/// Small and bounded; thread-safe.
/// </summary>
public sealed class ReferenceCache
{
    /// <summary>Samples taken from a reference (more than from each source frame: computed once, used for every frame).</summary>
    public const int ReferenceSamples = 250_000;

    private const int Capacity = 16;

    private readonly Dictionary<string, ColourStatistics> _entries = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Lock _lock = new();

    /// <summary>Statistics of a reference image in working format.</summary>
    public ColourStatistics ForImage(FloatImage reference) =>
        GetOrAdd($"pixels:{reference.Width}x{reference.Height}:{ContentHash(reference.Pixels):x16}",
            () => ColourStatistics.Measure(reference, ReferenceSamples, quantiles: true));

    /// <summary>Statistics of a reference image file: 8/16-bit files are sRGB-encoded, float files (EXR, HDR) linear.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="FormatException">OpenCV cannot decode it.</exception>
    public ColourStatistics ForFile(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        if (!info.Exists) throw new FileNotFoundException($"reference image not found: {full}", full);
        return GetOrAdd($"file:{full}:{info.Length}:{info.LastWriteTimeUtc.Ticks}", () => MeasureFile(full));
    }

    private ColourStatistics GetOrAdd(string key, Func<ColourStatistics> measure)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var hit)) return hit;
        }
        // Measured outside the lock: two threads may both measure a new reference once; the results are identical.
        var stats = measure();
        lock (_lock)
        {
            if (_entries.TryAdd(key, stats))
            {
                _order.Enqueue(key);
                while (_order.Count > Capacity) _entries.Remove(_order.Dequeue());
            }
            return stats;
        }
    }

    private static ColourStatistics MeasureFile(string path)
    {
        using var raw = Cv2.ImRead(path, ImreadModes.Color | ImreadModes.AnyDepth);
        if (raw.Empty()) throw new FormatException($"cannot decode reference image {path}");
        var depth = raw.Depth();
        var linear = depth is MatType.CV_32F or MatType.CV_64F;
        var scale = depth switch { MatType.CV_8U => 1.0 / 255, MatType.CV_16U => 1.0 / 65535, _ => 1.0 };
        using var bgr = new Mat();
        raw.ConvertTo(bgr, MatType.CV_32FC3, scale);
        using var rgba = new Mat();
        Cv2.CvtColor(bgr, rgba, ColorConversionCodes.BGR2RGBA);
        var pixels = new float[rgba.Rows * rgba.Cols * 4];
        Marshal.Copy(rgba.Data, pixels, 0, pixels.Length);
        if (!linear)
        {
            // sRGB code values → linear through a 4096-entry table: the file is read once, but may be large.
            var table = new float[4097];
            for (var i = 0; i < table.Length; i++) table[i] = (float)ColorSpaces.SrgbToLinear(i / 4096.0);
            for (var i = 0; i < pixels.Length; i++)
            {
                if ((i & 3) == 3) continue;
                pixels[i] = table[(int)Math.Round(Math.Clamp(pixels[i], 0f, 1f) * 4096)];
            }
        }
        return ColourStatistics.Measure(pixels, rgba.Cols, rgba.Rows, ReferenceSamples, quantiles: true);
    }

    /// <summary>A 64-bit hash of the pixel bytes (four multiply–rotate lanes; not cryptographic, only a cache key).</summary>
    public static ulong ContentHash(ReadOnlySpan<float> pixels)
    {
        var words = MemoryMarshal.Cast<float, ulong>(pixels);
        const ulong Prime1 = 0x9E3779B185EBCA87UL, Prime2 = 0xC2B2AE3D27D4EB4FUL;
        ulong h0 = Prime1, h1 = Prime2, h2 = 0x165667B19E3779F9UL, h3 = 0x27D4EB2F165667C5UL;
        var i = 0;
        for (; i + 3 < words.Length; i += 4)
        {
            h0 = ulong.RotateLeft(h0 + words[i] * Prime2, 31) * Prime1;
            h1 = ulong.RotateLeft(h1 + words[i + 1] * Prime2, 31) * Prime1;
            h2 = ulong.RotateLeft(h2 + words[i + 2] * Prime2, 31) * Prime1;
            h3 = ulong.RotateLeft(h3 + words[i + 3] * Prime2, 31) * Prime1;
        }
        var h = ulong.RotateLeft(h0, 1) + ulong.RotateLeft(h1, 7) + ulong.RotateLeft(h2, 12) + ulong.RotateLeft(h3, 18);
        for (; i < words.Length; i++) h = ulong.RotateLeft(h ^ (words[i] * Prime2), 27) * Prime1;
        h ^= (ulong)pixels.Length;
        h ^= h >> 33;
        h *= Prime2;
        h ^= h >> 29;
        return h;
    }
}
