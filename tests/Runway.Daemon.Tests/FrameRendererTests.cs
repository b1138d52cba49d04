using Grpc.Core;
using Runway.Daemon.Errors;
using Runway.Daemon.Rendering;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Protocol.V1;

namespace Runway.Daemon.Tests;

public class FrameRendererTests
{
    private static readonly FrameRenderer Renderer = new(maxFramePixels: 4096L * 4096);

    private static RenderFrameRequest Request(string effect, FrameDescriptor src, FrameDescriptor? dst = null, FrameDescriptor? mask = null)
    {
        var r = new RenderFrameRequest
        {
            EffectId = effect,
            Source = new FrameInput { Descriptor_ = src, Inline = true },
            Output = new FrameOutput { Descriptor_ = dst ?? src, Inline = true },
        };
        if (mask is not null) r.Mask = new FrameInput { Descriptor_ = mask, Inline = true };
        return r;
    }

    [Fact]
    public void Unknown_effect_is_not_found_and_lists_the_known_ones()
    {
        var fault = Expect.Fault(() => Renderer.Plan(Request("com.runwayml.nope", Frames.Rgba8(4, 4))));
        Assert.Equal(StatusCode.NotFound, fault.Code);
        Assert.Contains("unknown effect 'com.runwayml.nope'", fault.Message);
        Assert.Contains(Frames.Inpaint, fault.Message);
        Assert.DoesNotContain(Frames.Passthrough, fault.Message); // hidden effects are not advertised
    }

    [Fact]
    public void Unknown_param_is_invalid_and_named()
    {
        var r = Request(Frames.Inpaint, Frames.Rgba8(4, 4));
        r.Params["sharpness"] = new ParamValue { DoubleValue = 1 };
        var fault = Expect.Fault(() => Renderer.Plan(r));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Equal(Reasons.InvalidArgument, fault.Reason);
        Assert.Contains("sharpness", fault.Message);
    }

    [Fact]
    public void Param_of_the_wrong_type_is_invalid()
    {
        var r = Request(Frames.Inpaint, Frames.Rgba8(4, 4));
        r.Params["radius"] = new ParamValue { StringValue = "big" };
        var fault = Expect.Fault(() => Renderer.Plan(r));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("radius", fault.Message);
    }

    [Fact]
    public void Param_out_of_range_is_invalid()
    {
        var r = Request(Frames.Inpaint, Frames.Rgba8(4, 4));
        r.Params["radius"] = new ParamValue { DoubleValue = 1000 };
        var fault = Expect.Fault(() => Renderer.Plan(r));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("outside", fault.Message);
    }

    [Fact]
    public void Param_without_a_value_is_invalid()
    {
        var r = Request(Frames.Inpaint, Frames.Rgba8(4, 4));
        r.Params["radius"] = new ParamValue();
        Assert.Equal(StatusCode.InvalidArgument, Expect.Fault(() => Renderer.Plan(r)).Code);
    }

    [Theory]
    [InlineData(0u, 4u)]
    [InlineData(4u, 0u)]
    [InlineData(0u, 0u)]
    public void Zero_size_is_invalid(uint w, uint h)
    {
        var fault = Expect.Fault(() => Renderer.Plan(Request(Frames.Passthrough, Frames.Rgba8(w, h))));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("not positive", fault.Message);
    }

    [Fact]
    public void Frame_larger_than_the_limit_is_resource_exhausted()
    {
        var fault = Expect.Fault(() => Renderer.Plan(Request(Frames.Passthrough, Frames.Rgba8(5000, 4000))));
        Assert.Equal(StatusCode.ResourceExhausted, fault.Code);
        Assert.Equal(Reasons.ResourceExhausted, fault.Reason);
        Assert.Contains("limit", fault.Message);
    }

    [Fact]
    public void Huge_dimensions_do_not_overflow_into_acceptance()
    {
        var d = Frames.Rgba8(uint.MaxValue, uint.MaxValue);
        Assert.Equal(StatusCode.ResourceExhausted, Expect.Fault(() => Renderer.Plan(Request(Frames.Passthrough, d))).Code);
    }

    [Fact]
    public void Row_bytes_smaller_than_a_row_is_invalid()
    {
        var d = Frames.Rgba8(16, 4);
        d.RowBytes = 63;
        var fault = Expect.Fault(() => Renderer.Plan(Request(Frames.Passthrough, d)));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("row bytes 63", fault.Message);
    }

    [Fact]
    public void Unspecified_components_or_depth_are_invalid()
    {
        var d = Frames.Rgba8(4, 4);
        d.Depth = Depth.Unspecified;
        Assert.Equal(StatusCode.InvalidArgument, Expect.Fault(() => Renderer.Plan(Request(Frames.Passthrough, d))).Code);
        d = Frames.Rgba8(4, 4);
        d.Components = Components.Unspecified;
        Assert.Equal(StatusCode.InvalidArgument, Expect.Fault(() => Renderer.Plan(Request(Frames.Passthrough, d))).Code);
    }

    [Fact]
    public void Mask_of_another_size_is_invalid()
    {
        var fault = Expect.Fault(() => Renderer.Plan(Request(Frames.Inpaint, Frames.RgbaF32(8, 8), mask: Frames.AlphaF32(8, 9))));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("mask is 8x9 but source is 8x8", fault.Message);
    }

    [Fact]
    public void Output_of_another_size_is_invalid()
    {
        var fault = Expect.Fault(() => Renderer.Plan(Request(Frames.Passthrough, Frames.Rgba8(8, 8), Frames.Rgba8(4, 4))));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("output is 4x4", fault.Message);
    }

    [Fact]
    public void Mask_for_an_effect_without_a_mask_clip_is_invalid()
    {
        var fault = Expect.Fault(() => Renderer.Plan(Request(Frames.Passthrough, Frames.Rgba8(8, 8), mask: Frames.Rgba8(8, 8))));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
    }

    [Fact]
    public void Missing_source_is_invalid()
    {
        var r = new RenderFrameRequest { EffectId = Frames.Passthrough, Output = new FrameOutput { Descriptor_ = Frames.Rgba8(4, 4), Inline = true } };
        Assert.Equal(StatusCode.InvalidArgument, Expect.Fault(() => Renderer.Plan(r)).Code);
    }

    [Theory]
    [InlineData(false, 1.0, PriorityIn.Unspecified, false, 1)]
    [InlineData(true, 1.0, PriorityIn.Unspecified, true, 0)]
    [InlineData(false, 0.5, PriorityIn.Unspecified, true, 0)]
    [InlineData(false, 1.0, PriorityIn.Interactive, true, 0)]
    [InlineData(false, 1.0, PriorityIn.Batch, false, 2)]
    public void Interactive_is_the_flag_or_a_reduced_render_scale(bool flag, double scale, PriorityIn priority, bool interactive, int cls)
    {
        var r = Request(Frames.Passthrough, Frames.Rgba8(4, 4));
        r.Interactive = flag;
        r.RenderScaleX = scale;
        r.RenderScaleY = scale;
        r.Priority = (Priority)priority;
        var plan = Renderer.Plan(r);
        Assert.Equal(interactive, plan.Interactive);
        Assert.Equal((RenderClass)cls, plan.Class);
    }

    public enum PriorityIn { Unspecified = 0, Interactive = 1, Final = 2, Batch = 3 }

    [Fact]
    public void Interactive_flag_and_render_scale_reach_the_effect()
    {
        var spy = new SpyEffect();
        var renderer = new FrameRenderer(1 << 20, new EffectLookup(id => id == spy.Definition.Id ? spy.Definition : null, _ => spy, () => [spy.Definition.Id]));
        var d = Frames.Rgba8(2, 2);
        var r = Request(spy.Definition.Id, d);
        r.RenderScaleX = r.RenderScaleY = 0.5;
        r.InstanceId = "inst-7";
        r.Time = 12;
        var plan = renderer.Plan(r);
        var output = new byte[16];
        renderer.Render(plan, new byte[16], default, output, CancellationToken.None);
        Assert.NotNull(spy.Seen);
        Assert.True(spy.Seen!.Interactive);
        Assert.Equal(0.5, spy.Seen.RenderScale);
        Assert.Equal("inst-7", spy.Seen.InstanceId);
        Assert.Equal(12, spy.Seen.Time);
    }

    [Fact]
    public void Passthrough_with_identical_encoding_is_a_byte_copy()
    {
        var d = Frames.Rgba8(7, 5);
        var plan = Renderer.Plan(Request(Frames.Passthrough, d));
        Assert.True(plan.ByteCopy);
        var src = Frames.Noise(7 * 5 * 4);
        var dst = new byte[src.Length];
        var outcome = Renderer.Render(plan, src, default, dst, CancellationToken.None);
        Assert.Equal(FrameRenderer.ByteCopyEngine, outcome.Engine);
        Assert.Equal(src, dst);
    }

    [Fact]
    public void Passthrough_byte_copy_honours_row_padding_and_row_order()
    {
        var src = Frames.Rgba8(3, 4);
        src.RowBytes = 16; // 12 bytes of pixels + 4 of padding
        var dst = Frames.Rgba8(3, 4, topDown: true);
        var plan = Renderer.Plan(Request(Frames.Passthrough, src, dst));
        Assert.True(plan.ByteCopy);
        var input = Frames.Noise(16 * 3 + 12);
        var output = new byte[12 * 4];
        Renderer.Render(plan, input, default, output, CancellationToken.None);
        for (var y = 0; y < 4; y++)
            Assert.Equal(input.AsSpan(y * 16, 12).ToArray(), output.AsSpan((3 - y) * 12, 12).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Large_passthrough_copies_in_parallel_bands_bit_exactly(bool flip)
    {
        const int w = 2048, h = 1100; // 9 MB: above the parallel-copy threshold
        var src = Frames.Rgba8(w, h);
        src.RowBytes = w * 4 + 64;
        var dst = Frames.Rgba8(w, h, topDown: flip);
        var plan = Renderer.Plan(Request(Frames.Passthrough, src, dst));
        var input = Frames.Noise((int)(src.RowBytes * (h - 1) + w * 4), seed: 5);
        var output = new byte[w * 4 * h];
        Renderer.Render(plan, input, default, output, CancellationToken.None);
        for (var y = 0; y < h; y++)
        {
            var ty = flip ? h - 1 - y : y;
            Assert.True(input.AsSpan((int)(y * (long)src.RowBytes), w * 4).SequenceEqual(output.AsSpan(ty * w * 4, w * 4)), $"row {y}");
        }
    }

    [Fact]
    public void Passthrough_to_another_depth_goes_through_the_codec()
    {
        var plan = Renderer.Plan(Request(Frames.Passthrough, Frames.Rgba8(2, 1), Frames.RgbaF32(2, 1)));
        Assert.False(plan.ByteCopy);
        var output = new byte[32];
        var outcome = Renderer.Render(plan, new byte[] { 0, 51, 255, 255, 255, 0, 0, 255 }, default, output, CancellationToken.None);
        Assert.NotEqual(FrameRenderer.ByteCopyEngine, outcome.Engine);
        var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(output);
        Assert.Equal(1f, floats[2], 5);
        Assert.Equal(1f, floats[4], 5);
    }

    [Fact]
    public void Render_honours_a_cancelled_token()
    {
        var plan = Renderer.Plan(Request(Frames.Inpaint, Frames.RgbaF32(8, 8)));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Renderer.Render(plan, new byte[8 * 8 * 16], default, new byte[8 * 8 * 16], cts.Token));
    }

    [Fact]
    public void Inpaint_without_mask_returns_the_source()
    {
        var plan = Renderer.Plan(Request(Frames.Inpaint, Frames.RgbaF32(16, 8)));
        var src = Frames.SmoothF32(16, 8);
        var dst = new byte[src.Length];
        var outcome = Renderer.Render(plan, src, default, dst, CancellationToken.None);
        Assert.Equal(src, dst);
        Assert.NotEmpty(outcome.Notes);
    }

    private sealed class SpyEffect : IEffect
    {
        public EffectDefinition Definition { get; } = new("com.runwayml.test.spy", "Spy", "Runway", "records what it is given", 1, 0,
            [EffectContext.Filter], [new ClipDefinition("Source", "Source", false, false, ["RGBA"])], [], new FramesNeeded(0, 0), ThreadSafety.FullySafe, Hidden: true);

        public EffectFrame? Seen { get; private set; }

        public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
        {
            Seen = frame;
            frame.Source.CopyTo(frame.Output);
            return EffectResult.From("spy");
        }
    }
}
