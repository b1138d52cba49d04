using System.Buffers.Binary;
using System.Text;
using OpenCvSharp;

namespace Runway.Cli.Media;

/// <summary>
/// PAM (Netpbm P7) RGBA files, the interchange format with the native conformance host. Written here rather than
/// through OpenCV because OpenCV's PAM codec writes 4-channel files without a TUPLTYPE, in BGRA order, and then
/// refuses to read them back.
/// </summary>
public static class PamFile
{
    /// <summary>Reads a P7 file (GRAYSCALE, GRAYSCALE_ALPHA, RGB or RGB_ALPHA; 8 or 16 bits) as an RGBA Mat.</summary>
    public static Mat Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var (width, height, depth, maxval, dataStart) = ParseHeader(bytes, path);
        var sampleBytes = maxval > 255 ? 2 : 1;
        var need = (long)width * height * depth * sampleBytes;
        if (bytes.Length - dataStart < need) throw new InvalidDataException($"PAM '{path}' is truncated: {bytes.Length - dataStart} of {need} pixel bytes");
        var mat = new Mat(height, width, sampleBytes == 2 ? MatType.CV_16UC4 : MatType.CV_8UC4);
        var pixels = bytes.AsSpan(dataStart);
        var scale = sampleBytes == 2 ? 65535.0 / maxval : 255.0 / maxval;
        Span<int> s = stackalloc int[4];
        unsafe
        {
            for (var y = 0; y < height; y++)
            {
                var row = mat.Ptr(y);
                for (var x = 0; x < width; x++)
                {
                    for (var c = 0; c < depth; c++)
                    {
                        var at = (int)(((long)(y * width + x) * depth + c) * sampleBytes);
                        s[c] = sampleBytes == 2 ? BinaryPrimitives.ReadUInt16BigEndian(pixels[at..]) : pixels[at];
                    }
                    // Grey and grey+alpha spread to RGB; a missing alpha is opaque.
                    var (r, g, b, a) = depth switch
                    {
                        1 => (s[0], s[0], s[0], maxval),
                        2 => (s[0], s[0], s[0], s[1]),
                        3 => (s[0], s[1], s[2], maxval),
                        _ => (s[0], s[1], s[2], s[3]),
                    };
                    if (sampleBytes == 2)
                    {
                        var p = (ushort*)row + x * 4;
                        p[0] = (ushort)Math.Round(r * scale); p[1] = (ushort)Math.Round(g * scale);
                        p[2] = (ushort)Math.Round(b * scale); p[3] = (ushort)Math.Round(a * scale);
                    }
                    else
                    {
                        var p = (byte*)row + x * 4;
                        p[0] = (byte)Math.Round(r * scale); p[1] = (byte)Math.Round(g * scale);
                        p[2] = (byte)Math.Round(b * scale); p[3] = (byte)Math.Round(a * scale);
                    }
                }
            }
        }
        return mat;
    }

    /// <summary>Writes an RGBA Mat (8-bit, 16-bit, or float clamped to 0..1 as 16-bit) as P7 RGB_ALPHA.</summary>
    public static void Write(string path, Mat rgba)
    {
        if (rgba.Channels() != 4) throw new ArgumentException("PAM writer expects RGBA", nameof(rgba));
        using var deep = new Mat();
        if (rgba.Depth() == MatType.CV_32F) rgba.ConvertTo(deep, MatType.CV_16U, 65535);
        else rgba.CopyTo(deep);
        var wide = deep.Depth() == MatType.CV_16U;
        var header = Encoding.ASCII.GetBytes(
            $"P7\nWIDTH {deep.Cols}\nHEIGHT {deep.Rows}\nDEPTH 4\nMAXVAL {(wide ? 65535 : 255)}\nTUPLTYPE RGB_ALPHA\nENDHDR\n");
        var (rows, cols) = (deep.Rows, deep.Cols);
        var rowBytes = cols * 4 * (wide ? 2 : 1);
        var data = new byte[header.Length + (long)rowBytes * rows];
        header.CopyTo(data, 0);
        unsafe
        {
            for (var y = 0; y < rows; y++)
            {
                var dst = data.AsSpan(header.Length + y * rowBytes, rowBytes);
                if (wide)
                {
                    var src = new ReadOnlySpan<ushort>((void*)deep.Ptr(y), cols * 4);
                    for (var i = 0; i < src.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(dst[(2 * i)..], src[i]);
                }
                else
                {
                    new ReadOnlySpan<byte>((void*)deep.Ptr(y), rowBytes).CopyTo(dst);
                }
            }
        }
        File.WriteAllBytes(path, data);
    }

    private static (int Width, int Height, int Depth, int MaxVal, int DataStart) ParseHeader(byte[] bytes, string path)
    {
        const string end = "ENDHDR\n";
        var text = Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 512));
        var stop = text.IndexOf(end, StringComparison.Ordinal);
        if (!text.StartsWith("P7\n", StringComparison.Ordinal) || stop < 0) throw new InvalidDataException($"'{path}' is not a PAM (P7) file");
        int width = 0, height = 0, depth = 0, maxval = 0;
        foreach (var line in text[3..stop].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#')) continue;
            var parts = line.Split(' ', 2, StringSplitOptions.TrimEntries);
            if (parts.Length < 2) continue;
            switch (parts[0])
            {
                case "WIDTH": width = int.Parse(parts[1]); break;
                case "HEIGHT": height = int.Parse(parts[1]); break;
                case "DEPTH": depth = int.Parse(parts[1]); break;
                case "MAXVAL": maxval = int.Parse(parts[1]); break;
            }
        }
        if (width <= 0 || height <= 0 || depth is < 1 or > 4 || maxval is < 1 or > 65535)
            throw new InvalidDataException($"PAM '{path}' has an unusable header (width {width}, height {height}, depth {depth}, maxval {maxval})");
        return (width, height, depth, maxval, stop + end.Length);
    }
}
