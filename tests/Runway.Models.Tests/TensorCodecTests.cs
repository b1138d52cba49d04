using Runway.Effects.Pixels;
using Runway.Models.Packs;
using Runway.Models.Processing;

namespace Runway.Models.Tests;

/// <summary>
/// The fast (row-parallel, table-driven) <see cref="TensorCodec"/> against a straightforward per-value reference: the
/// pre-optimisation code, kept here verbatim in behaviour (exact MathF.Pow transfer, per-pixel index arithmetic).
/// </summary>
public class TensorCodecTests
{
    // The only intended difference is the interpolated sRGB table (≤ 1e-7 on 0..1). Tensor values scale it by the
    // declared range (up to 255 here) and float rounding differs by an ulp in a few places, so the bound is 1e-5
    // relative to the magnitude (absolute below 1).
    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = 1e-5f * Math.Max(1f, Math.Abs(expected[i]));
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
                Assert.Fail($"{what}: value {i} is {actual[i]}, reference {expected[i]} (tolerance {tolerance})");
        }
    }

    private static TensorDeclaration Decl(TensorRole role, TensorLayout layout, int channels, ColourEncoding encoding, ValueRange range,
        AlphaActivation activation = AlphaActivation.None, bool? clip = null)
    {
        TensorDim[] shape = layout == TensorLayout.Nchw
            ? [TensorDim.Of(1), TensorDim.Of(channels), TensorDim.Dynamic("h"), TensorDim.Dynamic("w")]
            : [TensorDim.Of(1), TensorDim.Dynamic("h"), TensorDim.Dynamic("w"), TensorDim.Of(channels)];
        return new TensorDeclaration("t", role, TensorElement.Float32, layout, shape, 1, range, encoding, clip ?? encoding.IsSrgb) { Activation = activation };
    }

    private static readonly ColourEncoding Srgb = new(ColourKind.Srgb, ColourKind.Srgb, [], []);

    // ISNet's own: sRGB codes 0..255, then (v − 128) / 256.
    private static readonly ColourEncoding Isnet = new(ColourKind.Normalised, ColourKind.Srgb, [128f, 128f, 128f, 128f], [256f, 256f, 256f, 256f]);

    private static readonly ColourEncoding NormalisedLinear = new(ColourKind.Normalised, ColourKind.Linear, [0.1f, 0.2f, 0.3f, 0.4f], [0.5f, 0.25f, 2f, 1f]);

    public static TheoryData<TensorRole, TensorLayout, int, string> Cases()
    {
        var data = new TheoryData<TensorRole, TensorLayout, int, string>();
        foreach (var layout in new[] { TensorLayout.Nchw, TensorLayout.Nhwc })
        {
            foreach (var channels in new[] { 1, 3, 4 })
            {
                foreach (var enc in new[] { "linear", "srgb", "isnet", "normalised-linear" })
                {
                    data.Add(TensorRole.Image, layout, channels, enc);
                }
            }
            data.Add(TensorRole.Mask, layout, 1, "linear");
            data.Add(TensorRole.Reference, layout, 3, "srgb");
            data.Add(TensorRole.History, layout, 3, "srgb");
        }
        return data;
    }

    private static (ColourEncoding Encoding, ValueRange Range) Encoding(string name) => name switch
    {
        "srgb" => (Srgb, new ValueRange(0, 255)),
        "isnet" => (Isnet, new ValueRange(0, 255)),
        "normalised-linear" => (NormalisedLinear, new ValueRange(-1, 1)),
        _ => (ColourEncoding.Linear, ValueRange.Unit),
    };

    private static FloatImage RandomImage(int width, int height, int seed)
    {
        var random = new Random(seed);
        var image = new FloatImage(width, height);
        // Values below 0 and above 1 included: linear encodings must pass them through, sRGB ones clip them.
        foreach (ref var v in image.Pixels) v = (float)(random.NextDouble() * 1.4 - 0.2);
        return image;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_matches_the_reference_for_resize_and_pad(TensorRole role, TensorLayout layout, int channels, string encoding)
    {
        var (enc, range) = Encoding(encoding);
        var decl = Decl(role, layout, channels, enc, range);
        using var image = RandomImage(53, 37, 1);
        // Resize down and up, from a window off the origin; pad a window up to a larger tensor (edge repeat).
        foreach (var (window, h, w, resize) in new[]
                 {
                     (new Window(3, 2, 45, 31), 20, 24, true),
                     (new Window(0, 0, 53, 37), 64, 80, true),
                     (new Window(5, 4, 30, 25), 32, 40, false),
                 })
        {
            var expected = new float[channels * h * w];
            var actual = new float[channels * h * w];
            ReferenceEncode(image, window, decl, expected, h, w, resize);
            TensorCodec.Encode(image, window, decl, actual, h, w, resize);
            AssertClose(expected, actual, $"{role} {layout} {channels}ch {encoding} {(resize ? "resize" : "pad")} {h}x{w}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_matches_the_reference_for_resize_and_pad(TensorRole role, TensorLayout layout, int channels, string encoding)
    {
        var (enc, range) = Encoding(encoding);
        foreach (var activation in role == TensorRole.Mask ? new[] { AlphaActivation.None, AlphaActivation.Sigmoid, AlphaActivation.Step } : [AlphaActivation.None])
        {
            var decl = Decl(role == TensorRole.Mask ? TensorRole.Alpha : role, layout, channels, enc, range, activation);
            foreach (var (window, h, w, resize) in new[]
                     {
                         (new Window(3, 2, 45, 31), 20, 24, true),
                         (new Window(0, 0, 53, 37), 64, 80, true),
                         (new Window(5, 4, 30, 25), 32, 40, false),
                     })
            {
                var random = new Random(2);
                var tensor = new float[channels * h * w];
                for (var i = 0; i < tensor.Length; i++) tensor[i] = (float)(random.NextDouble() * 6 - 3) * (range.Max - range.Min) / 2;
                // Feathered weights with zeros at the ends, as tile blending gives.
                var weightX = Enumerable.Range(0, window.Width).Select(x => x == 0 ? 0f : MathF.Min(1f, x / 7f)).ToArray();
                var weightY = Enumerable.Range(0, window.Height).Select(y => y == window.Height - 1 ? 0f : MathF.Min(1f, (y + 1) / 5f)).ToArray();
                using var expected = RandomImage(53, 37, 3);
                using var actual = RandomImage(53, 37, 3);
                var expectedSums = Enumerable.Repeat(0.5f, 53 * 37).ToArray();
                var actualSums = Enumerable.Repeat(0.5f, 53 * 37).ToArray();
                ReferenceDecode(tensor, decl, h, w, resize, expected, expectedSums, window, weightX, weightY);
                TensorCodec.DecodeAccumulate(tensor, decl, h, w, resize, actual, actualSums, window, weightX, weightY);
                var what = $"{role} {layout} {channels}ch {encoding} {activation} {(resize ? "resize" : "pad")} {h}x{w}";
                AssertClose(expected.Pixels, actual.Pixels, what);
                AssertClose(expectedSums, actualSums, what + " weights");
            }
        }
    }

    [Fact]
    public void Parallel_1080p_encode_and_decode_match_the_reference()
    {
        // Large enough to take the row-band parallel path (the small cases above stay on one thread).
        var decl = Decl(TensorRole.Image, TensorLayout.Nchw, 3, Isnet, new ValueRange(0, 255));
        using var image = RandomImage(1920, 1080, 4);
        var window = new Window(0, 0, 1920, 1080);
        var expected = new float[3 * 256 * 256];
        var actual = new float[3 * 256 * 256];
        ReferenceEncode(image, window, decl, expected, 256, 256, resize: true);
        TensorCodec.Encode(image, window, decl, actual, 256, 256, resize: true);
        AssertClose(expected, actual, "encode");

        var alpha = Decl(TensorRole.Alpha, TensorLayout.Nchw, 1, ColourEncoding.Linear, ValueRange.Unit, AlphaActivation.Sigmoid, clip: false);
        var weights = Enumerable.Repeat(1f, 1920).ToArray();
        using var accExpected = new FloatImage(1920, 1080);
        using var accActual = new FloatImage(1920, 1080);
        accExpected.Pixels.Clear();
        accActual.Pixels.Clear();
        var sumsExpected = new float[1920 * 1080];
        var sumsActual = new float[1920 * 1080];
        ReferenceDecode(actual.AsSpan(0, 256 * 256), alpha, 256, 256, true, accExpected, sumsExpected, window, weights, weights.AsSpan(0, 1080));
        TensorCodec.DecodeAccumulate(actual.AsSpan(0, 256 * 256), alpha, 256, 256, true, accActual, sumsActual, window, weights, weights.AsSpan(0, 1080));
        AssertClose(accExpected.Pixels, accActual.Pixels, "decode");
        AssertClose(sumsExpected, sumsActual, "decode weights");
    }

    [Fact]
    public void Srgb_tables_stay_within_1e_6_of_the_exact_curves()
    {
        var worstOetf = 0f;
        var worstEotf = 0f;
        // Dense near the OETF knee (0.0031308) where its curvature is highest, then over the whole range.
        for (var i = 0; i <= 200_000; i++)
        {
            var v = i < 100_000 ? i / 100_000f * 0.01f : (i - 100_000) / 100_000f;
            worstOetf = Math.Max(worstOetf, Math.Abs(TensorCodec.LinearToSrgbFast(v) - TensorCodec.LinearToSrgb(v)));
            worstEotf = Math.Max(worstEotf, Math.Abs(TensorCodec.SrgbToLinearFast(v) - TensorCodec.SrgbToLinear(v)));
        }
        Assert.True(worstOetf <= 1e-6f, $"OETF table error {worstOetf}");
        Assert.True(worstEotf <= 1e-6f, $"EOTF table error {worstEotf}");
        Assert.True(float.IsNaN(TensorCodec.LinearToSrgbFast(float.NaN)));
    }

    // ---- The reference: the straightforward per-value code the fast paths replaced. ----

    private static void ReferenceEncode(FloatImage image, Window window, TensorDeclaration decl, Span<float> tensor, int height, int width, bool resize)
    {
        var channels = decl.Channels;
        var pixels = image.Pixels;
        var stride = image.Stride;
        Span<float> rgba = stackalloc float[4];
        for (var ty = 0; ty < height; ty++)
        {
            for (var tx = 0; tx < width; tx++)
            {
                if (!resize)
                {
                    var y = window.Y + Math.Min(ty, window.Height - 1);
                    var x = window.X + Math.Min(tx, window.Width - 1);
                    pixels.Slice(y * stride + x * 4, 4).CopyTo(rgba);
                }
                else
                {
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
                for (var c = 0; c < channels; c++)
                {
                    var v = decl.Role == TensorRole.Mask ? rgba[0]
                        : channels == 1 ? 0.2126f * rgba[0] + 0.7152f * rgba[1] + 0.0722f * rgba[2] : rgba[c];
                    var colour = (decl.Role is TensorRole.Image or TensorRole.Reference) && !(channels == 4 && c == 3);
                    tensor[TensorCodec.Index(decl.Layout, channels, height, width, c, ty, tx)] = TensorCodec.EncodeValue(v, c, decl, colour);
                }
            }
        }
    }

    private static void ReferenceDecode(ReadOnlySpan<float> tensor, TensorDeclaration decl, int height, int width, bool resize,
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
                        raw = tensor[TensorCodec.Index(decl.Layout, channels, height, width, c, y, x)];
                    }
                    else
                    {
                        var sy = Math.Clamp((y + 0.5f) * height / window.Height - 0.5f, 0, height - 1);
                        var sx = Math.Clamp((x + 0.5f) * width / window.Width - 0.5f, 0, width - 1);
                        int y0 = (int)sy, x0 = (int)sx;
                        int y1 = Math.Min(y0 + 1, height - 1), x1 = Math.Min(x0 + 1, width - 1);
                        float fy = sy - y0, fx = sx - x0;
                        var a = tensor[TensorCodec.Index(decl.Layout, channels, height, width, c, y0, x0)];
                        var b = tensor[TensorCodec.Index(decl.Layout, channels, height, width, c, y0, x1)];
                        var d = tensor[TensorCodec.Index(decl.Layout, channels, height, width, c, y1, x0)];
                        var e = tensor[TensorCodec.Index(decl.Layout, channels, height, width, c, y1, x1)];
                        raw = (a + (b - a) * fx) * (1 - fy) + (d + (e - d) * fx) * fy;
                    }
                    raw = TensorCodec.Activate(raw, decl.Activation);
                    var v = TensorCodec.DecodeValue(raw, c, decl, !(channels == 4 && c == 3));
                    if (channels == 1)
                    {
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
}
