using System.Runtime.InteropServices;

namespace Runway.Effects.Pixels;

/// <summary>
/// Converts stored frames (any <see cref="PixelLayout"/>) to and from the working <see cref="FloatImage"/>:
/// RGBA float32, straight alpha, rows top-down. This is the one place where pixel formats are interpreted.
/// </summary>
/// <remarks>
/// Integers are normalised (0..255, 0..65535 → 0..1) and clamped with rounding on encode; half and float values are
/// passed through unclipped so scene-linear values above 1 and below 0 survive. Premultiplied frames are
/// un-premultiplied on decode where alpha &gt; 0 and re-premultiplied on encode. RGB frames, and frames tagged
/// <see cref="AlphaMode.Opaque"/>, decode with alpha 1. An Alpha-only frame decodes to R = G = B = A = value.
/// </remarks>
public static class PixelCodec
{
    // Below this many pixels a single thread wins: the fork/join cost of Parallel.For is a few tens of microseconds.
    private const int ParallelPixelThreshold = 256 * 1024;

    private const float InvU8 = 1f / 255f;
    private const float InvU16 = 1f / 65535f;

    // A table is faster than a multiply plus int-to-float conversion for bytes, and exact.
    private static readonly float[] U8ToFloat = BuildU8Table();

    private static readonly float[] HalfToFloat = BuildHalfTable();

    /// <summary>Decodes <paramref name="src"/> (laid out as <paramref name="layout"/>) into <paramref name="dst"/>.</summary>
    /// <exception cref="ArgumentException">The layout is unusable, <paramref name="src"/> is shorter than
    /// <see cref="PixelLayout.SpanBytes"/>, or <paramref name="dst"/> has a different size.</exception>
    public static unsafe void Decode(ReadOnlySpan<byte> src, PixelLayout layout, FloatImage dst)
    {
        Check(layout, src.Length, dst, nameof(src));
        fixed (byte* basePtr = src)
        {
            var state = new RowJob((nint)basePtr, layout, dst);
            ForEachRow(layout, state, static (job, storedRow) =>
            {
                var row = new ReadOnlySpan<byte>((byte*)(job.Base + storedRow * job.Layout.RowBytes), (int)job.Layout.MinRowBytes);
                var y = job.Layout.TopDown ? storedRow : job.Layout.Height - 1 - storedRow;
                DecodeRow(row, job.Layout, job.Image.Row(y));
            });
        }
    }

    /// <summary>Encodes <paramref name="src"/> into <paramref name="dst"/> laid out as <paramref name="layout"/>.
    /// Bytes between stored rows (row padding) are left untouched.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Decode"/>.</exception>
    public static unsafe void Encode(FloatImage src, PixelLayout layout, Span<byte> dst)
    {
        Check(layout, dst.Length, src, nameof(dst));
        fixed (byte* basePtr = dst)
        {
            var state = new RowJob((nint)basePtr, layout, src);
            ForEachRow(layout, state, static (job, storedRow) =>
            {
                var row = new Span<byte>((byte*)(job.Base + storedRow * job.Layout.RowBytes), (int)job.Layout.MinRowBytes);
                var y = job.Layout.TopDown ? storedRow : job.Layout.Height - 1 - storedRow;
                EncodeRow(job.Image.Row(y), job.Layout, row);
            });
        }
    }

    private sealed record RowJob(nint Base, PixelLayout Layout, FloatImage Image);

    private static void Check(PixelLayout layout, int bufferLength, FloatImage image, string bufferName)
    {
        if (layout.Problem() is { } problem) throw new ArgumentException(problem, nameof(layout));
        if (bufferLength < layout.SpanBytes)
            throw new ArgumentException($"{bufferName} holds {bufferLength} bytes, the layout spans {layout.SpanBytes}", bufferName);
        if (image.Width != layout.Width || image.Height != layout.Height)
            throw new ArgumentException($"image is {image.Width}x{image.Height}, the layout is {layout.Width}x{layout.Height}", nameof(image));
    }

    // Runs body once per stored row; large frames are split into contiguous row bands, one task per band,
    // so each core streams through memory linearly.
    private static void ForEachRow(PixelLayout layout, RowJob job, Action<RowJob, int> body)
    {
        var height = layout.Height;
        if ((long)layout.Width * height < ParallelPixelThreshold || Environment.ProcessorCount == 1)
        {
            for (var y = 0; y < height; y++) body(job, y);
            return;
        }
        var bands = Math.Min(height, Environment.ProcessorCount * 2);
        Parallel.For(0, bands, band =>
        {
            var start = (int)((long)height * band / bands);
            var end = (int)((long)height * (band + 1) / bands);
            for (var y = start; y < end; y++) body(job, y);
        });
    }

    private static void DecodeRow(ReadOnlySpan<byte> row, PixelLayout layout, Span<float> dst)
    {
        var channels = layout.ChannelCount;
        // Stored rows may start at any byte offset; x64 and arm64 read unaligned ushorts/halves/floats fine.
        switch (layout.Depth)
        {
            case PixelDepth.U8: Expand<byte, U8Channel>(row, channels, dst); break;
            case PixelDepth.U16: Expand<ushort, U16Channel>(MemoryMarshal.Cast<byte, ushort>(row), channels, dst); break;
            case PixelDepth.F16: Expand<Half, F16Channel>(MemoryMarshal.Cast<byte, Half>(row), channels, dst); break;
            default: Expand<float, F32Channel>(MemoryMarshal.Cast<byte, float>(row), channels, dst); break;
        }

        switch (layout.Components)
        {
            case PixelComponents.Alpha:
                for (var i = 0; i < dst.Length; i += 4)
                {
                    var a = dst[i];
                    dst[i + 1] = a;
                    dst[i + 2] = a;
                    dst[i + 3] = a;
                }
                break;
            case PixelComponents.Rgb:
                for (var i = 3; i < dst.Length; i += 4) dst[i] = 1f;
                break;
            default:
                if (layout.Alpha == AlphaMode.Opaque)
                {
                    for (var i = 3; i < dst.Length; i += 4) dst[i] = 1f;
                }
                else if (layout.Alpha == AlphaMode.Premultiplied)
                {
                    for (var i = 0; i < dst.Length; i += 4)
                    {
                        var a = dst[i + 3];
                        // Alpha 0 carries no recoverable colour; leave the stored values (usually 0) as they are.
                        if (a > 0f)
                        {
                            var inv = 1f / a;
                            dst[i] *= inv;
                            dst[i + 1] *= inv;
                            dst[i + 2] *= inv;
                        }
                    }
                }
                break;
        }
    }

    // Spreads the stored channels into dst (channel c of pixel x at dst[x*4+c]); alpha is fixed up by the caller.
    private static void Expand<T, TC>(ReadOnlySpan<T> values, int channels, Span<float> dst)
        where T : unmanaged
        where TC : struct, IChannel<T>
    {
        switch (channels)
        {
            case 4:
                for (var i = 0; i < values.Length; i++) dst[i] = TC.Read(values[i]);
                break;
            case 3:
                for (int s = 0, d = 0; s < values.Length; s += 3, d += 4)
                {
                    dst[d] = TC.Read(values[s]);
                    dst[d + 1] = TC.Read(values[s + 1]);
                    dst[d + 2] = TC.Read(values[s + 2]);
                }
                break;
            default:
                for (int s = 0, d = 0; s < values.Length; s++, d += 4) dst[d] = TC.Read(values[s]);
                break;
        }
    }

    private static void EncodeRow(ReadOnlySpan<float> src, PixelLayout layout, Span<byte> row)
    {
        src = src[..(layout.Width * 4)];
        var components = layout.Components;
        var premultiply = components == PixelComponents.Rgba && layout.Alpha == AlphaMode.Premultiplied;
        var opaque = components == PixelComponents.Rgba && layout.Alpha == AlphaMode.Opaque;
        switch (layout.Depth)
        {
            case PixelDepth.U8: Pack<byte, U8Channel>(src, row, components, premultiply, opaque); break;
            case PixelDepth.U16: Pack<ushort, U16Channel>(src, MemoryMarshal.Cast<byte, ushort>(row), components, premultiply, opaque); break;
            case PixelDepth.F16: Pack<Half, F16Channel>(src, MemoryMarshal.Cast<byte, Half>(row), components, premultiply, opaque); break;
            default:
                if (components == PixelComponents.Rgba && !premultiply && !opaque)
                    src.CopyTo(MemoryMarshal.Cast<byte, float>(row));
                else
                    Pack<float, F32Channel>(src, MemoryMarshal.Cast<byte, float>(row), components, premultiply, opaque);
                break;
        }
    }

    private static void Pack<T, TC>(ReadOnlySpan<float> src, Span<T> dst, PixelComponents components, bool premultiply, bool opaque)
        where T : unmanaged
        where TC : struct, IChannel<T>
    {
        switch (components)
        {
            case PixelComponents.Rgba when premultiply:
                for (var i = 0; i < src.Length; i += 4)
                {
                    var a = src[i + 3];
                    dst[i] = TC.Write(src[i] * a);
                    dst[i + 1] = TC.Write(src[i + 1] * a);
                    dst[i + 2] = TC.Write(src[i + 2] * a);
                    dst[i + 3] = TC.Write(a);
                }
                break;
            case PixelComponents.Rgba:
            {
                for (var i = 0; i < src.Length; i++) dst[i] = TC.Write(src[i]);
                if (opaque)
                {
                    var one = TC.Write(1f);
                    for (var i = 3; i < src.Length; i += 4) dst[i] = one;
                }
                break;
            }
            case PixelComponents.Rgb:
                for (int s = 0, d = 0; s < src.Length; s += 4, d += 3)
                {
                    dst[d] = TC.Write(src[s]);
                    dst[d + 1] = TC.Write(src[s + 1]);
                    dst[d + 2] = TC.Write(src[s + 2]);
                }
                break;
            default:
                for (int s = 3, d = 0; s < src.Length; s += 4, d++) dst[d] = TC.Write(src[s]);
                break;
        }
    }

    // One stored channel type. Struct type arguments make the JIT specialise (and inline) each loop per depth.
    private interface IChannel<T> where T : unmanaged
    {
        static abstract float Read(T value);

        static abstract T Write(float value);
    }

    private struct U8Channel : IChannel<byte>
    {
        public static float Read(byte value) => U8ToFloat[value];

        // Written so that NaN fails the first comparison and lands on 0.
        public static byte Write(float v) => v > 0f ? (v < 1f ? (byte)(v * 255f + 0.5f) : (byte)255) : (byte)0;
    }

    private struct U16Channel : IChannel<ushort>
    {
        public static float Read(ushort value) => value * InvU16;

        public static ushort Write(float v) => v > 0f ? (v < 1f ? (ushort)(v * 65535f + 0.5f) : ushort.MaxValue) : (ushort)0;
    }

    private struct F16Channel : IChannel<Half>
    {
        // Half to float is a pure function of 16 bits: a 256 KB table beats the software conversion several times over.
        public static float Read(Half value) => HalfToFloat[BitConverter.HalfToUInt16Bits(value)];

        public static Half Write(float v) => (Half)v;
    }

    private struct F32Channel : IChannel<float>
    {
        public static float Read(float value) => value;

        public static float Write(float v) => v;
    }

    private static float[] BuildHalfTable()
    {
        var table = new float[65536];
        for (var i = 0; i < table.Length; i++) table[i] = (float)BitConverter.UInt16BitsToHalf((ushort)i);
        return table;
    }

    private static float[] BuildU8Table()
    {
        var table = new float[256];
        for (var i = 0; i < table.Length; i++) table[i] = i * InvU8;
        return table;
    }
}
