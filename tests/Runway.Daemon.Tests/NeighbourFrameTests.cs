using Google.Protobuf;
using Grpc.Core;
using Runway.Daemon.Rendering;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Protocol.V1;

namespace Runway.Daemon.Tests;

/// <summary>Neighbouring frames of temporal renders: validated like the source, decoded, handed to the effect.</summary>
public class NeighbourFrameTests
{
    private static readonly SpyEffect Spy = new();
    private static readonly FrameRenderer SpyRenderer = new(1 << 20,
        new EffectLookup(id => id == Spy.Definition.Id ? Spy.Definition : null, _ => Spy, () => [Spy.Definition.Id]));

    private static RenderFrameRequest SpyRequest(uint w, uint h, params (double Time, bool Mask)[] neighbours)
    {
        var d = Frames.RgbaF32(w, h);
        var r = new RenderFrameRequest
        {
            EffectId = Spy.Definition.Id,
            Time = 10,
            Source = new FrameInput { Descriptor_ = d, Inline = true },
            Output = new FrameOutput { Descriptor_ = d, Inline = true },
        };
        foreach (var (time, mask) in neighbours)
        {
            var n = new TimedFrame { Time = time, Source = new FrameInput { Descriptor_ = d, Inline = true } };
            if (mask) n.Mask = new FrameInput { Descriptor_ = Frames.AlphaF32(w, h), Inline = true };
            r.Neighbours.Add(n);
        }
        return r;
    }

    private static byte[] Constant(int pixels, int channels, float value)
    {
        var floats = Enumerable.Repeat(value, pixels * channels).ToArray();
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()).ToArray();
    }

    [Fact]
    public void Neighbours_reach_the_effect_decoded_with_their_times_and_masks()
    {
        var plan = SpyRenderer.Plan(SpyRequest(2, 2, (9, true), (11, false)));
        Assert.Equal(2, plan.Neighbours.Count);
        var neighbours = new List<NeighbourPixels>
        {
            new(PixelBuffer.OfArray(Constant(4, 4, 0.25f), 64), PixelBuffer.OfArray(Constant(4, 1, 1f), 16)),
            new(PixelBuffer.OfArray(Constant(4, 4, 0.75f), 64), default),
        };
        SpyRenderer.Render(plan, Constant(4, 4, 0.5f), default, new byte[64], CancellationToken.None, neighbours);
        Assert.Equal([(9.0, 0.25f, (float?)1f), (11.0, 0.75f, null)], Spy.Seen);
    }

    [Fact]
    public void Neighbour_of_another_size_is_invalid_and_named()
    {
        var r = SpyRequest(4, 4, (9, false));
        r.Neighbours[0].Source.Descriptor_ = Frames.RgbaF32(4, 3);
        var fault = Expect.Fault(() => SpyRenderer.Plan(r));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("neighbour 0 source is 4x3", fault.Message);
    }

    [Fact]
    public void Neighbour_with_a_non_finite_time_is_invalid()
    {
        var fault = Expect.Fault(() => SpyRenderer.Plan(SpyRequest(4, 4, (double.NaN, false))));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("neighbour 0 time", fault.Message);
    }

    [Fact]
    public void More_neighbours_than_the_effect_needs_is_invalid()
    {
        var fault = Expect.Fault(() => SpyRenderer.Plan(SpyRequest(2, 2, (8, false), (9, false), (11, false))));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("needs at most 2", fault.Message);
    }

    [Fact]
    public async Task Inline_render_with_neighbours_gives_the_same_bytes_as_shared_memory()
    {
        const int w = 40, h = 30;
        await using var d = await DaemonFixture.StartAsync();
        using var arena = d.NewArena(slotCount: 8, slotBytes: 32 << 10);
        var srcDesc = Frames.RgbaF32(w, h);
        var maskDesc = Frames.AlphaF32(w, h);
        var pixels = Frames.SmoothF32(w, h);
        var mask = Frames.SquareMaskF32(w, h, 10, 10, 18, 16);
        var before = Frames.SmoothF32(w, h);
        var beforeMask = Frames.SquareMaskF32(w, h, 4, 10, 12, 16);
        var after = Frames.SmoothF32(w, h);
        var afterMask = Frames.SquareMaskF32(w, h, 16, 10, 24, 16);

        RenderFrameRequest Request()
        {
            var r = new RenderFrameRequest
            {
                EffectId = Frames.Inpaint,
                Time = 5,
                Source = new FrameInput { Descriptor_ = srcDesc },
                Mask = new FrameInput { Descriptor_ = maskDesc },
                Output = new FrameOutput { Descriptor_ = srcDesc },
            };
            r.Neighbours.Add(new TimedFrame { Time = 6, Source = new FrameInput { Descriptor_ = srcDesc }, Mask = new FrameInput { Descriptor_ = maskDesc } });
            r.Neighbours.Add(new TimedFrame { Time = 4, Source = new FrameInput { Descriptor_ = srcDesc }, Mask = new FrameInput { Descriptor_ = maskDesc } });
            return r;
        }

        var shm = Request();
        shm.Source.Slot = arena.Write(0, srcDesc, pixels);
        shm.Mask.Slot = arena.Write(1, maskDesc, mask);
        shm.Neighbours[0].Source.Slot = arena.Write(2, srcDesc, after);
        shm.Neighbours[0].Mask.Slot = arena.Write(3, maskDesc, afterMask);
        shm.Neighbours[1].Source.Slot = arena.Write(4, srcDesc, before);
        shm.Neighbours[1].Mask.Slot = arena.Write(5, maskDesc, beforeMask);
        shm.Output.Slot = arena.Stamp(6, srcDesc);
        var reply = await d.Render.RenderFrameAsync(shm);
        Assert.Contains(reply.Info.Notes, n => n.StartsWith("temporal:", StringComparison.Ordinal));
        var viaShm = arena.Payload(6, pixels.Length).ToArray();

        var inline = Request();
        foreach (var input in new[] { inline.Source, inline.Mask }.Concat(inline.Neighbours.SelectMany(n => new[] { n.Source, n.Mask })))
            input.Inline = true;
        inline.Output.Inline = true;
        byte[] data = [.. pixels, .. mask, .. after, .. afterMask, .. before, .. beforeMask];
        using var call = d.Render.RenderInline();
        await call.RequestStream.WriteAsync(new RenderChunk { Request = inline });
        for (var offset = 0; offset < data.Length; offset += 7001)
            await call.RequestStream.WriteAsync(new RenderChunk { Data = ByteString.CopyFrom(data, offset, Math.Min(7001, data.Length - offset)) });
        await call.RequestStream.CompleteAsync();
        var output = new MemoryStream();
        Assert.True(await call.ResponseStream.MoveNext());
        while (await call.ResponseStream.MoveNext()) call.ResponseStream.Current.Data.WriteTo(output);
        Assert.Equal(viaShm, output.ToArray());
    }

    private sealed class SpyEffect : IEffect
    {
        public EffectDefinition Definition { get; } = new("com.runwayml.test.temporal-spy", "Temporal spy", "Runway", "records neighbours", 1, 0,
            [EffectContext.Filter],
            [new ClipDefinition("Source", "Source", false, false, ["RGBA"]), new ClipDefinition("Mask", "Mask", true, true, ["Alpha"])],
            [], new FramesNeeded(1, 1), ThreadSafety.FullySafe, Hidden: true);

        /// <summary>Per neighbour: time, its source's first red value, its mask's first alpha (null = no mask).</summary>
        public List<(double, float, float?)> Seen { get; } = [];

        public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
        {
            Seen.Clear();
            foreach (var n in frame.Neighbours) Seen.Add((n.Time, n.Source.Pixels[0], n.Mask?.Pixels[3]));
            frame.Source.CopyTo(frame.Output);
            return EffectResult.From("spy");
        }
    }
}
