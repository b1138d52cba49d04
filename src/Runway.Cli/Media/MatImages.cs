using OpenCvSharp;
using Runway.Client.Pixels;
using Runway.Protocol.V1;

namespace Runway.Cli.Media;

/// <summary>Views an RGBA OpenCV <see cref="Mat"/> as a client <see cref="HostImage"/>, without copying.</summary>
public static class MatImages
{
    /// <summary>The client depth for a Mat's channel depth (8-bit, 16-bit or float RGBA only).</summary>
    public static Depth DepthOf(Mat rgba) => rgba.Depth() switch
    {
        MatType.CV_8U => Depth.U8,
        MatType.CV_16U => Depth.U16,
        MatType.CV_32F => Depth.F32,
        var d => throw new InvalidDataException($"unsupported channel depth {d}"),
    };

    /// <summary>
    /// An OFX-style view: Mat rows are top-down, so the view points at the bottom row and steps backwards
    /// (negative row bytes), which the client handles like any host image.
    /// </summary>
    public static unsafe HostImage View(Mat rgba)
    {
        if (rgba.Channels() != 4) throw new ArgumentException("expected an RGBA Mat", nameof(rgba));
        var step = (long)rgba.Step();
        var bottom = (nint)(rgba.DataPointer + step * (rgba.Rows - 1));
        return new HostImage(bottom, -step, PixelRect.FromSize(rgba.Cols, rgba.Rows), Components.Rgba, DepthOf(rgba));
    }

    /// <summary>A mask frame as a single-channel-or-RGBA view; masks are read like any frame (RGBA).</summary>
    public static HostImage MaskView(Mat rgba) => View(rgba);
}
