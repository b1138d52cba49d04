using Runway.Protocol.V1;

namespace Runway.Client.Pixels;

/// <summary>Byte sizes of the wire pixel formats.</summary>
public static class PixelFormat
{
    /// <summary>Channels per pixel, or 0 for an unknown value.</summary>
    public static int Channels(Components components) => components switch
    {
        Components.Rgba => 4,
        Components.Rgb => 3,
        Components.Alpha => 1,
        _ => 0,
    };

    /// <summary>Bytes per channel, or 0 for an unknown value.</summary>
    public static int ChannelBytes(Depth depth) => depth switch
    {
        Depth.U8 => 1,
        Depth.U16 or Depth.F16 => 2,
        Depth.F32 => 4,
        _ => 0,
    };

    /// <summary>Bytes per pixel, or 0 when either part is unknown.</summary>
    public static int BytesPerPixel(Components components, Depth depth) => Channels(components) * ChannelBytes(depth);
}
