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
    /// <summary>Stage names reported through <see cref="InferenceClock"/> (RenderInfo stages).</summary>
    internal const string StagePrepare = "model: accumulators", StageEncode = "model: encode inputs",
        StageDecode = "model: decode outputs", StageNormalise = "model: normalise";

    public static void Run(ResidentModel model, FloatImage source, ModelFeeds feeds, FloatImage output, CancellationToken ct)
    {
        var prepare = InferenceClock.Stage(StagePrepare);
        var pack = model.Pack;
        var alphaDecl = pack.Outputs.FirstOrDefault(t => t.Role == TensorRole.Alpha);
        if (output.Width != source.Width || output.Height != source.Height)
            throw new ArgumentException($"output is {output.Width}x{output.Height}, source is {source.Width}x{source.Height}", nameof(output));
        var xs = TilePlan.Axis(source.Width, pack.Tiling);
        var ys = TilePlan.Axis(source.Height, pack.Tiling);
        var blend = pack.Tiling?.Blend ?? TileBlend.Feather;
        var pixels = source.Width * source.Height;
        var weightSum = ArrayPool<float>.Shared.Rent(pixels);
        var weightX = ArrayPool<float>.Shared.Rent(xs.Max(s => s.Length));
        var weightY = ArrayPool<float>.Shared.Rent(ys.Max(s => s.Length));
        // A matte output is decoded into its own accumulator (grey in R, G, B) and becomes the output's alpha at the end.
        var alpha = alphaDecl is null ? null : new FloatImage(source.Width, source.Height);
        var alphaWeightSum = alphaDecl is null ? null : ArrayPool<float>.Shared.Rent(pixels);
        try
        {
            Array.Clear(weightSum, 0, pixels);
            if (alphaWeightSum is not null) Array.Clear(alphaWeightSum, 0, pixels);
            alpha?.Pixels.Clear();
            output.Pixels.Clear();
            prepare.Dispose();
            foreach (var y in ys)
            {
                TilePlan.Weights(y, blend, weightY);
                foreach (var x in xs)
                {
                    ct.ThrowIfCancellationRequested();
                    TilePlan.Weights(x, blend, weightX);
                    RunWindow(model, source, feeds, output, weightSum, alpha, alphaWeightSum, new Window(x.Start, y.Start, x.Length, y.Length),
                        weightX.AsSpan(0, x.Length), weightY.AsSpan(0, y.Length), ct);
                }
            }
            using (InferenceClock.Stage(StageNormalise)) Normalise(pack, source, output, weightSum.AsSpan(0, pixels), alpha, alphaWeightSum);
        }
        finally
        {
            alpha?.Dispose();
            if (alphaWeightSum is not null) ArrayPool<float>.Shared.Return(alphaWeightSum);
            ArrayPool<float>.Shared.Return(weightSum);
            ArrayPool<float>.Shared.Return(weightX);
            ArrayPool<float>.Shared.Return(weightY);
        }
    }

    private static void RunWindow(ResidentModel model, FloatImage source, ModelFeeds feeds, FloatImage accumulator, float[] weightSum,
        FloatImage? alpha, float[]? alphaWeightSum, Window window, ReadOnlySpan<float> weightX, ReadOnlySpan<float> weightY, CancellationToken ct)
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
            var multiple = pack.Inputs.Where(t => TensorRoles.IsSpatial(t.Role)).Aggregate(1, (m, t) => Lcm(m, t.MultipleOf));
            height = ResidentModel.RoundUp(window.Height, multiple);
            width = ResidentModel.RoundUp(window.Width, multiple);
        }

        var inputs = new OrtValue[pack.Inputs.Count];
        var outputs = new OrtValue[pack.Outputs.Count];
        var buffers = new float[inputs.Length + outputs.Length][];
        var outputShapes = new long[outputs.Length][];
        try
        {
            var encode = InferenceClock.Stage(StageEncode);
            for (var i = 0; i < inputs.Length; i++)
            {
                var decl = pack.Inputs[i];
                var shape = Resolve(decl, height, width);
                if (!TensorRoles.IsSpatial(decl.Role))
                {
                    inputs[i] = NonSpatial(decl, shape, feeds, window, height, width, resize);
                    continue;
                }
                var n = (int)shape.Aggregate(1L, (a, b) => a * b);
                buffers[i] = ArrayPool<float>.Shared.Rent(n);
                var span = buffers[i].AsSpan(0, n);
                switch (decl.Role)
                {
                    case TensorRole.Image:
                        TensorCodec.Encode(source, window, decl, span, height, width, resize);
                        break;
                    case TensorRole.Mask when feeds.Mask is { } mask:
                        TensorCodec.Encode(mask, window, decl, span, height, width, resize);
                        break;
                    case TensorRole.Reference:
                        // The whole reference picture, resized to the run: a style or fill reference has no pixel
                        // correspondence with the frame. No reference connected: the source stands in (neutral).
                        var reference = feeds.Reference ?? source;
                        TensorCodec.Encode(reference, new Window(0, 0, reference.Width, reference.Height), decl, span, height, width, resize: true);
                        break;
                    case TensorRole.History:
                    {
                        // The i-th history input (declaration order) is the frame i + 1 steps before the source, cut
                        // from the same window so the frames stay registered tile by tile.
                        var index = pack.Inputs.Take(i).Count(t => t.Role == TensorRole.History);
                        var frame = index < feeds.History.Count ? feeds.History[index] : source;
                        TensorCodec.Encode(frame, window, decl, span, height, width, resize);
                        break;
                    }
                    case TensorRole.State when feeds.State is { } slot && slot.Get(decl.Name, shape).Length == n:
                        slot.Get(decl.Name, shape).CopyTo(span);
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
            encode.Dispose();

            using (var runOptions = new RunOptions())
            using (ct.Register(static state => ((RunOptions)state!).Terminate = true, runOptions))
            {
                var run = InferenceClock.StartRun();
                try
                {
                    if (model.Batcher is { } batcher) batcher.Run(inputs, outputs, ct);
                    else
                    {
                        model.Session.Run(runOptions, model.InputNames, inputs, model.OutputNames, outputs);
                        model.Counters?.Run(1);
                    }
                }
                catch (OnnxRuntimeException) when (ct.IsCancellationRequested)
                {
                    throw new OperationCanceledException("model run cancelled", ct);
                }
                finally
                {
                    run.Dispose();
                }
            }

            var decode = InferenceClock.Stage(StageDecode);
            for (var index = 0; index < outputs.Length; index++)
            {
                var decl0 = pack.Outputs[index];
                var n0 = (int)outputShapes[index].Aggregate(1L, (a, b) => a * b);
                var data = buffers[inputs.Length + index].AsSpan(0, n0);
                if (decl0.Role == TensorRole.State)
                {
                    // Recurrent packs are never tiled, so this window is the whole frame.
                    foreach (var link in pack.Recurrent.Where(l => l.Output == decl0.Name)) feeds.State?.Set(link.Input, data, outputShapes[index]);
                    continue;
                }
                var target = decl0.Role == TensorRole.Alpha ? alpha! : accumulator;
                var sums = decl0.Role == TensorRole.Alpha ? alphaWeightSum! : weightSum;
                var oh = (int)outputShapes[index][decl0.HeightAxis];
                var ow = (int)outputShapes[index][decl0.WidthAxis];
                if (!resize && (oh != height || ow != width))
                    throw new ModelException(ModelErrorKind.Unusable, $"model pack '{pack.Id}': output '{decl0.Name}' is {ow}x{oh} for a {width}x{height} input; padded models must keep the size");
                TensorCodec.DecodeAccumulate(data, decl0, oh, ow, resize, target, sums, window, weightX, weightY);
            }
            decode.Dispose();
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
        var spatial = TensorRoles.IsSpatial(decl.Role);
        for (var a = 0; a < shape.Length; a++)
        {
            var d = decl.Shape[a];
            // A strided state lives at a fraction of the run (rounded up, as strided convolutions with padding give).
            shape[a] = spatial && a == decl.HeightAxis ? (height + decl.Stride - 1) / decl.Stride
                : spatial && a == decl.WidthAxis ? (width + decl.Stride - 1) / decl.Stride
                : d.IsDynamic ? 1 : d.Fixed;
        }
        return shape;
    }

    /// <summary>
    /// The value of a tensor that carries no picture: the seed, the prompt text, or the point/box prompts mapped from
    /// frame pixels into this run's tensor pixels (window origin removed, then scaled when the window is resized).
    /// </summary>
    private static OrtValue NonSpatial(TensorDeclaration decl, long[] shape, ModelFeeds feeds, Window window, int height, int width, bool resize)
    {
        var sx = resize ? width / (float)window.Width : 1f;
        var sy = resize ? height / (float)window.Height : 1f;
        switch (decl.Role)
        {
            case TensorRole.Seed:
                return OrtValue.CreateTensorValueFromMemory(new[] { feeds.Seed }, shape);
            case TensorRole.Prompt:
                var prompt = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
                prompt.StringTensorSetElementAt(feeds.Prompt.AsSpan(), 0);
                return prompt;
            case TensorRole.Points or TensorRole.Labels:
            {
                var n = PointSlots(decl, feeds.Points.Count);
                shape[1] = n;
                var values = new float[decl.Role == TensorRole.Points ? n * 2 : n];
                for (var k = 0; k < n; k++)
                {
                    // Slots beyond the given points are padding: (0, 0) labelled −1, the convention of SAM-style decoders.
                    var given = k < feeds.Points.Count;
                    var point = given ? feeds.Points[k] : default;
                    if (decl.Role == TensorRole.Labels) values[k] = given ? (point.Subject ? 1f : 0f) : -1f;
                    else if (given)
                    {
                        values[2 * k] = (point.X - window.X) * sx;
                        values[2 * k + 1] = (point.Y - window.Y) * sy;
                    }
                }
                return OrtValue.CreateTensorValueFromMemory(values, shape);
            }
            case TensorRole.Step:
                return OrtValue.CreateTensorValueFromMemory(new[] { feeds.Step }, shape);
            case TensorRole.Box:
            {
                // No rectangle given: the whole run, which constrains nothing.
                var box = feeds.Box ?? new PromptBox(window.X, window.Y, window.X + window.Width, window.Y + window.Height);
                var values = new[] { (box.X0 - window.X) * sx, (box.Y0 - window.Y) * sy, (box.X1 - window.X) * sx, (box.Y1 - window.Y) * sy };
                return OrtValue.CreateTensorValueFromMemory(values, shape);
            }
            default:
                throw new ModelException(ModelErrorKind.Unusable, $"model pack: input '{decl.Name}' ({decl.Role}) is not fed by this runtime");
        }
    }

    /// <summary>
    /// How many point slots a points/labels tensor gets: a fixed N as declared (extra points dropped, positives come
    /// first), a dynamic N one per point, at least one (a padding point when none is given).
    /// </summary>
    internal static int PointSlots(TensorDeclaration decl, int given) =>
        decl.Shape.Count > 1 && !decl.Shape[1].IsDynamic ? (int)decl.Shape[1].Fixed : Math.Max(1, given);

    private static void Normalise(ModelPack pack, FloatImage source, FloatImage output, ReadOnlySpan<float> weightSum,
        FloatImage? alpha, float[]? alphaWeightSum)
    {
        var image = pack.Outputs.FirstOrDefault(t => t.Role == TensorRole.Image);
        var ownAlpha = image?.Channels == 4;
        var dst = output.Pixels;
        var src = source.Pixels;
        var matte = alpha is null ? default : alpha.Pixels;
        for (var p = 0; p < weightSum.Length; p++)
        {
            if (image is null)
            {
                // A matte-only model: the picture is the source, untouched (values above 1 included).
                dst[p * 4] = src[p * 4];
                dst[p * 4 + 1] = src[p * 4 + 1];
                dst[p * 4 + 2] = src[p * 4 + 2];
            }
            else
            {
                var w = weightSum[p];
                var inv = w > 0 ? 1f / w : 0f;
                dst[p * 4] *= inv;
                dst[p * 4 + 1] *= inv;
                dst[p * 4 + 2] *= inv;
            }
            if (alphaWeightSum is not null)
            {
                // The matte is coverage of the subject; a pixel the source already made transparent stays so.
                var w = alphaWeightSum[p];
                dst[p * 4 + 3] = (w > 0 ? matte[p * 4] / w : 0f) * src[p * 4 + 3];
            }
            else
            {
                var w = weightSum[p];
                dst[p * 4 + 3] = ownAlpha ? dst[p * 4 + 3] * (w > 0 ? 1f / w : 0f) : src[p * 4 + 3];
            }
        }
    }

    private static int Lcm(int a, int b)
    {
        int x = a, y = b;
        while (y != 0) (x, y) = (y, x % y);
        return a / x * b;
    }
}
