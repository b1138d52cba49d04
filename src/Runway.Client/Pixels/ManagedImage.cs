using Runway.Protocol.V1;

namespace Runway.Client.Pixels;

/// <summary>
/// A frame held in a managed array, for the CLI and tests: rows stored top-down (image-file order) unless
/// <see cref="TopDown"/> is false, <see cref="RowBytes"/> apart (0 = tightly packed). Rendering pins the array and
/// hands it to the same path as a host image with bounds (0, 0, Width, Height).
/// </summary>
public sealed record ManagedImage(
    byte[] Pixels, int Width, int Height, Components Components, Depth Depth,
    AlphaMode Alpha = AlphaMode.Straight, bool TopDown = true, long RowBytes = 0)
{
    /// <summary>Allocates a zeroed, tightly packed top-down image.</summary>
    public static ManagedImage Create(int width, int height, Components components, Depth depth, AlphaMode alpha = AlphaMode.Straight)
    {
        var bpp = PixelFormat.BytesPerPixel(components, depth);
        if (width <= 0 || height <= 0 || bpp == 0)
            throw new RunwayException(RunwayStatus.InvalidArgument, $"cannot make a {width}x{height} {components}/{depth} image");
        return new ManagedImage(new byte[checked((long)width * height * bpp)], width, height, components, depth, alpha);
    }

    /// <summary>Bytes per pixel.</summary>
    public int BytesPerPixel => PixelFormat.BytesPerPixel(Components, Depth);

    /// <summary>Distance between stored rows actually used (packed when <see cref="RowBytes"/> is 0).</summary>
    public long Stride => RowBytes > 0 ? RowBytes : (long)Width * BytesPerPixel;

    /// <summary>A host-image view over the array at <paramref name="pinned"/> (the address of element 0).</summary>
    public HostImage View(nint pinned)
    {
        var need = Height <= 0 ? 0 : Stride * (Height - 1) + (long)Width * BytesPerPixel;
        if (BytesPerPixel == 0 || Width <= 0 || Height <= 0 || need > Pixels.LongLength)
            throw new RunwayException(RunwayStatus.InvalidArgument,
                $"managed {Width}x{Height} {Components}/{Depth} image needs {need} bytes; its array holds {Pixels.LongLength}");
        var bottom = TopDown ? pinned + (nint)((Height - 1) * Stride) : pinned;
        return new HostImage(bottom, TopDown ? -Stride : Stride, PixelRect.FromSize(Width, Height), Components, Depth, Alpha);
    }
}
