namespace Runway.Client.Pixels;

/// <summary>
/// Row copies between pixel planes of the same format. Every pixel the client moves goes through here:
/// host → slot, mask → slot (with zero fill), slot → host (clipped to the render window), and the inline staging
/// buffers, so the shared-memory and inline paths give identical bytes by construction.
/// </summary>
internal static unsafe class PixelCopy
{
    /// <summary>Frames at least this large are copied in parallel bands (memcpy bandwidth is per core here).</summary>
    public const long DefaultParallelBytes = 8L << 20;

    /// <summary>Copies <paramref name="region"/> (in the planes' shared pixel coordinates) from src to dst.</summary>
    public static void Copy(in PixelPlane src, in PixelPlane dst, PixelRect region, long parallelBytes = DefaultParallelBytes)
    {
        region = region.Intersect(src.Bounds).Intersect(dst.Bounds);
        if (region.IsEmpty) return;
        if (src.BytesPerPixel != dst.BytesPerPixel)
            throw new ArgumentException("pixel copy between different formats", nameof(dst));
        var rowLength = (long)region.Width * src.BytesPerPixel;
        var s = src.At(region.X1, region.Y1);
        var d = dst.At(region.X1, region.Y1);

        // Whole rows stored back to back on both sides: one memcpy does it.
        if (src.RowBytes == rowLength && dst.RowBytes == rowLength)
        {
            CopyBlock(s, d, rowLength * region.Height, parallelBytes);
            return;
        }

        var rows = region.Height;
        var bands = Bands(rowLength * rows, rows, parallelBytes);
        if (bands <= 1)
        {
            CopyRows(s, src.RowBytes, d, dst.RowBytes, rowLength, 0, rows);
            return;
        }
        var srcStride = src.RowBytes;
        var dstStride = dst.RowBytes;
        Parallel.For(0, bands, band =>
        {
            var (first, end) = BandRows(band, bands, rows);
            CopyRows(s, srcStride, d, dstStride, rowLength, first, end);
        });
    }

    /// <summary>Sets every byte of <paramref name="region"/> in dst to zero (transparent black in every format).</summary>
    public static void Clear(in PixelPlane dst, PixelRect region)
    {
        region = region.Intersect(dst.Bounds);
        if (region.IsEmpty) return;
        var rowLength = (long)region.Width * dst.BytesPerPixel;
        var d = dst.At(region.X1, region.Y1);
        if (dst.RowBytes == rowLength)
        {
            ClearBlock(d, rowLength * region.Height);
            return;
        }
        for (var y = 0; y < region.Height; y++)
            ClearBlock(d + (nint)(y * dst.RowBytes), rowLength);
    }

    /// <summary>Clears the parts of <paramref name="area"/> outside <paramref name="keep"/>.</summary>
    public static void ClearOutside(in PixelPlane dst, PixelRect area, PixelRect keep)
    {
        Span<PixelRect> parts = stackalloc PixelRect[4];
        var n = area.Subtract(keep, parts);
        for (var i = 0; i < n; i++) Clear(dst, parts[i]);
    }

    private static void CopyRows(nint s, long srcStride, nint d, long dstStride, long rowLength, int first, int end)
    {
        for (var y = first; y < end; y++)
            Buffer.MemoryCopy((void*)(s + (nint)(y * srcStride)), (void*)(d + (nint)(y * dstStride)), rowLength, rowLength);
    }

    private static void CopyBlock(nint s, nint d, long bytes, long parallelBytes)
    {
        var bands = bytes >= parallelBytes ? Math.Min(Environment.ProcessorCount, 8) : 1;
        if (bands <= 1)
        {
            Buffer.MemoryCopy((void*)s, (void*)d, bytes, bytes);
            return;
        }
        // Cut on 4 KiB boundaries so bands do not share pages.
        var per = (bytes / bands + 4095) & ~4095L;
        Parallel.For(0, bands, band =>
        {
            var start = band * per;
            var length = Math.Min(per, bytes - start);
            if (length > 0) Buffer.MemoryCopy((void*)(s + (nint)start), (void*)(d + (nint)start), length, length);
        });
    }

    private static void ClearBlock(nint d, long bytes)
    {
        // Span lengths are int; clear very large blocks in pieces.
        while (bytes > 0)
        {
            var n = (int)Math.Min(bytes, int.MaxValue & ~4095);
            new Span<byte>((void*)d, n).Clear();
            d += n;
            bytes -= n;
        }
    }

    private static int Bands(long bytes, int rows, long parallelBytes) =>
        bytes < parallelBytes || rows < 2 ? 1 : Math.Min(Math.Min(Environment.ProcessorCount, 8), rows);

    private static (int First, int End) BandRows(int band, int bands, int rows)
    {
        var per = (rows + bands - 1) / bands;
        var first = band * per;
        return (first, Math.Min(rows, first + per));
    }
}
