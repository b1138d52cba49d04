using Runway.Client.Pixels;
using Runway.Protocol.V1;

namespace Runway.Client.Tests;

public sealed unsafe class PixelTests
{
    [Fact]
    public void Subtracting_an_inner_rectangle_leaves_four_disjoint_parts_covering_the_rest()
    {
        var area = new PixelRect(0, 0, 10, 8);
        Span<PixelRect> parts = stackalloc PixelRect[4];
        var n = area.Subtract(new PixelRect(2, 3, 5, 6), parts);
        Assert.Equal(4, n);
        var covered = new int[10, 8];
        for (var i = 0; i < n; i++)
            for (var x = parts[i].X1; x < parts[i].X2; x++)
                for (var y = parts[i].Y1; y < parts[i].Y2; y++)
                    covered[x, y]++;
        for (var x = 0; x < 10; x++)
            for (var y = 0; y < 8; y++)
                Assert.Equal(x is >= 2 and < 5 && y is >= 3 and < 6 ? 0 : 1, covered[x, y]);
    }

    [Fact]
    public void Copy_from_negative_row_bytes_matches_copy_from_positive_row_bytes()
    {
        var bounds = new PixelRect(-3, 7, 29, 24);
        using var up = new NativeImage(bounds, Components.Rgba, Depth.F16, topDownMemory: false, padBytes: 12).FillRandom(5);
        using var down = new NativeImage(bounds, Components.Rgba, Depth.F16, topDownMemory: true, padBytes: 4);
        PixelCopy.Copy(PixelPlane.Of(up.Image), PixelPlane.Of(down.Image), bounds);
        Assert.Equal(up.Packed(), down.Packed());
        Assert.True(down.PaddingIntact());
    }

    [Fact]
    public void Parallel_banded_copy_gives_the_same_bytes_as_a_serial_copy()
    {
        var bounds = new PixelRect(0, 0, 700, 400);
        using var src = new NativeImage(bounds, Components.Rgba, Depth.F32, padBytes: 64).FillRandom(9);
        using var serial = new NativeImage(bounds, Components.Rgba, Depth.F32, topDownMemory: true);
        using var parallel = new NativeImage(bounds, Components.Rgba, Depth.F32, topDownMemory: true);
        PixelCopy.Copy(PixelPlane.Of(src.Image), PixelPlane.Of(serial.Image), bounds, parallelBytes: long.MaxValue);
        PixelCopy.Copy(PixelPlane.Of(src.Image), PixelPlane.Of(parallel.Image), bounds, parallelBytes: 1);
        Assert.Equal(serial.Packed(), parallel.Packed());
        Assert.Equal(src.Packed(), parallel.Packed());
    }

    [Fact]
    public void Mask_with_offset_bounds_is_aligned_to_the_source_and_zero_outside_its_bounds()
    {
        var source = new PixelRect(10, 20, 50, 45);
        var maskBounds = new PixelRect(30, 10, 70, 30); // overlaps the source's lower-right corner only
        using var mask = new NativeImage(maskBounds, Components.Alpha, Depth.U8).FillRandom(3);
        var rowBytes = source.Width;
        var slot = new byte[rowBytes * source.Height];
        slot.AsSpan().Fill(0x77); // stale content that must not survive
        fixed (byte* p = slot)
            RunwayClient.FillSlotLayout((nint)p, rowBytes, mask.Image, source, long.MaxValue);
        for (var y = source.Y1; y < source.Y2; y++)
            for (var x = source.X1; x < source.X2; x++)
            {
                var actual = slot[(y - source.Y1) * rowBytes + (x - source.X1)];
                var inside = x >= maskBounds.X1 && x < maskBounds.X2 && y >= maskBounds.Y1 && y < maskBounds.Y2;
                Assert.Equal(inside ? mask.Pixel(x, y)[0] : (byte)0, actual);
            }
    }

    [Fact]
    public void Copy_out_writes_only_inside_the_window_and_blacks_out_window_pixels_outside_the_source()
    {
        var source = new PixelRect(0, 0, 16, 12);
        var outputBounds = new PixelRect(-4, -2, 20, 14);
        var window = new PixelRect(-2, 4, 10, 13); // pokes out of the source on the left and the top
        using var result = new NativeImage(source, Components.Rgb, Depth.U16).FillRandom(1);
        using var output = new NativeImage(outputBounds, Components.Rgb, Depth.U16, padBytes: 6).Fill(0xAB);
        RunwayClient.CopyOut(PixelPlane.Of(result.Image), output.Image, window, source, long.MaxValue);
        for (var y = outputBounds.Y1; y < outputBounds.Y2; y++)
            for (var x = outputBounds.X1; x < outputBounds.X2; x++)
            {
                var px = output.Pixel(x, y).ToArray();
                var inWindow = x >= window.X1 && x < window.X2 && y >= window.Y1 && y < window.Y2;
                var inSource = x >= source.X1 && x < source.X2 && y >= source.Y1 && y < source.Y2;
                if (!inWindow) Assert.All(px, b => Assert.Equal(0xAB, b));
                else if (!inSource) Assert.All(px, b => Assert.Equal(0, b));
                else Assert.Equal(result.Pixel(x, y).ToArray(), px);
            }
        Assert.True(output.PaddingIntact());
    }
}
