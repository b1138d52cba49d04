using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
    /// <remarks>
    /// Rows are encoded in parallel bands. Each tensor row is first sampled into an RGBA scratch row (bilinear with
    /// precomputed column indices and weights, or edge-repeating copy), then each channel is converted in one tight
    /// loop whose transfer/normalisation case is chosen once per row, not per value. The sRGB transfer uses an
    /// interpolated table (within 1e-6 of <see cref="LinearToSrgb"/>): MathF.Pow per value was most of the cost.
    /// </remarks>
    public static unsafe void Encode(FloatImage image, Window window, TensorDeclaration decl, Span<float> tensor, int height, int width, bool resize)
    {
        var channels = decl.Channels;
        if (tensor.Length < channels * height * width) throw new ArgumentException("tensor buffer too small", nameof(tensor));
        if (decl.Role != TensorRole.Mask && channels > 4) throw new ArgumentException($"an image tensor has at most 4 channels, '{decl.Name}' declares {channels}", nameof(decl));
        var plans = new ChannelPlan[channels];
        for (var c = 0; c < channels; c++) plans[c] = ChannelPlan.ForEncode(decl, channels, c);

        // Column sampling, computed once per call: source pixel offsets (in floats) and the horizontal weight.
        var x0 = ArrayPool<int>.Shared.Rent(width);
        var x1 = ArrayPool<int>.Shared.Rent(width);
        var fx = ArrayPool<float>.Shared.Rent(width);
        try
        {
            for (var tx = 0; tx < width; tx++)
            {
                if (resize)
                {
                    var sx = Math.Clamp((tx + 0.5f) * window.Width / width - 0.5f, 0, window.Width - 1);
                    var i0 = (int)sx;
                    x0[tx] = (window.X + i0) * 4;
                    x1[tx] = (window.X + Math.Min(i0 + 1, window.Width - 1)) * 4;
                    fx[tx] = sx - i0;
                }
                else
                {
                    // Padding repeats the window's last column.
                    x0[tx] = (window.X + Math.Min(tx, window.Width - 1)) * 4;
                }
            }
            fixed (float* t = tensor)
            {
                var job = new EncodeJob(image.Buffer, image.Stride, window, plans, (IntPtr)t, decl.Layout, channels, height, width, resize, x0, x1, fx);
                ForBands(height, width * channels, job.Rows);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(x0);
            ArrayPool<int>.Shared.Return(x1);
            ArrayPool<float>.Shared.Return(fx);
        }
    }

    /// <summary>
    /// Adds the tensor's picture, decoded to linear, into <paramref name="accumulator"/> over <paramref name="window"/>,
    /// each pixel weighted by <c>weightX[x] × weightY[y]</c>, and the weights into <paramref name="weightSum"/>
    /// (one float per frame pixel). Alpha is taken from the tensor only when it has 4 channels, else left alone.
    /// </summary>
    /// <remarks>Frame rows are decoded in parallel bands (each frame pixel belongs to one row, so bands never share
    /// an accumulator value); per row, each channel is sampled, activated and decoded into a scratch row, then added.</remarks>
    public static unsafe void DecodeAccumulate(ReadOnlySpan<float> tensor, TensorDeclaration decl, int height, int width, bool resize,
        FloatImage accumulator, Span<float> weightSum, Window window, ReadOnlySpan<float> weightX, ReadOnlySpan<float> weightY)
    {
        var channels = decl.Channels;
        var used = Math.Min(channels, 4);
        var plans = new ChannelPlan[used];
        for (var c = 0; c < used; c++) plans[c] = ChannelPlan.ForDecode(decl, channels, c);
        var x0 = ArrayPool<int>.Shared.Rent(window.Width);
        var x1 = ArrayPool<int>.Shared.Rent(window.Width);
        var fx = ArrayPool<float>.Shared.Rent(window.Width);
        try
        {
            for (var x = 0; x < window.Width; x++)
            {
                if (resize)
                {
                    // Pixel centres of the window mapped onto the tensor grid.
                    var sx = Math.Clamp((x + 0.5f) * width / window.Width - 0.5f, 0, width - 1);
                    var i0 = (int)sx;
                    x0[x] = i0;
                    x1[x] = Math.Min(i0 + 1, width - 1);
                    fx[x] = sx - i0;
                }
                else
                {
                    x0[x] = x;
                }
            }
            fixed (float* t = tensor)
            fixed (float* ws = weightSum)
            fixed (float* wx = weightX)
            fixed (float* wy = weightY)
            {
                var job = new DecodeJob((IntPtr)t, decl.Layout, channels, height, width, resize, plans, accumulator.Buffer, accumulator.Width,
                    (IntPtr)ws, window, (IntPtr)wx, (IntPtr)wy, x0, x1, fx);
                ForBands(window.Height, window.Width * used, job.Rows);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(x0);
            ArrayPool<int>.Shared.Return(x1);
            ArrayPool<float>.Shared.Return(fx);
        }
    }

    /// <summary>Below this many values per call the work stays on the calling thread (tests, tiny tiles).</summary>
    private const int ParallelThreshold = 1 << 16;

    /// <summary>Runs <paramref name="rows"/>(first, end) over row bands: a few per core so a slow core does not hold the rest.</summary>
    private static void ForBands(int rowCount, int valuesPerRow, Action<int, int> rows)
    {
        if ((long)rowCount * valuesPerRow < ParallelThreshold || Environment.ProcessorCount == 1)
        {
            rows(0, rowCount);
            return;
        }
        var bands = Math.Min(rowCount, Environment.ProcessorCount * 4);
        Parallel.For(0, bands, b => rows((int)((long)rowCount * b / bands), (int)((long)rowCount * (b + 1) / bands)));
    }

    /// <summary>How one tensor channel maps to and from the picture; fixed for a whole call.</summary>
    private readonly record struct ChannelPlan(int Lane, bool Luminance, bool Srgb, bool Clip, bool Normalise,
        float Min, float Span, float Mean, float Std, AlphaActivation Activation)
    {
        public static ChannelPlan ForEncode(TensorDeclaration decl, int channels, int c)
        {
            var enc = decl.Encoding;
            var mask = decl.Role == TensorRole.Mask;
            var colour = (decl.Role is TensorRole.Image or TensorRole.Reference) && !(channels == 4 && c == 3);
            var norm = enc.Kind == ColourKind.Normalised;
            return new ChannelPlan(mask ? 0 : c, !mask && channels == 1, colour && enc.IsSrgb, false, norm,
                decl.Range.Min, decl.Range.Max - decl.Range.Min, norm ? enc.Mean[c] : 0f, norm ? enc.Std[c] : 1f, AlphaActivation.None);
        }

        public static ChannelPlan ForDecode(TensorDeclaration decl, int channels, int c)
        {
            var enc = decl.Encoding;
            var colour = !(channels == 4 && c == 3);
            var norm = enc.Kind == ColourKind.Normalised;
            return new ChannelPlan(c, false, colour && enc.IsSrgb, decl.Clip || (colour && enc.IsSrgb), norm,
                decl.Range.Min, decl.Range.Max - decl.Range.Min, norm ? enc.Mean[c] : 0f, norm ? enc.Std[c] : 1f, decl.Activation);
        }
    }

    /// <summary>The state of one <see cref="Encode"/> call, shared by its row bands (the tensor as an address, since
    /// spans cannot cross into the parallel loop's delegate; it stays pinned by the caller for the whole call).</summary>
    private sealed class EncodeJob(float[] pixels, int stride, Window window, ChannelPlan[] plans, IntPtr tensor, TensorLayout layout,
        int channels, int height, int width, bool resize, int[] x0, int[] x1, float[] fx)
    {
        // Hot loops: compiled fully optimised at once, because a daemon renders a frame every second or so and tiered
        // compilation left them in unoptimised code for the first several frames (10× slower, measured).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public unsafe void Rows(int first, int end)
        {
            var scratch = ArrayPool<float>.Shared.Rent(width * 4);
            try
            {
                var rgba = scratch.AsSpan(0, width * 4);
                var t = (float*)tensor;
                var plane = height * width;
                for (var ty = first; ty < end; ty++)
                {
                    SampleRow(ty, rgba);
                    for (var c = 0; c < channels; c++)
                    {
                        var plan = plans[c];
                        // NCHW: the channel's row is contiguous; NHWC: values are `channels` apart.
                        var dst = layout == TensorLayout.Nchw ? t + c * plane + ty * width : t + ty * width * channels + c;
                        var step = layout == TensorLayout.Nchw ? 1 : channels;
                        EncodeRow(rgba, plan, dst, step, width);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void SampleRow(int ty, Span<float> rgba)
        {
            if (!resize)
            {
                // Padding repeats the window's last row (columns via x0).
                var row = pixels.AsSpan((window.Y + Math.Min(ty, window.Height - 1)) * stride);
                for (var tx = 0; tx < width; tx++) row.Slice(x0[tx], 4).CopyTo(rgba.Slice(tx * 4, 4));
                return;
            }
            var sy = Math.Clamp((ty + 0.5f) * window.Height / height - 0.5f, 0, window.Height - 1);
            var y0 = (int)sy;
            var y1 = Math.Min(y0 + 1, window.Height - 1);
            var fy = sy - y0;
            var gy = 1 - fy;
            var r0 = pixels.AsSpan((window.Y + y0) * stride, stride);
            var r1 = pixels.AsSpan((window.Y + y1) * stride, stride);
            var vfy = Vector128.Create(fy);
            var vgy = Vector128.Create(gy);
            for (var tx = 0; tx < width; tx++)
            {
                // The four channels of a pixel are adjacent, so one 4-lane vector interpolates them all; the operation
                // order is the scalar formula's, so results are bit-identical to it.
                var a = Vector128.Create<float>(r0.Slice(x0[tx], 4));
                var b = Vector128.Create<float>(r0.Slice(x1[tx], 4));
                var d = Vector128.Create<float>(r1.Slice(x0[tx], 4));
                var e = Vector128.Create<float>(r1.Slice(x1[tx], 4));
                var vfx = Vector128.Create(fx[tx]);
                var v = (a + (b - a) * vfx) * vgy + (d + (e - d) * vfx) * vfy;
                v.CopyTo(rgba.Slice(tx * 4, 4));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void EncodeRow(ReadOnlySpan<float> rgba, ChannelPlan plan, float* dst, int step, int width)
        {
            var min = plan.Min;
            var span = plan.Span;
            var mean = plan.Mean;
            var std = plan.Std;
            for (var tx = 0; tx < width; tx++)
            {
                var i = tx * 4;
                var v = plan.Luminance ? LumR * rgba[i] + LumG * rgba[i + 1] + LumB * rgba[i + 2] : rgba[i + plan.Lane];
                if (plan.Srgb) v = LinearToSrgbFast(Math.Clamp(v, 0f, 1f));
                v = min + v * span;
                if (plan.Normalise) v = (v - mean) / std;
                dst[tx * step] = v;
            }
        }
    }

    /// <summary>The state of one <see cref="DecodeAccumulate"/> call, shared by its row bands (spans as pinned addresses).</summary>
    private sealed class DecodeJob(IntPtr tensor, TensorLayout layout, int channels, int height, int width, bool resize, ChannelPlan[] plans,
        float[] acc, int frameWidth, IntPtr weightSum, Window window, IntPtr weightX, IntPtr weightY, int[] x0, int[] x1, float[] fx)
    {
        // Hot loops: compiled fully optimised at once, because a daemon renders a frame every second or so and tiered
        // compilation left them in unoptimised code for the first several frames (10× slower, measured).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public unsafe void Rows(int first, int end)
        {
            var scratch = ArrayPool<float>.Shared.Rent(window.Width);
            try
            {
                var values = scratch.AsSpan(0, window.Width);
                var ws = (float*)weightSum;
                var wx = (float*)weightX;
                for (var y = first; y < end; y++)
                {
                    var wy = ((float*)weightY)[y];
                    if (wy == 0f) continue;
                    var rowStart = (window.Y + y) * frameWidth + window.X;
                    for (var x = 0; x < window.Width; x++)
                    {
                        var w = wy * wx[x];
                        if (w != 0f) ws[rowStart + x] += w;
                    }
                    for (var c = 0; c < plans.Length; c++)
                    {
                        SampleRow(y, c, values);
                        Decode(values, plans[c]);
                        var grey = channels == 1;
                        for (var x = 0; x < window.Width; x++)
                        {
                            var w = wy * wx[x];
                            if (w == 0f) continue;
                            var p = (rowStart + x) * 4;
                            var v = values[x];
                            if (grey)
                            {
                                // A one-channel picture is grey: the same value in R, G and B.
                                acc[p] += w * v;
                                acc[p + 1] += w * v;
                                acc[p + 2] += w * v;
                            }
                            else
                            {
                                acc[p + c] += w * v;
                            }
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }

        /// <summary>Raw tensor values of channel <paramref name="c"/> for frame row <paramref name="y"/> of the window.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private unsafe void SampleRow(int y, int c, Span<float> values)
        {
            var t = (float*)tensor;
            // Element (c, row, col) is base + row * rowStep + col * colStep.
            var nchw = layout == TensorLayout.Nchw;
            var basePtr = nchw ? t + c * height * width : t + c;
            var colStep = nchw ? 1 : channels;
            var rowStep = width * colStep;
            if (!resize)
            {
                var row = basePtr + y * rowStep;
                for (var x = 0; x < values.Length; x++) values[x] = row[x * colStep];
                return;
            }
            var sy = Math.Clamp((y + 0.5f) * height / window.Height - 0.5f, 0, height - 1);
            var y0 = (int)sy;
            var y1 = Math.Min(y0 + 1, height - 1);
            var fy = sy - y0;
            var gy = 1 - fy;
            var r0 = basePtr + y0 * rowStep;
            var r1 = basePtr + y1 * rowStep;
            for (var x = 0; x < values.Length; x++)
            {
                int i0 = x0[x] * colStep, i1 = x1[x] * colStep;
                var f = fx[x];
                float a = r0[i0], b = r0[i1], d = r1[i0], e = r1[i1];
                values[x] = (a + (b - a) * f) * gy + (d + (e - d) * f) * fy;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Decode(Span<float> values, ChannelPlan plan)
        {
            // Logits are activated after resampling, so a resized mask keeps a soft, sub-pixel edge.
            switch (plan.Activation)
            {
                case AlphaActivation.Sigmoid:
                    for (var x = 0; x < values.Length; x++) values[x] = 1f / (1f + MathF.Exp(-values[x]));
                    break;
                case AlphaActivation.Step:
                    for (var x = 0; x < values.Length; x++) values[x] = values[x] > 0f ? 1f : 0f;
                    break;
            }
            var min = plan.Min;
            var span = plan.Span;
            var mean = plan.Mean;
            var std = plan.Std;
            for (var x = 0; x < values.Length; x++)
            {
                var v = values[x];
                if (plan.Normalise) v = v * std + mean;
                v = (v - min) / span;
                if (plan.Clip) v = Math.Clamp(v, 0f, 1f);
                if (plan.Srgb) v = SrgbToLinearFast(v);
                values[x] = v;
            }
        }
    }

    // Transfer tables over 0..1 with linear interpolation. The OETF's curvature peaks just above its knee (0.0031308,
    // |f''| ≈ 2400), so 65536 intervals are needed for an interpolation error below 1e-7 there (h²/8·|f''|); the two
    // tables take 512 KiB. A test checks both against the exact curves.
    private const int TableSize = 65536;
    private static readonly float[] ToSrgbTable = Table(LinearToSrgb);
    private static readonly float[] ToLinearTable = Table(SrgbToLinear);

    private static float[] Table(Func<float, float> f)
    {
        var table = new float[TableSize + 2];
        for (var i = 0; i <= TableSize; i++) table[i] = (float)f((float)((double)i / TableSize));
        table[TableSize + 1] = table[TableSize]; // so v = 1 may read one entry past its interval
        return table;
    }

    /// <summary><see cref="LinearToSrgb"/> from a table, for 0..1 input (the caller clamps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float LinearToSrgbFast(float v) => Lookup(ToSrgbTable, v);

    /// <summary><see cref="SrgbToLinear"/> from a table, for 0..1 input (the caller clamps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float SrgbToLinearFast(float v) => Lookup(ToLinearTable, v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Lookup(float[] table, float v)
    {
        var s = v * TableSize;
        var i = (int)s;
        // Only NaN gets here out of range (callers clamp); it passes through as the exact curves would give it.
        if ((uint)i > TableSize) return float.IsNaN(v) ? v : table[i < 0 ? 0 : TableSize];
        var f = s - i;
        var a = table[i];
        return a + (table[i + 1] - a) * f;
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

    /// <summary>An alpha output's activation on one raw value (mask logits to 0..1); identity for none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Activate(float v, AlphaActivation activation) => activation switch
    {
        AlphaActivation.Sigmoid => 1f / (1f + MathF.Exp(-v)),
        AlphaActivation.Step => v > 0f ? 1f : 0f,
        _ => v,
    };

    /// <summary>The sRGB OETF (IEC 61966-2-1) for 0..1 input.</summary>
    public static float LinearToSrgb(float v) => v <= 0.0031308f ? v * 12.92f : 1.055f * MathF.Pow(v, 1f / 2.4f) - 0.055f;

    /// <summary>The sRGB EOTF for 0..1 input.</summary>
    public static float SrgbToLinear(float v) => v <= 0.04045f ? v / 12.92f : MathF.Pow((v + 0.055f) / 1.055f, 2.4f);

    /// <summary>Index of element (channel, y, x) of a batch-1 tensor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Index(TensorLayout layout, int channels, int height, int width, int c, int y, int x) =>
        layout == TensorLayout.Nchw ? (c * height + y) * width + x : (y * width + x) * channels + c;
}
