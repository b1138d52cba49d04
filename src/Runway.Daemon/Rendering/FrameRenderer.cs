using System.Collections.Concurrent;
using System.Diagnostics;
using Runway.Daemon.Errors;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Pixels;
using Runway.Protocol.V1;
using AlphaMode = Runway.Effects.Pixels.AlphaMode;

namespace Runway.Daemon.Rendering;

/// <summary>What the effect reported and how long the daemon spent.</summary>
internal sealed record RenderOutcome(string Engine, double DaemonMillis, double EngineMillis, IReadOnlyList<string> Notes)
{
    /// <summary>Time inside ONNX Runtime session runs during the engine call (0 when no model ran).</summary>
    public double InferenceMillis { get; init; }

    /// <summary>Where the time went, by step (frame decode/encode, the effect's own steps, inference).</summary>
    public IReadOnlyList<Runway.Models.Runtime.StageTiming> Stages { get; init; } = [];

    /// <summary>The daemon's process CPU time (all threads) over the render, milliseconds.</summary>
    public double CpuMillis { get; init; }

    /// <summary>Managed bytes the daemon allocated (all threads) over the render.</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Garbage collections (any generation) the daemon ran over the render.</summary>
    public int Collections { get; init; }
}

/// <summary>How the renderer finds effects: <see cref="EffectCatalog"/> in the daemon, a stand-in in tests.</summary>
internal sealed record EffectLookup(Func<string, EffectDefinition?> Find, Func<string, IEffect> Create, Func<IEnumerable<string>> VisibleIds)
{
    public static EffectLookup Catalog { get; } = new(EffectCatalog.Find, EffectCatalog.Create, () => EffectCatalog.All.Where(e => !e.Hidden).Select(e => e.Id));
}

/// <summary>
/// The per-frame pipeline: validate a request against its effect (<see cref="Plan"/>), then decode the inputs into
/// pooled working images, run the effect with the call's cancellation, and encode into the output (<see cref="Render"/>).
/// Knows nothing about gRPC transport or arenas, so it is tested directly.
/// </summary>
internal sealed class FrameRenderer(long maxFramePixels, EffectLookup? effects = null)
{
    private readonly EffectLookup _effects = effects ?? EffectLookup.Catalog;

    /// <summary>The hidden no-op effect used by the transport benchmark.</summary>
    public const string PassthroughId = "com.runwayml.passthrough";

    /// <summary>Engine name reported by the byte-copy fast path.</summary>
    public const string ByteCopyEngine = "passthrough/bytes";

    /// <summary>Stage names of the daemon's own steps around the effect (RenderInfo stages).</summary>
    public const string StageDecode = "frame: decode", StageEncode = "frame: encode";

    private readonly ConcurrentDictionary<string, IEffect> _engines = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="id"/> names an effect (hidden ones included).</summary>
    public bool IsKnown(string id) => !string.IsNullOrEmpty(id) && _effects.Find(id) is not null;

    /// <summary>Checks everything that needs no pixels; throws <see cref="RunwayFault"/> naming the problem.</summary>
    public RenderPlan Plan(RenderFrameRequest request)
    {
        if (string.IsNullOrEmpty(request.EffectId)) throw RunwayFault.Invalid("the request names no effect");
        var effect = _effects.Find(request.EffectId) ?? throw RunwayFault.NotFound(
            $"unknown effect '{request.EffectId}'; known: {string.Join(", ", _effects.VisibleIds())}");

        ParamSet bound;
        try
        {
            bound = ParamSet.Bind(effect, RawParams(effect, request));
        }
        catch (ParamException e)
        {
            throw RunwayFault.Invalid(e.Message);
        }

        if (request.Source?.Descriptor_ is null) throw RunwayFault.Invalid("the request has no source frame descriptor");
        if (request.Output?.Descriptor_ is null) throw RunwayFault.Invalid("the request has no output frame descriptor");
        var source = Layout(request.Source.Descriptor_, "source");
        PixelLayout? mask = null;
        if (request.Mask is not null)
        {
            if (request.Mask.Descriptor_ is null) throw RunwayFault.Invalid("the mask has no frame descriptor");
            if (!effect.Clips.Any(c => c.IsMask))
                throw RunwayFault.Invalid($"effect {effect.Id} takes no mask, but the request sends one");
            var m = Layout(request.Mask.Descriptor_, "mask");
            if (m.Width != source.Width || m.Height != source.Height)
                throw RunwayFault.Invalid($"mask is {m.Width}x{m.Height} but source is {source.Width}x{source.Height}; the mask must be the source's size");
            mask = m;
        }
        var output = Layout(request.Output.Descriptor_, "output");
        if (output.Width != source.Width || output.Height != source.Height)
            throw RunwayFault.Invalid($"output is {output.Width}x{output.Height} but source is {source.Width}x{source.Height}; the output must be the source's size");

        var scaleX = Scale(request.RenderScaleX, "x");
        var scaleY = Scale(request.RenderScaleY, "y");
        if (!double.IsFinite(request.Time)) throw RunwayFault.Invalid($"time {request.Time} is not a finite number");
        // A render below full resolution is a preview: the host is scrubbing or the user chose a draft.
        var interactive = request.Interactive || request.Priority == Priority.Interactive || scaleX < 1 || scaleY < 1;
        var cls = interactive ? RenderClass.Interactive : request.Priority == Priority.Batch ? RenderClass.Batch : RenderClass.Final;
        var neighbours = Neighbours(effect, request, source);
        var clips = Clips(effect, request);
        var range = SourceRange(request);
        var byteCopy = effect.Id == PassthroughId && mask is null && neighbours.Count == 0 && clips.Count == 0
            && source.Components == output.Components && source.Depth == output.Depth && source.Alpha == output.Alpha;

        return new RenderPlan(effect, Engine(effect.Id), bound, source, mask, output, request.Time, Math.Min(scaleX, scaleY),
            interactive, cls, request.InstanceId ?? "", byteCopy) { Neighbours = neighbours, Clips = clips, SourceRange = range };
    }

    /// <summary>
    /// Named clips get the source's layout checks (any size, though): each must be a clip the effect declares other
    /// than Source and the mask, named once, with a descriptor.
    /// </summary>
    private List<ClipLayout> Clips(EffectDefinition effect, RenderFrameRequest request)
    {
        var result = new List<ClipLayout>(request.Clips.Count);
        if (request.Clips.Count == 0) return result;
        var declared = effect.Clips.Where(c => !c.IsMask && c.Name != SourceClip).Select(c => c.Name).ToList();
        var known = declared.Count == 0 ? "none" : string.Join(", ", declared);
        foreach (var clip in request.Clips)
        {
            var name = clip.Name ?? "";
            if (name is SourceClip or MaskClip || effect.Clips.Any(c => c.IsMask && c.Name == name))
                throw RunwayFault.Invalid($"clip '{name}' cannot be sent as a named clip: the source and the mask have fields of their own; {effect.Id} declares these other clips: {known}");
            if (!declared.Contains(name))
                throw RunwayFault.Invalid($"effect {effect.Id} declares no clip '{name}'; its other clips: {known}");
            if (result.Any(r => r.Name == name)) throw RunwayFault.Invalid($"clip '{name}' is sent twice");
            if (clip.Frame?.Descriptor_ is null) throw RunwayFault.Invalid($"clip '{name}' has no frame descriptor");
            result.Add(new ClipLayout(name, Layout(clip.Frame.Descriptor_, $"clip '{name}'")));
        }
        return result;
    }

    private static ClipRange? SourceRange(RenderFrameRequest request)
    {
        if (request.SourceRange is not { } r) return null;
        if (!double.IsFinite(r.First) || !double.IsFinite(r.Last) || r.First > r.Last)
            throw RunwayFault.Invalid($"source range {r.First}..{r.Last} is not a finite, ordered range");
        return new ClipRange(r.First, r.Last);
    }

    private const string SourceClip = "Source";
    private const string MaskClip = "Mask";

    /// <summary>
    /// Neighbouring frames get the source's and mask's checks: a usable layout within limits, the source's size, a mask
    /// only for effects that take one, a finite time. An effect that needs no other frames gets none.
    /// </summary>
    private List<NeighbourLayout> Neighbours(EffectDefinition effect, RenderFrameRequest request, PixelLayout source)
    {
        var result = new List<NeighbourLayout>(request.Neighbours.Count);
        if (request.Neighbours.Count == 0) return result;
        var most = effect.FramesNeeded.Before + effect.FramesNeeded.After;
        if (request.Neighbours.Count > most)
            throw RunwayFault.Invalid($"the request sends {request.Neighbours.Count} neighbouring frames; {effect.Id} needs at most {most}");
        for (var i = 0; i < request.Neighbours.Count; i++)
        {
            var n = request.Neighbours[i];
            var role = $"neighbour {i}";
            if (!double.IsFinite(n.Time)) throw RunwayFault.Invalid($"{role} time {n.Time} is not a finite number");
            if (n.Source?.Descriptor_ is null) throw RunwayFault.Invalid($"{role} has no source frame descriptor");
            var s = Layout(n.Source.Descriptor_, role + " source");
            if (s.Width != source.Width || s.Height != source.Height)
                throw RunwayFault.Invalid($"{role} source is {s.Width}x{s.Height} but source is {source.Width}x{source.Height}; neighbouring frames must be the source's size");
            PixelLayout? m = null;
            if (n.Mask is not null)
            {
                if (n.Mask.Descriptor_ is null) throw RunwayFault.Invalid($"{role} mask has no frame descriptor");
                if (!effect.Clips.Any(c => c.IsMask))
                    throw RunwayFault.Invalid($"effect {effect.Id} takes no mask, but {role} sends one");
                var ml = Layout(n.Mask.Descriptor_, role + " mask");
                if (ml.Width != source.Width || ml.Height != source.Height)
                    throw RunwayFault.Invalid($"{role} mask is {ml.Width}x{ml.Height} but source is {source.Width}x{source.Height}; the mask must be the source's size");
                m = ml;
            }
            result.Add(new NeighbourLayout(n.Time, s, m));
        }
        return result;
    }

    /// <summary>
    /// Renders one planned frame. <paramref name="source"/>, <paramref name="mask"/> (empty when none) and
    /// <paramref name="output"/> hold exactly their layouts' <see cref="PixelLayout.SpanBytes"/>.
    /// </summary>
    /// <param name="neighbours">Bytes of <see cref="RenderPlan.Neighbours"/>, in the same order; null when there are none.</param>
    /// <param name="clips">Bytes of <see cref="RenderPlan.Clips"/>, in the same order; null when there are none.</param>
    public RenderOutcome Render(RenderPlan plan, ReadOnlySpan<byte> source, ReadOnlySpan<byte> mask, Span<byte> output, CancellationToken ct,
        IReadOnlyList<NeighbourPixels>? neighbours = null, IReadOnlyList<PixelBuffer>? clips = null)
    {
        ct.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        if (plan.ByteCopy)
        {
            CopyRows(plan.Source, source, plan.Output, output);
            return new RenderOutcome(ByteCopyEngine, Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0, []);
        }

        var cpuStarted = Environment.CpuUsage.TotalTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var collectionsBefore = GC.CollectionCount(0); // a gen1 or gen2 collection counts in gen0's count too
        // Opened before the frames are decoded so the decode is one of the render's stages too.
        using var clock = Runway.Models.Runtime.InferenceClock.Measure();
        var decode = Runway.Models.Runtime.InferenceClock.Stage(StageDecode);
        using var src = new FloatImage(plan.Source.Width, plan.Source.Height);
        PixelCodec.Decode(source, plan.Source, src);
        using var maskImage = plan.Mask is { } maskLayout ? new FloatImage(maskLayout.Width, maskLayout.Height) : null;
        if (maskImage is not null) PixelCodec.Decode(mask, plan.Mask!.Value, maskImage);
        using var dst = new FloatImage(plan.Output.Width, plan.Output.Height);
        var timed = new List<TimedImage>(plan.Neighbours.Count);
        var named = new Dictionary<string, FloatImage>(plan.Clips.Count, StringComparer.Ordinal);
        try
        {
            if (plan.Clips.Count > 0 && (clips is null || clips.Count != plan.Clips.Count))
                throw new ArgumentException($"the plan has {plan.Clips.Count} named clips, {clips?.Count ?? 0} were bound", nameof(clips));
            for (var i = 0; i < plan.Clips.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var layout = plan.Clips[i].Layout;
                var image = new FloatImage(layout.Width, layout.Height);
                named[plan.Clips[i].Name] = image;
                PixelCodec.Decode(clips![i].Span, layout, image);
            }
            if (plan.Neighbours.Count > 0 && (neighbours is null || neighbours.Count != plan.Neighbours.Count))
                throw new ArgumentException($"the plan has {plan.Neighbours.Count} neighbouring frames, {neighbours?.Count ?? 0} were bound", nameof(neighbours));
            for (var i = 0; i < plan.Neighbours.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var layout = plan.Neighbours[i];
                var image = new FloatImage(layout.Source.Width, layout.Source.Height);
                FloatImage? nMask = null;
                try
                {
                    PixelCodec.Decode(neighbours![i].Source.Span, layout.Source, image);
                    if (layout.Mask is { } ml)
                    {
                        nMask = new FloatImage(ml.Width, ml.Height);
                        PixelCodec.Decode(neighbours[i].Mask.Span, ml, nMask);
                    }
                }
                catch
                {
                    image.Dispose();
                    nMask?.Dispose();
                    throw;
                }
                timed.Add(new TimedImage(layout.Time, image, nMask));
            }
            ct.ThrowIfCancellationRequested();
            decode.Dispose();
            var outcome = RenderDecoded(plan, src, maskImage, dst, timed, named, output, started, ct);
            return outcome with
            {
                Stages = clock.Stages, InferenceMillis = clock.Milliseconds, CpuMillis = (Environment.CpuUsage.TotalTime - cpuStarted).TotalMilliseconds,
                AllocatedBytes = GC.GetTotalAllocatedBytes() - allocatedBefore, Collections = GC.CollectionCount(0) - collectionsBefore,
            };
        }
        finally
        {
            foreach (var image in named.Values) image.Dispose();
            foreach (var t in timed)
            {
                t.Source.Dispose();
                t.Mask?.Dispose();
            }
        }
    }

    private static RenderOutcome RenderDecoded(RenderPlan plan, FloatImage src, FloatImage? maskImage, FloatImage dst,
        IReadOnlyList<TimedImage> neighbours, IReadOnlyDictionary<string, FloatImage> clips, Span<byte> output, long started, CancellationToken ct)
    {
        var engineStarted = Stopwatch.GetTimestamp();
        EffectResult result;
        try
        {
            result = plan.Engine.Render(
                new EffectFrame(src, maskImage, dst, plan.Params, plan.Time, plan.RenderScale, plan.Interactive, plan.InstanceId)
                {
                    Neighbours = neighbours,
                    Clips = clips,
                    SourceRange = plan.SourceRange,
                }, ct);
        }
        catch (ParamException e)
        {
            throw RunwayFault.Invalid(e.Message);
        }
        var engineMillis = Stopwatch.GetElapsedTime(engineStarted).TotalMilliseconds;
        ct.ThrowIfCancellationRequested();
        using (Runway.Models.Runtime.InferenceClock.Stage(StageEncode)) PixelCodec.Encode(dst, plan.Output, output);
        return new RenderOutcome(result.Engine, Stopwatch.GetElapsedTime(started).TotalMilliseconds, engineMillis, result.Notes);
    }

    /// <summary>Converts a wire descriptor to a layout and checks it against the daemon's limits.</summary>
    public PixelLayout Layout(FrameDescriptor d, string role)
    {
        if (d.Width > int.MaxValue || d.Height > int.MaxValue || (long)d.Width * d.Height > maxFramePixels)
            throw RunwayFault.Exhausted(
                $"{role} frame {d.Width}x{d.Height} has {(ulong)d.Width * d.Height} pixels, over this daemon's limit of {maxFramePixels} (maxFramePixels)");
        if (d.RowBytes > long.MaxValue) throw RunwayFault.Invalid($"{role} row bytes {d.RowBytes} is not a usable size");
        var layout = new PixelLayout((int)d.Width, (int)d.Height, (PixelComponents)d.Components, (PixelDepth)d.Depth, (long)d.RowBytes,
            d.TopDown, d.Alpha == Protocol.V1.AlphaMode.Unspecified ? AlphaMode.Straight : (AlphaMode)d.Alpha);
        if (layout.Problem(int.MaxValue) is { } problem) throw RunwayFault.Invalid($"{role}: {problem}");
        if (!Enum.IsDefined(layout.Alpha)) throw RunwayFault.Invalid($"{role}: unknown alpha mode {(int)d.Alpha}");
        // Spans address at most 2 GiB; a frame that big is far outside what hosts send.
        if (layout.SpanBytes > int.MaxValue)
            throw RunwayFault.Exhausted($"{role} frame {d.Width}x{d.Height} spans {layout.SpanBytes} bytes, over the 2 GiB per-frame limit");
        return layout;
    }

    /// <summary>
    /// Row-by-row copy between two layouts of identical encoding (row bytes and order may differ). Large frames are
    /// copied in bands on every core: one core alone does not saturate memory bandwidth, and this copy is what the
    /// transport benchmark's shared-memory round trip measures.
    /// </summary>
    private static unsafe void CopyRows(PixelLayout from, ReadOnlySpan<byte> src, PixelLayout to, Span<byte> dst)
    {
        const long ParallelBytes = 8 << 20;
        var height = from.Height;
        var rowBytes = from.MinRowBytes;
        var flip = from.TopDown != to.TopDown;
        var (srcStride, dstStride) = (from.RowBytes, to.RowBytes);
        // Contiguous on both sides and in the same order: the frame is one block.
        var oneBlock = !flip && srcStride == rowBytes && dstStride == rowBytes;
        fixed (byte* s = src)
        fixed (byte* d = dst)
        {
            var sp = (nint)s;
            var dp = (nint)d;
            var bands = from.SpanBytes >= ParallelBytes ? Math.Min(Environment.ProcessorCount, 8) : 1;
            if (bands == 1)
            {
                CopyBand(sp, dp, 0, height);
                return;
            }
            Parallel.For(0, bands, band => CopyBand(sp, dp, (int)((long)height * band / bands), (int)((long)height * (band + 1) / bands)));
        }

        void CopyBand(nint sp, nint dp, int y0, int y1)
        {
            if (oneBlock)
            {
                var bytes = (y1 - y0) * rowBytes;
                Buffer.MemoryCopy((byte*)sp + y0 * rowBytes, (byte*)dp + y0 * rowBytes, bytes, bytes);
                return;
            }
            for (var y = y0; y < y1; y++)
            {
                var ty = flip ? height - 1 - y : y;
                Buffer.MemoryCopy((byte*)sp + y * srcStride, (byte*)dp + ty * dstStride, rowBytes, rowBytes);
            }
        }
    }

    private IEffect Engine(string id) => _engines.GetOrAdd(id, _effects.Create);

    private static double Scale(double value, string axis)
    {
        if (value == 0) return 1; // proto3 default: not given
        if (!double.IsFinite(value) || value < 0)
            throw RunwayFault.Invalid($"render scale {axis} = {value} is not a positive number");
        return value;
    }

    private static Dictionary<string, object> RawParams(EffectDefinition effect, RenderFrameRequest request)
    {
        var raw = new Dictionary<string, object>(request.Params.Count, StringComparer.Ordinal);
        foreach (var (name, value) in request.Params)
        {
            raw[name] = value.ValueCase switch
            {
                ParamValue.ValueOneofCase.DoubleValue => value.DoubleValue,
                ParamValue.ValueOneofCase.IntValue => value.IntValue,
                ParamValue.ValueOneofCase.BoolValue => value.BoolValue,
                ParamValue.ValueOneofCase.StringValue => value.StringValue,
                ParamValue.ValueOneofCase.Doubles => value.Doubles.Values.ToArray(),
                _ => throw RunwayFault.Invalid($"param '{name}' of {effect.Id} has no value"),
            };
        }
        return raw;
    }
}
