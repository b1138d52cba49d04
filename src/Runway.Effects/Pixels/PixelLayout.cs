namespace Runway.Effects.Pixels;

/// <summary>Channels stored per pixel. Values match runway.v1.Components.</summary>
public enum PixelComponents { Rgba = 1, Rgb = 2, Alpha = 3 }

/// <summary>Storage type of one channel. Values match runway.v1.Depth.</summary>
public enum PixelDepth { U8 = 1, U16 = 2, F16 = 3, F32 = 4 }

/// <summary>How colour relates to alpha in stored pixels. Values match runway.v1.AlphaMode.</summary>
public enum AlphaMode { Straight = 1, Premultiplied = 2, Opaque = 3 }

/// <summary>Shape and encoding of a frame as stored in memory (a slot, a host image, inline bytes).</summary>
/// <param name="RowBytes">Distance between stored rows; at least <see cref="MinRowBytes"/>.</param>
/// <param name="TopDown">true when stored row 0 is the top of the picture; false for OpenFX's bottom-up order.</param>
public readonly record struct PixelLayout(
    int Width, int Height, PixelComponents Components, PixelDepth Depth, long RowBytes, bool TopDown, AlphaMode Alpha)
{
    public int ChannelCount => Components switch { PixelComponents.Rgba => 4, PixelComponents.Rgb => 3, _ => 1 };

    public int BytesPerChannel => Depth switch { PixelDepth.U8 => 1, PixelDepth.U16 => 2, PixelDepth.F16 => 2, _ => 4 };

    public int BytesPerPixel => ChannelCount * BytesPerChannel;

    public long MinRowBytes => (long)Width * BytesPerPixel;

    /// <summary>Bytes spanned by the stored rows (last row counted only up to its pixels).</summary>
    public long SpanBytes => Height == 0 ? 0 : RowBytes * (Height - 1) + MinRowBytes;

    /// <summary>A tightly packed layout of the same shape and encoding.</summary>
    public static PixelLayout Packed(int width, int height, PixelComponents components, PixelDepth depth, bool topDown = true,
        AlphaMode alpha = AlphaMode.Straight)
    {
        var layout = new PixelLayout(width, height, components, depth, 0, topDown, alpha);
        return layout with { RowBytes = layout.MinRowBytes };
    }

    /// <summary>Returns null when the layout is usable, else a human reason.</summary>
    public string? Problem(int maxDimension = 32768)
    {
        if (Width <= 0 || Height <= 0) return $"frame size {Width}x{Height} is not positive";
        if (Width > maxDimension || Height > maxDimension) return $"frame size {Width}x{Height} exceeds the {maxDimension}-pixel limit";
        if (!Enum.IsDefined(Components)) return $"unknown pixel components {(int)Components}";
        if (!Enum.IsDefined(Depth)) return $"unknown pixel depth {(int)Depth}";
        if (RowBytes < MinRowBytes) return $"row bytes {RowBytes} smaller than one row of {Width} {Components}/{Depth} pixels ({MinRowBytes})";
        return null;
    }
}
