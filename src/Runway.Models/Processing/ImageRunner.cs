using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using Runway.Effects.Pixels;
using Runway.Models.Packs;
using Runway.Models.Runtime;

namespace Runway.Models.Processing;

/// <summary>
/// Runs an image model over a frame of any size as its declaration allows: one run when the frame fits (padded up to
/// the multiple-of constraint, or resized to a fixed size), else overlapping tiles joined with the declared blend.
/// Tensors are <see cref="OrtValue"/>s over pooled arrays; the pixels are never copied outside encode and decode.
/// </summary>
internal static class ImageRunner
{
    public static void Run(ResidentModel model, FloatImage source, FloatImage? mask, FloatImage output, CancellationToken ct)
    {
        var pack = model.Pack;
        if (output.Width != source.Width || output.Height != source.Height)
            throw new ArgumentException($"output is {output.Width}x{output.Height}, source is {source.Width}x{source.Height}", nameof(output));
        var xs = TilePlan.Axis(source.Width, pack.Tiling);
        var ys = TilePlan.Axis(source.Height, pack.Tiling);
        var blend = pack.Tiling?.Blend ?? TileBlend.Feather;
        var pixels = source.Width * source.Height;
        var weightSum = ArrayPool<float>.Shared.Rent(pixels);
        var weightX = ArrayPool<float>.Shared.Rent(xs.Max(s => s.Length));
        var weightY = ArrayPool<float>.Shared.Rent(ys.Max(s => s.Length));
        try
        {
            Array.Clear(weightSum, 0, pixels);
            output.Pixels.Clear();
            foreach (var y in ys)
            {
                TilePlan.Weights(y, blend, weightY);
                foreach (var x in xs)
                {
                    ct.ThrowIfCancellationRequested();
                    TilePlan.Weights(x, blend, weightX);
                    RunWindow(model, source, mask, output, weightSum, new Window(x.Start, y.Start, x.Length, y.Length),
                        weightX.AsSpan(0, x.Length), weightY.AsSpan(0, y.Length), ct);
                }
            }
            Normalise(pack, source, output, weightSum.AsSpan(0, pixels));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(weightSum);
            ArrayPool<float>.Shared.Return(weightX);
            ArrayPool<float>.Shared.Return(weightY);
        }
    }

    private static void RunWindow(ResidentModel model, FloatImage source, FloatImage? mask, FloatImage accumulator, float[] weightSum,
        Window window, ReadOnlySpan<float> weightX, ReadOnlySpan<float> weightY, CancellationToken ct)
    {
        var pack = model.Pack;
        var image = pack.Inputs.First(t => t.Role == TensorRole.Image);
        var resize = image.FixedSpatial;
        int height, width;
        if (resize)
        {
            height = (int)image.Shape[image.HeightAxis].Fixed;
            width = (int)image.Shape[image.WidthAxis].Fixed;
        }
        else
        {
            var multiple = pack.Inputs.Aggregate(1, (m, t) => Lcm(m, t.MultipleOf));
            height = ResidentModel.RoundUp(window.Height, multiple);
            width = ResidentModel.RoundUp(window.Width, multiple);
        }

        var inputs = new OrtValue[pack.Inputs.Count];
        var outputs = new OrtValue[pack.Outputs.Count];
        var buffers = new float[inputs.Length + outputs.Length][];
        var outputShapes = new long[outputs.Length][];
        try
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                var decl = pack.Inputs[i];
                var shape = Resolve(decl, height, width);
                var n = (int)shape.Aggregate(1L, (a, b) => a * b);
                buffers[i] = ArrayPool<float>.Shared.Rent(n);
                var span = buffers[i].AsSpan(0, n);
                switch (decl.Role)
                {
                    case TensorRole.Image:
                        TensorCodec.Encode(source, window, decl, span, height, width, resize);
                        break;
                    case TensorRole.Mask when mask is not null:
                        TensorCodec.Encode(mask, window, decl, span, height, width, resize);
                        break;
                    default:
                        // No mask connected: nothing is masked. State: the first frame of a sequence starts from zeros.
                        span.Clear();
                        break;
                }
                inputs[i] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers[i].AsMemory(0, n), shape);
            }
            for (var o = 0; o < outputs.Length; o++)
            {
                var shape = Resolve(pack.Outputs[o], height, width);
                var n = (int)shape.Aggregate(1L, (a, b) => a * b);
                buffers[inputs.Length + o] = ArrayPool<float>.Shared.Rent(n);
                outputShapes[o] = shape;
                outputs[o] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers[inputs.Length + o].AsMemory(0, n), shape);
            }

            using (var runOptions = new RunOptions())
            using (ct.Register(static state => ((RunOptions)state!).Terminate = true, runOptions))
            {
                try
                {
                    model.Session.Run(runOptions, model.InputNames, inputs, model.OutputNames, outputs);
                }
                catch (OnnxRuntimeException) when (ct.IsCancellationRequested)
                {
                    throw new OperationCanceledException("model run cancelled", ct);
                }
            }

            var index = pack.Outputs.ToList().FindIndex(t => t.Role == TensorRole.Image);
            var decl0 = pack.Outputs[index];
            var oh = (int)outputShapes[index][decl0.HeightAxis];
            var ow = (int)outputShapes[index][decl0.WidthAxis];
            if (!resize && (oh != height || ow != width))
                throw new ModelException(ModelErrorKind.Unusable, $"model pack '{pack.Id}': output '{decl0.Name}' is {ow}x{oh} for a {width}x{height} input; padded models must keep the size");
            var n0 = (int)outputShapes[index].Aggregate(1L, (a, b) => a * b);
            TensorCodec.DecodeAccumulate(buffers[inputs.Length + index].AsSpan(0, n0), decl0, oh, ow, resize, accumulator,
                weightSum, window, weightX, weightY);
        }
        finally
        {
            foreach (var v in inputs) v?.Dispose();
            foreach (var v in outputs) v?.Dispose();
            foreach (var b in buffers)
            {
                if (b is not null) ArrayPool<float>.Shared.Return(b);
            }
        }
    }

    /// <summary>Concrete shape of a tensor for a run at height × width: batch 1, fixed axes as declared.</summary>
    private static long[] Resolve(TensorDeclaration decl, int height, int width)
    {
        var shape = new long[decl.Shape.Count];
        for (var a = 0; a < shape.Length; a++)
        {
            var d = decl.Shape[a];
            shape[a] = a == decl.HeightAxis ? height : a == decl.WidthAxis ? width : d.IsDynamic ? 1 : d.Fixed;
        }
        return shape;
    }

    private static void Normalise(ModelPack pack, FloatImage source, FloatImage output, ReadOnlySpan<float> weightSum)
    {
        var ownAlpha = pack.Outputs.First(t => t.Role == TensorRole.Image).Channels == 4;
        var dst = output.Pixels;
        var src = source.Pixels;
        for (var p = 0; p < weightSum.Length; p++)
        {
            var w = weightSum[p];
            var inv = w > 0 ? 1f / w : 0f;
            dst[p * 4] *= inv;
            dst[p * 4 + 1] *= inv;
            dst[p * 4 + 2] *= inv;
            dst[p * 4 + 3] = ownAlpha ? dst[p * 4 + 3] * inv : src[p * 4 + 3];
        }
    }

    private static int Lcm(int a, int b)
    {
        int x = a, y = b;
        while (y != 0) (x, y) = (y, x % y);
        return a / x * b;
    }
}
