using Runway.Client.Pixels;
using Runway.Protocol.V1;

namespace Runway.Client.Tests;

/// <summary>Temporal renders: neighbouring frames travel with the request over both transports.</summary>
public sealed class NeighbourRenderTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private const string Inpaint = "com.runwayml.inpaint";
    private static readonly PixelRect Bounds = new(0, 0, 64, 40);

    // A smooth 8-bit picture that pans 2 px per frame, with a hole at a per-frame position.
    private static NativeImage Frame(int t)
    {
        var image = new NativeImage(Bounds, Components.Rgba, Depth.U8);
        for (var y = 0; y < Bounds.Height; y++)
            for (var x = 0; x < Bounds.Width; x++)
            {
                var p = image.Pixel(x, y);
                var u = x - 2 * t;
                p[0] = (byte)(128 + 100 * Math.Sin(u * 0.3) * Math.Cos(y * 0.2));
                p[1] = (byte)(100 + 60 * Math.Sin(y * 0.4 + u * 0.1));
                p[2] = 150;
                p[3] = 255;
            }
        return image;
    }

    private static NativeImage Mask(int t)
    {
        var image = new NativeImage(Bounds, Components.Alpha, Depth.U8).Fill(0);
        for (var y = 14; y < 26; y++)
            for (var x = 20 + 5 * t; x < 32 + 5 * t && x < Bounds.Width; x++) image.Pixel(x, y)[0] = 255;
        return image;
    }

    private async Task<(byte[] Pixels, RenderInfo Info)> RenderAsync(FrameTransport transport, bool withNeighbours)
    {
        await using var client = fixture.Daemon.Client(transport);
        var owned = new List<NativeImage>();
        try
        {
            var neighbours = new List<NeighbourFrame>();
            if (withNeighbours)
            {
                foreach (var t in new[] { 0, 2 })
                {
                    var s = Frame(t);
                    var m = Mask(t);
                    owned.Add(s);
                    owned.Add(m);
                    neighbours.Add(new NeighbourFrame(t, s.Image, m.Image));
                }
            }
            using var source = Frame(1);
            using var mask = Mask(1);
            using var output = new NativeImage(Bounds, Components.Rgba, Depth.U8).Fill(0);
            var request = new RenderRequest(Inpaint) { Time = 1, Neighbours = neighbours };
            var result = await client.RenderAsync(request, source.Image, mask.Image, output.Image);
            return (output.Packed(), result.Info);
        }
        finally
        {
            foreach (var image in owned) image.Dispose();
        }
    }

    [Fact]
    public async Task Neighbours_reach_the_effect_and_both_transports_give_the_same_bytes()
    {
        var shm = await RenderAsync(FrameTransport.SharedMemory, withNeighbours: true);
        var inline = await RenderAsync(FrameTransport.Inline, withNeighbours: true);
        var spatial = await RenderAsync(FrameTransport.SharedMemory, withNeighbours: false);
        Assert.Contains(shm.Info.Notes, n => n.StartsWith("temporal:", StringComparison.Ordinal));
        Assert.Equal(shm.Pixels, inline.Pixels);
        Assert.NotEqual(spatial.Pixels, shm.Pixels);
    }
}
