namespace Runway.Client.Pixels;

/// <summary>
/// Where the pixels of a rectangle lie in memory: <see cref="Origin"/> is the address of pixel (Bounds.X1, Bounds.Y1)
/// and row y starts at Origin + (y - Bounds.Y1) * RowBytes (negative for top-down memory). Host images, arena slots
/// and staging buffers are all described this way, so one copy routine serves every direction.
/// </summary>
internal readonly record struct PixelPlane(nint Origin, long RowBytes, PixelRect Bounds, int BytesPerPixel)
{
    public static PixelPlane Of(in HostImage image) => new(image.Data, image.RowBytes, image.Bounds, image.BytesPerPixel);

    /// <summary>
    /// A plane over a buffer holding <paramref name="bounds"/> row by row from <paramref name="buffer"/>;
    /// bottom-up (row 0 = Y1) unless <paramref name="topDown"/>.
    /// </summary>
    public static PixelPlane Stored(nint buffer, long rowBytes, PixelRect bounds, int bytesPerPixel, bool topDown) =>
        topDown
            ? new PixelPlane(buffer + (nint)((bounds.Height - 1) * rowBytes), -rowBytes, bounds, bytesPerPixel)
            : new PixelPlane(buffer, rowBytes, bounds, bytesPerPixel);

    /// <summary>Address of pixel (x, y); the caller guarantees it lies inside <see cref="Bounds"/>.</summary>
    public nint At(int x, int y) => Origin + (nint)((long)(y - Bounds.Y1) * RowBytes + (long)(x - Bounds.X1) * BytesPerPixel);
}
