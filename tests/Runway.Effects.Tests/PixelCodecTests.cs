using System.Runtime.InteropServices;
using Runway.Effects.Pixels;

namespace Runway.Effects.Tests;

public sealed class PixelCodecTests
{
    public static TheoryData<PixelComponents, PixelDepth> EveryFormat()
    {
        var data = new TheoryData<PixelComponents, PixelDepth>();
        foreach (var c in Enum.GetValues<PixelComponents>())
            foreach (var d in Enum.GetValues<PixelDepth>())
                data.Add(c, d);
        return data;
    }

    /// <summary>Random stored bytes that are a valid encoding (finite halves/floats, premultiplied colour ≤ alpha).</summary>
    private static byte[] RandomStored(PixelLayout layout, int seed, bool premultipliedValid = false, float floatRange = 1f)
    {
        var rng = new Random(seed);
        var bytes = new byte[layout.SpanBytes];
        for (var y = 0; y < layout.Height; y++)
        {
            var row = bytes.AsSpan((int)(y * layout.RowBytes), (int)layout.MinRowBytes);
            var n = layout.Width * layout.ChannelCount;
            for (var i = 0; i < n; i++)
            {
                var isAlpha = layout.ChannelCount == 4 && i % 4 == 3;
                var v = (float)rng.NextDouble() * (isAlpha ? 1f : floatRange);
                switch (layout.Depth)
                {
                    case PixelDepth.U8: row[i] = (byte)rng.Next(256); break;
                    case PixelDepth.U16: MemoryMarshal.Cast<byte, ushort>(row)[i] = (ushort)rng.Next(65536); break;
                    case PixelDepth.F16: MemoryMarshal.Cast<byte, Half>(row)[i] = (Half)v; break;
                    default: MemoryMarshal.Cast<byte, float>(row)[i] = v; break;
                }
            }
            if (premultipliedValid)
            {
                // Colour ≤ alpha, as in any real premultiplied image.
                for (var x = 0; x < layout.Width; x++)
                    for (var c = 0; c < 3; c++)
                    {
                        if (layout.Depth == PixelDepth.U8) row[x * 4 + c] = (byte)(row[x * 4 + c] * row[x * 4 + 3] / 255);
                        else if (layout.Depth == PixelDepth.U16)
                        {
                            var s = MemoryMarshal.Cast<byte, ushort>(row);
                            s[x * 4 + c] = (ushort)(s[x * 4 + c] * (long)s[x * 4 + 3] / 65535);
                        }
                    }
            }
        }
        return bytes;
    }

    [Theory]
    [MemberData(nameof(EveryFormat))]
    public void Decode_then_encode_round_trips_every_format_bit_exactly(PixelComponents components, PixelDepth depth)
    {
        var layout = PixelLayout.Packed(37, 11, components, depth, topDown: true, AlphaMode.Straight);
        var stored = RandomStored(layout, seed: (int)components * 10 + (int)depth, floatRange: 3f);
        using var image = new FloatImage(layout.Width, layout.Height);
        PixelCodec.Decode(stored, layout, image);
        var again = new byte[stored.Length];
        PixelCodec.Encode(image, layout, again);
        Assert.Equal(stored, again);
    }

    [Theory]
    [MemberData(nameof(EveryFormat))]
    public void Bottom_up_rows_decode_to_the_same_picture_as_top_down_rows(PixelComponents components, PixelDepth depth)
    {
        var topDown = PixelLayout.Packed(9, 7, components, depth, topDown: true);
        var stored = RandomStored(topDown, seed: 3);
        var bottomUp = topDown with { TopDown = false };
        // Reverse the stored rows: what was the top row is now stored last.
        var flipped = new byte[stored.Length];
        var rowBytes = (int)topDown.RowBytes;
        for (var y = 0; y < topDown.Height; y++)
            stored.AsSpan(y * rowBytes, rowBytes).CopyTo(flipped.AsSpan((topDown.Height - 1 - y) * rowBytes));

        using var a = new FloatImage(9, 7);
        using var b = new FloatImage(9, 7);
        PixelCodec.Decode(stored, topDown, a);
        PixelCodec.Decode(flipped, bottomUp, b);
        Assert.True(Images.BitEqual(a, b));

        var encoded = new byte[stored.Length];
        PixelCodec.Encode(a, bottomUp, encoded);
        Assert.Equal(flipped, encoded);
    }

    [Theory]
    [MemberData(nameof(EveryFormat))]
    public void Padded_row_bytes_decode_like_packed_rows_and_encode_leaves_padding_alone(PixelComponents components, PixelDepth depth)
    {
        var packed = PixelLayout.Packed(13, 5, components, depth, topDown: false);
        // An odd pad puts every row after the first at an unaligned address.
        var padded = packed with { RowBytes = packed.MinRowBytes + 13 };
        var stored = RandomStored(packed, seed: 5);
        var paddedBytes = new byte[padded.SpanBytes];
        paddedBytes.AsSpan().Fill(0xA5);
        for (var y = 0; y < packed.Height; y++)
            stored.AsSpan((int)(y * packed.RowBytes), (int)packed.MinRowBytes).CopyTo(paddedBytes.AsSpan((int)(y * padded.RowBytes)));

        using var a = new FloatImage(13, 5);
        using var b = new FloatImage(13, 5);
        PixelCodec.Decode(stored, packed, a);
        PixelCodec.Decode(paddedBytes, padded, b);
        Assert.True(Images.BitEqual(a, b));

        var encoded = new byte[padded.SpanBytes];
        encoded.AsSpan().Fill(0xA5);
        PixelCodec.Encode(a, padded, encoded);
        Assert.Equal(paddedBytes, encoded);
    }

    [Fact]
    public void Premultiplied_float_decodes_to_straight_colour_and_encodes_back()
    {
        var layout = PixelLayout.Packed(1, 1, PixelComponents.Rgba, PixelDepth.F32, alpha: AlphaMode.Premultiplied);
        var stored = MemoryMarshal.AsBytes(new float[] { 0.25f, 0.125f, 2f, 0.5f }.AsSpan()).ToArray();
        using var image = new FloatImage(1, 1);
        PixelCodec.Decode(stored, layout, image);
        Assert.Equal(new[] { 0.5f, 0.25f, 4f, 0.5f }, image.Pixels.ToArray());
        var encoded = new byte[stored.Length];
        PixelCodec.Encode(image, layout, encoded);
        Assert.Equal(stored, encoded);
    }

    [Theory]
    [InlineData(PixelDepth.U8)]
    [InlineData(PixelDepth.U16)]
    public void Premultiplied_integers_round_trip_exactly(PixelDepth depth)
    {
        var layout = PixelLayout.Packed(64, 16, PixelComponents.Rgba, depth, alpha: AlphaMode.Premultiplied);
        var stored = RandomStored(layout, seed: 11, premultipliedValid: true);
        using var image = new FloatImage(64, 16);
        PixelCodec.Decode(stored, layout, image);
        var encoded = new byte[stored.Length];
        PixelCodec.Encode(image, layout, encoded);
        Assert.Equal(stored, encoded);
    }

    [Fact]
    public void Premultiplied_zero_alpha_keeps_stored_colour_and_does_not_divide_by_zero()
    {
        var layout = PixelLayout.Packed(1, 1, PixelComponents.Rgba, PixelDepth.F32, alpha: AlphaMode.Premultiplied);
        var stored = MemoryMarshal.AsBytes(new float[] { 0f, 0f, 0f, 0f }.AsSpan()).ToArray();
        using var image = new FloatImage(1, 1);
        PixelCodec.Decode(stored, layout, image);
        Assert.All(image.Pixels.ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(PixelDepth.F16)]
    [InlineData(PixelDepth.F32)]
    public void Float_formats_keep_values_above_one_and_below_zero(PixelDepth depth)
    {
        using var image = Images.Filled(4, 1, (x, _) => x switch
        {
            0 => (4f, 1.5f, 100f, 1f),
            1 => (-0.5f, -2f, 0.25f, 0.75f),
            2 => (16f, 0f, 1f, 1f),
            _ => (0.001f, 2.5f, -0.125f, 1f),
        });
        var layout = PixelLayout.Packed(4, 1, PixelComponents.Rgba, depth);
        var bytes = new byte[layout.SpanBytes];
        PixelCodec.Encode(image, layout, bytes);
        using var back = new FloatImage(4, 1);
        PixelCodec.Decode(bytes, layout, back);
        var expected = image.Pixels.ToArray();
        var actual = back.Pixels.ToArray();
        for (var i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], depth == PixelDepth.F16 ? Math.Abs(expected[i]) * 1e-3 : 0);
        Assert.Equal(100f, actual[2]);
        Assert.Equal(-2f, actual[5]);
    }

    [Fact]
    public void Integer_formats_clamp_and_round_on_encode()
    {
        using var image = Images.Filled(2, 1, (x, _) => x == 0 ? (1.5f, -0.2f, 0.5f, float.NaN) : (0.2f, 0.998f, 1f, 0f));
        var u8 = PixelLayout.Packed(2, 1, PixelComponents.Rgba, PixelDepth.U8);
        var bytes = new byte[u8.SpanBytes];
        PixelCodec.Encode(image, u8, bytes);
        // 0.5*255 = 127.5 rounds up; 0.2*255 = 51; 0.998*255 = 254.49 rounds down.
        Assert.Equal(new byte[] { 255, 0, 128, 0, 51, 254, 255, 0 }, bytes);

        var u16 = PixelLayout.Packed(2, 1, PixelComponents.Rgba, PixelDepth.U16);
        var words = new byte[u16.SpanBytes];
        PixelCodec.Encode(image, u16, words);
        Assert.Equal(new ushort[] { 65535, 0, 32768, 0, 13107, 65404, 65535, 0 }, MemoryMarshal.Cast<byte, ushort>(words).ToArray());
    }

    [Theory]
    [InlineData(PixelDepth.U8)]
    [InlineData(PixelDepth.F16)]
    public void Alpha_only_decodes_to_grey_with_matching_alpha_and_encodes_alpha(PixelDepth depth)
    {
        var layout = PixelLayout.Packed(3, 1, PixelComponents.Alpha, depth);
        using var source = Images.Filled(3, 1, (x, _) => (0f, 0f, 0f, x / 2f));
        var bytes = new byte[layout.SpanBytes];
        PixelCodec.Encode(source, layout, bytes);
        using var image = new FloatImage(3, 1);
        PixelCodec.Decode(bytes, layout, image);
        for (var x = 0; x < 3; x++)
        {
            var px = image.Pixels.Slice(x * 4, 4).ToArray();
            Assert.All(px, v => Assert.Equal(x / 2f, v, 1.0 / 255));
        }
    }

    [Theory]
    [InlineData(PixelComponents.Rgb, AlphaMode.Straight)]
    [InlineData(PixelComponents.Rgba, AlphaMode.Opaque)]
    public void Rgb_and_opaque_frames_decode_with_alpha_one(PixelComponents components, AlphaMode alpha)
    {
        var layout = PixelLayout.Packed(5, 2, components, PixelDepth.U8, alpha: alpha);
        var stored = RandomStored(layout, seed: 9);
        using var image = new FloatImage(5, 2);
        PixelCodec.Decode(stored, layout, image);
        for (var i = 3; i < image.Pixels.Length; i += 4) Assert.Equal(1f, image.Pixels[i]);
    }

    [Theory]
    [InlineData(PixelDepth.U8)]
    [InlineData(PixelDepth.F16)]
    public void Large_frames_take_the_parallel_path_with_identical_results(PixelDepth depth)
    {
        // 1024x600 is above the parallel threshold; bottom-up with padding exercises the band arithmetic.
        var layout = PixelLayout.Packed(1024, 600, PixelComponents.Rgba, depth, topDown: false);
        layout = layout with { RowBytes = layout.MinRowBytes + 64 };
        var stored = RandomStored(layout, seed: 21);
        using var image = new FloatImage(1024, 600);
        PixelCodec.Decode(stored, layout, image);
        var bottomRow = MemoryMarshal.Cast<byte, byte>(stored.AsSpan(0, (int)layout.MinRowBytes)).ToArray();
        using var oneRow = new FloatImage(1024, 1);
        PixelCodec.Decode(bottomRow, layout with { Height = 1 }, oneRow);
        Assert.True(oneRow.Pixels.SequenceEqual(image.Row(599)));
        var encoded = new byte[stored.Length];
        PixelCodec.Encode(image, layout, encoded);
        for (var y = 0; y < layout.Height; y++)
            Assert.True(stored.AsSpan((int)(y * layout.RowBytes), (int)layout.MinRowBytes)
                .SequenceEqual(encoded.AsSpan((int)(y * layout.RowBytes), (int)layout.MinRowBytes)));
    }

    [Fact]
    public void Buffers_shorter_than_the_layout_and_short_row_bytes_are_rejected()
    {
        var layout = PixelLayout.Packed(4, 4, PixelComponents.Rgba, PixelDepth.U8);
        using var image = new FloatImage(4, 4);
        Assert.Throws<ArgumentException>(() => PixelCodec.Decode(new byte[layout.SpanBytes - 1], layout, image));
        Assert.Throws<ArgumentException>(() => PixelCodec.Encode(image, layout with { RowBytes = 15 }, new byte[64]));
        using var wrongSize = new FloatImage(4, 3);
        Assert.Throws<ArgumentException>(() => PixelCodec.Decode(new byte[layout.SpanBytes], layout, wrongSize));
    }
}
