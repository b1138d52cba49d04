using Grpc.Core;
using Runway.Daemon.Rendering;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Protocol.V1;

namespace Runway.Daemon.Tests;

/// <summary>Named input clips (e.g. "Reference") and the source range: validated, decoded, handed to the effect.</summary>
public class NamedClipTests
{
    private static readonly SpyEffect Spy = new();
    private static readonly FrameRenderer SpyRenderer = new(1 << 20,
        new EffectLookup(id => id == Spy.Definition.Id ? Spy.Definition : null, _ => Spy, () => [Spy.Definition.Id]));

    private static RenderFrameRequest SpyRequest(uint w, uint h, params (string Name, uint W, uint H)[] clips)
    {
        var d = Frames.RgbaF32(w, h);
        var r = new RenderFrameRequest
        {
            EffectId = Spy.Definition.Id,
            Time = 12,
            Source = new FrameInput { Descriptor_ = d, Inline = true },
            Output = new FrameOutput { Descriptor_ = d, Inline = true },
        };
        foreach (var (name, cw, ch) in clips)
            r.Clips.Add(new NamedFrame { Name = name, Frame = new FrameInput { Descriptor_ = Frames.RgbaF32(cw, ch), Inline = true } });
        return r;
    }

    private static byte[] Constant(int pixels, float value)
    {
        var floats = Enumerable.Repeat(value, pixels * 4).ToArray();
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()).ToArray();
    }

    [Fact]
    public void Clip_of_another_size_reaches_the_effect_decoded_with_the_source_range()
    {
        var request = SpyRequest(2, 2, ("Reference", 3, 5));
        request.SourceRange = new FrameRange { First = 0, Last = 9 };
        var plan = SpyRenderer.Plan(request);
        var clipBytes = Constant(15, 0.75f);
        SpyRenderer.Render(plan, Constant(4, 0.5f), default, new byte[64], CancellationToken.None,
            clips: [PixelBuffer.OfArray(clipBytes, clipBytes.Length)]);
        Assert.Equal(("Reference", 3, 5, 0.75f), Spy.SeenClip);
        Assert.Equal(new ClipRange(0, 9), Spy.SeenRange);
    }

    [Fact]
    public void Without_clips_or_range_the_effect_sees_none()
    {
        var plan = SpyRenderer.Plan(SpyRequest(2, 2));
        SpyRenderer.Render(plan, Constant(4, 0.5f), default, new byte[64], CancellationToken.None);
        Assert.Null(Spy.SeenClip);
        Assert.Null(Spy.SeenRange);
    }

    [Fact]
    public void Clip_the_effect_does_not_declare_is_invalid_and_names_the_declared_ones()
    {
        var fault = Expect.Fault(() => SpyRenderer.Plan(SpyRequest(2, 2, ("Plate", 2, 2))));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("'Plate'", fault.Message);
        Assert.Contains("Reference", fault.Message);
    }

    [Theory]
    [InlineData("Source")]
    [InlineData("Mask")]
    public void Source_or_mask_sent_as_a_named_clip_is_invalid(string name)
    {
        var fault = Expect.Fault(() => SpyRenderer.Plan(SpyRequest(2, 2, (name, 2, 2))));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains($"'{name}'", fault.Message);
        Assert.Contains("Reference", fault.Message);
    }

    [Fact]
    public void Clip_sent_twice_is_invalid()
    {
        var fault = Expect.Fault(() => SpyRenderer.Plan(SpyRequest(2, 2, ("Reference", 2, 2), ("Reference", 2, 2))));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("twice", fault.Message);
    }

    [Fact]
    public void Clip_with_an_unusable_layout_is_invalid_and_named()
    {
        var request = SpyRequest(2, 2, ("Reference", 4, 4));
        request.Clips[0].Frame.Descriptor_.RowBytes = 3; // shorter than a row of 4 RGBA float pixels
        var fault = Expect.Fault(() => SpyRenderer.Plan(request));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("clip 'Reference'", fault.Message);
    }

    [Fact]
    public void Clip_over_the_pixel_limit_is_resource_exhausted()
    {
        var fault = Expect.Fault(() => SpyRenderer.Plan(SpyRequest(2, 2, ("Reference", 2048, 1024))));
        Assert.Equal(StatusCode.ResourceExhausted, fault.Code);
        Assert.Contains("clip 'Reference'", fault.Message);
    }

    [Fact]
    public void Reversed_source_range_is_invalid()
    {
        var request = SpyRequest(2, 2);
        request.SourceRange = new FrameRange { First = 9, Last = 0 };
        var fault = Expect.Fault(() => SpyRenderer.Plan(request));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("source range", fault.Message);
    }

    [Fact]
    public void Effect_with_no_other_clips_rejects_any_named_clip()
    {
        // The real inpaint effect declares only Source and Mask.
        var renderer = new FrameRenderer(1 << 20);
        var d = Frames.RgbaF32(2, 2);
        var request = new RenderFrameRequest
        {
            EffectId = Frames.Inpaint,
            Source = new FrameInput { Descriptor_ = d, Inline = true },
            Output = new FrameOutput { Descriptor_ = d, Inline = true },
        };
        request.Clips.Add(new NamedFrame { Name = "Reference", Frame = new FrameInput { Descriptor_ = d, Inline = true } });
        var fault = Expect.Fault(() => renderer.Plan(request));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("declares no clip 'Reference'", fault.Message);
    }

    private sealed class SpyEffect : IEffect
    {
        public EffectDefinition Definition { get; } = new("com.runwayml.test.clip-spy", "Clip spy", "Runway", "records named clips", 1, 0,
            [EffectContext.General],
            [
                new ClipDefinition("Source", "Source", false, false, ["RGBA"]),
                new ClipDefinition("Mask", "Mask", true, true, ["Alpha"]),
                new ClipDefinition("Reference", "Reference", true, false, ["RGBA"]),
            ],
            [], new FramesNeeded(0, 0), ThreadSafety.FullySafe, Hidden: true);

        /// <summary>The Reference clip as seen: name, size and first red value; null when none arrived.</summary>
        public (string, int, int, float)? SeenClip { get; private set; }

        public ClipRange? SeenRange { get; private set; }

        public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
        {
            SeenClip = frame.Clips.TryGetValue("Reference", out var r) ? ("Reference", r.Width, r.Height, r.Pixels[0]) : null;
            SeenRange = frame.SourceRange;
            frame.Source.CopyTo(frame.Output);
            return EffectResult.From("spy");
        }
    }
}
