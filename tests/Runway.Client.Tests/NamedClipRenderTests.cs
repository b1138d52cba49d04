using Runway.Client.Pixels;
using Runway.Effects;
using Runway.Protocol.V1;

namespace Runway.Client.Tests;

/// <summary>
/// Named input clips (a "Reference") and the source range travel with the request over both transports. The effect
/// is picked by capability from the catalog — one with an input clip besides Source and without a mask, so nothing
/// short-circuits to identity — and its absence fails the test.
/// </summary>
public sealed class NamedClipRenderTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private static readonly PixelRect Bounds = new(0, 0, 48, 32);

    // Larger than the source on purpose: its slot is sized for itself, not for the source.
    private static readonly PixelRect ReferenceBounds = new(0, 0, 120, 90);

    private static (string Effect, string Clip) Pick()
    {
        foreach (var d in EffectCatalog.Visible)
        {
            if (d.Clips.Any(c => c.IsMask)) continue;
            var clip = d.Clips.FirstOrDefault(c => !c.IsMask && c.Name != "Source");
            if (clip is not null) return (d.Id, clip.Name);
        }
        Assert.Fail("no visible effect declares an input clip besides Source (style transfer should declare \"Reference\")");
        return default;
    }

    private static NativeImage Source()
    {
        var image = new NativeImage(Bounds, Components.Rgba, Depth.U8);
        for (var y = 0; y < Bounds.Height; y++)
            for (var x = 0; x < Bounds.Width; x++)
            {
                var p = image.Pixel(x, y);
                p[0] = (byte)(60 + 3 * x);
                p[1] = (byte)(60 + 4 * y);
                p[2] = 120;
                p[3] = 255;
            }
        return image;
    }

    private static NativeImage Reference(bool warm)
    {
        var image = new NativeImage(ReferenceBounds, Components.Rgba, Depth.U8);
        for (var y = 0; y < ReferenceBounds.Height; y++)
            for (var x = 0; x < ReferenceBounds.Width; x++)
            {
                var p = image.Pixel(x, y);
                var stripe = ((x / 6) & 1) == 0 ? 40 : 0;
                p[0] = (byte)(warm ? 210 + stripe / 2 : 20 + stripe);
                p[1] = (byte)(warm ? 90 + y / 2 : 70 + x / 3);
                p[2] = (byte)(warm ? 30 + stripe : 200 + stripe / 2);
                p[3] = 255;
            }
        return image;
    }

    private async Task<byte[]> RenderAsync(FrameTransport transport, bool? warm)
    {
        var (effect, clip) = Pick();
        await using var client = fixture.Daemon.Client(transport);
        using var source = Source();
        using var reference = warm is { } w ? Reference(w) : null;
        using var output = new NativeImage(Bounds, Components.Rgba, Depth.U8).Fill(0);
        var request = new RenderRequest(effect)
        {
            Time = 4,
            SourceRange = new ClipFrameRange(0, 9),
            Clips = reference is null ? [] : [new NamedClip(clip, reference.Image)],
        };
        await client.RenderAsync(request, source.Image, null, output.Image);
        return output.Packed();
    }

    [Fact]
    public async Task Reference_of_another_size_gives_the_same_bytes_over_shared_memory_and_inline()
    {
        var shm = await RenderAsync(FrameTransport.SharedMemory, warm: true);
        var inline = await RenderAsync(FrameTransport.Inline, warm: true);
        Assert.Equal(shm, inline);
    }

    [Fact]
    public async Task Reference_reaches_the_effect_and_changes_the_result()
    {
        var warm = await RenderAsync(FrameTransport.SharedMemory, warm: true);
        var cold = await RenderAsync(FrameTransport.SharedMemory, warm: false);
        var none = await RenderAsync(FrameTransport.SharedMemory, warm: null);
        Assert.NotEqual(warm, cold);
        Assert.NotEqual(warm, none);
    }

    [Fact]
    public async Task Clip_the_effect_does_not_declare_fails_with_invalid_argument_naming_it()
    {
        await using var client = fixture.Daemon.Client();
        using var source = Source();
        using var reference = Reference(warm: true);
        using var output = new NativeImage(Bounds, Components.Rgba, Depth.U8).Fill(0);
        var request = new RenderRequest("com.runwayml.inpaint") { Clips = [new NamedClip("Plate", reference.Image)] };
        var e = await Assert.ThrowsAsync<RunwayException>(() => client.RenderAsync(request, source.Image, null, output.Image));
        Assert.Equal(RunwayStatus.InvalidArgument, e.Status);
        Assert.Contains("'Plate'", e.Message);
    }

    [Fact]
    public async Task Clip_named_twice_is_refused_by_the_client()
    {
        var (effect, clip) = Pick();
        await using var client = fixture.Daemon.Client();
        using var source = Source();
        using var reference = Reference(warm: true);
        using var output = new NativeImage(Bounds, Components.Rgba, Depth.U8).Fill(0);
        var request = new RenderRequest(effect) { Clips = [new NamedClip(clip, reference.Image), new NamedClip(clip, reference.Image)] };
        var e = await Assert.ThrowsAsync<RunwayException>(() => client.RenderAsync(request, source.Image, null, output.Image));
        Assert.Equal(RunwayStatus.InvalidArgument, e.Status);
        Assert.Contains("twice", e.Message);
    }
}
