using Runway.Protocol.V1;

namespace Runway.Client.Pixels;

/// <summary>
/// A caller-owned image as an OFX host hands it over (mirrors <c>rw_image</c>): <see cref="Data"/> points at pixel
/// (X1, Y1), the bottom-left pixel of <see cref="Bounds"/>; row y starts at Data + (y - Y1) * RowBytes, and RowBytes
/// may be negative (top-down memory). The client never keeps the pointer beyond the call it was passed to.
/// </summary>
public readonly record struct HostImage(
    nint Data, long RowBytes, PixelRect Bounds, Components Components, Depth Depth, AlphaMode Alpha = AlphaMode.Straight)
{
    /// <summary>Bytes per pixel of this image's format (0 if the format is unknown).</summary>
    public int BytesPerPixel => PixelFormat.BytesPerPixel(Components, Depth);

    /// <summary>Bytes in one tightly packed row of the bounds.</summary>
    public long PackedRowBytes => (long)Bounds.Width * BytesPerPixel;

    /// <summary>The alpha convention, with "unspecified" read as straight.</summary>
    public AlphaMode EffectiveAlpha => Alpha == AlphaMode.Unspecified ? AlphaMode.Straight : Alpha;

    /// <summary>Returns null when the image is usable, else a human reason naming <paramref name="role"/>.</summary>
    public string? Problem(string role, bool allowEmpty = false)
    {
        if (PixelFormat.Channels(Components) == 0) return $"{role} image has unknown components {(int)Components}";
        if (PixelFormat.ChannelBytes(Depth) == 0) return $"{role} image has unknown depth {(int)Depth}";
        if (Alpha is < AlphaMode.Unspecified or > AlphaMode.Opaque) return $"{role} image has unknown alpha mode {(int)Alpha}";
        if (Bounds.IsEmpty)
            return allowEmpty ? null : $"{role} image bounds {Bounds} are empty";
        if (Data == 0) return $"{role} image has no pixel data";
        if (Math.Abs(RowBytes) < PackedRowBytes)
            return $"{role} image row bytes {RowBytes} are smaller than one row of {Bounds.Width} {Components}/{Depth} pixels ({PackedRowBytes})";
        return null;
    }
}
