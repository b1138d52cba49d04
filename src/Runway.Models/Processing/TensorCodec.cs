using System.Runtime.CompilerServices;
using Runway.Effects.Pixels;
using Runway.Models.Packs;

namespace Runway.Models.Processing;

/// <summary>A rectangle of the frame one model run covers.</summary>
public readonly record struct Window(int X, int Y, int Width, int Height);

/// <summary>
/// Moves pixels between working images (RGBA float, linear, straight alpha) and image tensors as a declaration
/// describes them: layout, channels, value range, colour encoding and normalisation, both ways. A window of the frame
/// is either padded up to the tensor (edge pixels repeated, so the model sees no artificial border) or resized to it
/// (fixed-size models, bilinear).
/// </summary>
public static class TensorCodec
{
    // Rec. 709 luminance of linear RGB, for one-channel image tensors.
    private const float LumR = 0.2126f, LumG = 0.7152f, LumB = 0.0722f;

    /// <summary>
    /// Writes <paramref name="window"/> of <paramref name="image"/> into <paramref name="tensor"/> (batch 1,
    /// <paramref name="height"/> × <paramref name="width"/>). Image role: colour as declared; mask role: the image's
    /// red channel, 0..1 (the caller prepares the mask there).
    /// </summary>
    public static void Encode(FloatImage image, Window window, TensorDeclaration decl, Span<float> tensor, int height, int width, bool resize)
    {
        var channels = decl.Channels;
        if (tensor.Length < channels * height * width) throw new ArgumentException("tensor buffer too small", nameof(tensor));
        var pixels = image.Pixels;
        var stride = image.Stride;
        Span<float> rgba = stackalloc float[4];
        for (var ty = 0; ty < height; ty++)
        {
            for (var tx = 0; tx < width; tx++)
            {
                Sample(pixels, stride, window, ty, tx, height, width, resize, rgba);
                for (var c = 0; c < channels; c++)
                {
                    var v = decl.Role == TensorRole.Mask ? rgba[0] : Pick(rgba, channels, c);
                    var colour = (decl.Role is TensorRole.Image or TensorRole.Reference) && !(channels == 4 && c == 3);
                    tensor[Index(decl.Layout, channels, height, width, c, ty, tx)] = EncodeValue(v, c, decl, colour);
                }
            }
        }
    }

    /// <summary>
    /// Adds the tensor's picture, decoded to linear, into <paramref name="accumulator"/> over <paramref name="window"/>,
    /// each pixel weighted by <c>weightX[x] × weightY[y]</c>, and the weights into <paramref name="weightSum"/>
    /// (one float per frame pixel). Alpha is taken from the tensor only when it has 4 channels, else left alone.
    /// </summary>
    public static void DecodeAccumulate(ReadOnlySpan<float> tensor, TensorDeclaration decl, int height, int width, bool resize,
        FloatImage accumulator, Span<float> weightSum, Window window, ReadOnlySpan<float> weightX, ReadOnlySpan<float> weightY)
    {
        var channels = decl.Channels;
        var acc = accumulator.Pixels;
        var frameWidth = accumulator.Width;
        for (var y = 0; y < window.Height; y++)
        {
            var wy = weightY[y];
            if (wy == 0f) continue;
            for (var x = 0; x < window.Width; x++)
            {
                var w = wy * weightX[x];
                if (w == 0f) continue;
                var p = (window.Y + y) * frameWidth + window.X + x;
                weightSum[p] += w;
                for (var c = 0; c < Math.Min(channels, 4); c++)
                {
                    float raw;
                    if (!resize)
                    {
                        raw = tensor[Index(decl.Layout, channels, height, width, c, y, x)];
                    }
                    else
                    {
                        // Pixel centres of the window mapped onto the tensor grid.
                        var sy = Math.Clamp((y + 0.5f) * height / window.Height - 0.5f, 0, height - 1);
                        var sx = Math.Clamp((x + 0.5f) * width / window.Width - 0.5f, 0, width - 1);
                        raw = Bilinear(tensor, decl.Layout, channels, height, width, c, sy, sx);
                    }
                    var colour = !(channels == 4 && c == 3);
                    var v = DecodeValue(raw, c, decl, colour);
                    if (channels == 1)
                    {
                        // A one-channel picture is grey: the same value in R, G and B.
                        acc[p * 4] += w * v;
                        acc[p * 4 + 1] += w * v;
                        acc[p * 4 + 2] += w * v;
                    }
                    else
                    {
                        acc[p * 4 + c] += w * v;
                    }
                }
            }
        }
    }

    /// <summary>One picture value (0..1 nominal, linear) to its tensor value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float EncodeValue(float v, int channel, TensorDeclaration decl, bool colour)
    {
        var enc = decl.Encoding;
        if (colour && enc.IsSrgb) v = LinearToSrgb(Math.Clamp(v, 0f, 1f));
        v = decl.Range.Min + v * (decl.Range.Max - decl.Range.Min);
        if (enc.Kind == ColourKind.Normalised) v = (v - enc.Mean[channel]) / enc.Std[channel];
        return v;
    }

    /// <summary>One tensor value back to a linear picture value; unclipped unless the declaration clips.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DecodeValue(float v, int channel, TensorDeclaration decl, bool colour)
    {
        var enc = decl.Encoding;
        if (enc.Kind == ColourKind.Normalised) v = v * enc.Std[channel] + enc.Mean[channel];
        v = (v - decl.Range.Min) / (decl.Range.Max - decl.Range.Min);
        if (decl.Clip || (colour && enc.IsSrgb)) v = Math.Clamp(v, 0f, 1f);
        if (colour && enc.IsSrgb) v = SrgbToLinear(v);
        return v;
    }

    /// <summary>The sRGB OETF (IEC 61966-2-1) for 0..1 input.</summary>
    public static float LinearToSrgb(float v) => v <= 0.0031308f ? v * 12.92f : 1.055f * MathF.Pow(v, 1f / 2.4f) - 0.055f;

    /// <summary>The sRGB EOTF for 0..1 input.</summary>
    public static float SrgbToLinear(float v) => v <= 0.04045f ? v / 12.92f : MathF.Pow((v + 0.055f) / 1.055f, 2.4f);

    /// <summary>Index of element (channel, y, x) of a batch-1 tensor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Index(TensorLayout layout, int channels, int height, int width, int c, int y, int x) =>
        layout == TensorLayout.Nchw ? (c * height + y) * width + x : (y * width + x) * channels + c;

    private static float Pick(ReadOnlySpan<float> rgba, int channels, int c) =>
        channels == 1 ? LumR * rgba[0] + LumG * rgba[1] + LumB * rgba[2] : rgba[c];

    private static void Sample(ReadOnlySpan<float> pixels, int stride, Window window, int ty, int tx, int height, int width, bool resize, Span<float> rgba)
    {
        if (!resize)
        {
            // Padding repeats the window's last row/column.
            var y = window.Y + Math.Min(ty, window.Height - 1);
            var x = window.X + Math.Min(tx, window.Width - 1);
            pixels.Slice(y * stride + x * 4, 4).CopyTo(rgba);
            return;
        }
        var sy = Math.Clamp((ty + 0.5f) * window.Height / height - 0.5f, 0, window.Height - 1);
        var sx = Math.Clamp((tx + 0.5f) * window.Width / width - 0.5f, 0, window.Width - 1);
        int y0 = (int)sy, x0 = (int)sx;
        int y1 = Math.Min(y0 + 1, window.Height - 1), x1 = Math.Min(x0 + 1, window.Width - 1);
        float fy = sy - y0, fx = sx - x0;
        for (var c = 0; c < 4; c++)
        {
            var a = pixels[(window.Y + y0) * stride + (window.X + x0) * 4 + c];
            var b = pixels[(window.Y + y0) * stride + (window.X + x1) * 4 + c];
            var d = pixels[(window.Y + y1) * stride + (window.X + x0) * 4 + c];
            var e = pixels[(window.Y + y1) * stride + (window.X + x1) * 4 + c];
            rgba[c] = (a + (b - a) * fx) * (1 - fy) + (d + (e - d) * fx) * fy;
        }
    }

    private static float Bilinear(ReadOnlySpan<float> t, TensorLayout layout, int channels, int height, int width, int c, float sy, float sx)
    {
        int y0 = (int)sy, x0 = (int)sx;
        int y1 = Math.Min(y0 + 1, height - 1), x1 = Math.Min(x0 + 1, width - 1);
        float fy = sy - y0, fx = sx - x0;
        var a = t[Index(layout, channels, height, width, c, y0, x0)];
        var b = t[Index(layout, channels, height, width, c, y0, x1)];
        var d = t[Index(layout, channels, height, width, c, y1, x0)];
        var e = t[Index(layout, channels, height, width, c, y1, x1)];
        return (a + (b - a) * fx) * (1 - fy) + (d + (e - d) * fx) * fy;
    }
}
