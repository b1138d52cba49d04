using Runway.Client.Pixels;
using Runway.Protocol.V1;

namespace Runway.Client.Tests;

/// <summary>One in-process daemon shared by the render tests of a class.</summary>
public sealed class DaemonFixture : IAsyncLifetime
{
    internal InProcessDaemon Daemon { get; private set; } = null!;

    public async Task InitializeAsync() => Daemon = await InProcessDaemon.StartAsync();

    public async Task DisposeAsync() => await Daemon.DisposeAsync();
}

public sealed class RenderTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private const string Passthrough = "com.runwayml.passthrough";
    private const string Inpaint = "com.runwayml.inpaint";

    public static TheoryData<Depth, Components, FrameTransport> Formats()
    {
        var data = new TheoryData<Depth, Components, FrameTransport>();
        foreach (var transport in new[] { FrameTransport.SharedMemory, FrameTransport.Inline })
            foreach (var depth in new[] { Depth.U8, Depth.U16, Depth.F16, Depth.F32 })
                foreach (var components in new[] { Components.Rgba, Components.Rgb })
                    data.Add(depth, components, transport);
        return data;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Passthrough_round_trip_returns_the_input_bit_exactly(Depth depth, Components components, FrameTransport transport)
    {
        await using var client = fixture.Daemon.Client(transport);
        var bounds = new PixelRect(0, 0, 97, 61);
        using var source = new NativeImage(bounds, components, depth).FillRandom((int)depth * 10 + (int)components);
        using var output = new NativeImage(bounds, components, depth).Fill(0x11);
        var result = await client.RenderAsync(new RenderRequest(Passthrough), source.Image, null, output.Image);
        Assert.Equal(source.Packed(), output.Packed());
        Assert.Equal(97u, result.Output.Width);
        Assert.False(string.IsNullOrEmpty(result.Info.Engine));
    }

    [Theory]
    [InlineData(FrameTransport.SharedMemory)]
    [InlineData(FrameTransport.Inline)]
    public async Task Render_with_negative_row_bytes_matches_positive_layout(FrameTransport transport)
    {
        await using var client = fixture.Daemon.Client(transport);
        var bounds = new PixelRect(0, 0, 80, 45);
        using var up = new NativeImage(bounds, Components.Rgba, Depth.F32, topDownMemory: false, padBytes: 32).FillRandom(42);
        using var down = new NativeImage(bounds, Components.Rgba, Depth.F32, topDownMemory: true, padBytes: 16);
        PixelCopy.Copy(PixelPlane.Of(up.Image), PixelPlane.Of(down.Image), bounds);
        using var outUp = new NativeImage(bounds, Components.Rgba, Depth.F32);
        using var outDown = new NativeImage(bounds, Components.Rgba, Depth.F32, topDownMemory: true, padBytes: 8);
        await client.RenderAsync(new RenderRequest(Passthrough), up.Image, null, outUp.Image);
        await client.RenderAsync(new RenderRequest(Passthrough), down.Image, null, outDown.Image);
        Assert.Equal(up.Packed(), outUp.Packed());
        Assert.Equal(outUp.Packed(), outDown.Packed());
        Assert.True(outDown.PaddingIntact());
    }

    [Fact]
    public async Task Render_with_bounds_away_from_the_origin_keeps_pixels_at_their_coordinates()
    {
        await using var client = fixture.Daemon.Client();
        var sourceBounds = new PixelRect(120, -40, 184, 8);
        var outputBounds = new PixelRect(100, -50, 200, 20);
        using var source = new NativeImage(sourceBounds, Components.Rgba, Depth.U16, padBytes: 10).FillRandom(7);
        using var output = new NativeImage(outputBounds, Components.Rgba, Depth.U16).Fill(0x5A);
        await client.RenderAsync(new RenderRequest(Passthrough) { Window = sourceBounds }, source.Image, null, output.Image);
        for (var y = outputBounds.Y1; y < outputBounds.Y2; y++)
            for (var x = outputBounds.X1; x < outputBounds.X2; x++)
            {
                var inside = x >= sourceBounds.X1 && x < sourceBounds.X2 && y >= sourceBounds.Y1 && y < sourceBounds.Y2;
                if (inside) Assert.Equal(source.Pixel(x, y).ToArray(), output.Pixel(x, y).ToArray());
                else Assert.All(output.Pixel(x, y).ToArray(), b => Assert.Equal(0x5A, b));
            }
    }

    [Theory]
    [InlineData(FrameTransport.SharedMemory)]
    [InlineData(FrameTransport.Inline)]
    public async Task Render_window_subset_writes_only_inside_the_window(FrameTransport transport)
    {
        await using var client = fixture.Daemon.Client(transport);
        var bounds = new PixelRect(0, 0, 64, 48);
        var window = new PixelRect(10, 5, 40, 30);
        using var source = new NativeImage(bounds, Components.Rgba, Depth.U8).FillRandom(11);
        using var output = new NativeImage(bounds, Components.Rgba, Depth.U8).Fill(0xEE);
        await client.RenderAsync(new RenderRequest(Passthrough) { Window = window }, source.Image, null, output.Image);
        for (var y = bounds.Y1; y < bounds.Y2; y++)
            for (var x = bounds.X1; x < bounds.X2; x++)
            {
                var inWindow = x >= window.X1 && x < window.X2 && y >= window.Y1 && y < window.Y2;
                Assert.Equal(inWindow ? source.Pixel(x, y).ToArray() : [0xEE, 0xEE, 0xEE, 0xEE], output.Pixel(x, y).ToArray());
            }
    }

    [Fact]
    public async Task Window_pixels_outside_the_source_bounds_become_transparent_black()
    {
        await using var client = fixture.Daemon.Client();
        var sourceBounds = new PixelRect(8, 8, 40, 40);
        var outputBounds = new PixelRect(0, 0, 48, 48);
        using var source = new NativeImage(sourceBounds, Components.Rgba, Depth.F16).FillRandom(13);
        using var output = new NativeImage(outputBounds, Components.Rgba, Depth.F16).Fill(0x33);
        await client.RenderAsync(new RenderRequest(Passthrough), source.Image, null, output.Image);
        Assert.All(output.Pixel(2, 2).ToArray(), b => Assert.Equal(0, b));
        Assert.All(output.Pixel(45, 20).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(source.Pixel(8, 8).ToArray(), output.Pixel(8, 8).ToArray());
        Assert.Equal(source.Pixel(39, 39).ToArray(), output.Pixel(39, 39).ToArray());
    }

    [Fact]
    public async Task Shared_memory_and_inline_paths_give_identical_bytes_for_inpaint_with_a_mask()
    {
        await using var shm = fixture.Daemon.Client(FrameTransport.SharedMemory);
        await using var inline = fixture.Daemon.Client(FrameTransport.Inline);
        var bounds = new PixelRect(0, 0, 96, 64);
        using var source = new NativeImage(bounds, Components.Rgba, Depth.F32);
        Gradient(source);
        using var mask = new NativeImage(new PixelRect(30, 20, 60, 40), Components.Alpha, Depth.U8).Fill(255);
        using var a = new NativeImage(bounds, Components.Rgba, Depth.F32);
        using var b = new NativeImage(bounds, Components.Rgba, Depth.F32);
        var request = new RenderRequest(Inpaint);
        await shm.RenderAsync(request, source.Image, mask.Image, a.Image);
        await inline.RenderAsync(request, source.Image, mask.Image, b.Image);
        Assert.Equal(a.Packed(), b.Packed());
        Assert.NotEqual(source.Packed(), a.Packed()); // the hole was filled
    }

    [Fact]
    public async Task Mask_with_offset_bounds_renders_like_the_same_mask_given_source_sized()
    {
        await using var client = fixture.Daemon.Client();
        var bounds = new PixelRect(0, 0, 96, 64);
        var hole = new PixelRect(50, 30, 70, 50);
        using var source = new NativeImage(bounds, Components.Rgba, Depth.F32);
        Gradient(source);
        // Offset mask: covers only the hole, hanging off the source's top-right corner region.
        using var offsetMask = new NativeImage(new PixelRect(hole.X1, hole.Y1, 120, 80), Components.Alpha, Depth.U8).Fill(0);
        for (var y = hole.Y1; y < hole.Y2; y++) for (var x = hole.X1; x < hole.X2; x++) offsetMask.Pixel(x, y)[0] = 255;
        using var fullMask = new NativeImage(bounds, Components.Alpha, Depth.U8).Fill(0);
        for (var y = hole.Y1; y < hole.Y2; y++) for (var x = hole.X1; x < hole.X2; x++) fullMask.Pixel(x, y)[0] = 255;
        using var a = new NativeImage(bounds, Components.Rgba, Depth.F32);
        using var b = new NativeImage(bounds, Components.Rgba, Depth.F32);
        await client.RenderAsync(new RenderRequest(Inpaint), source.Image, offsetMask.Image, a.Image);
        await client.RenderAsync(new RenderRequest(Inpaint), source.Image, fullMask.Image, b.Image);
        Assert.Equal(b.Packed(), a.Packed());
        Assert.Equal(source.Pixel(5, 5).ToArray(), a.Pixel(5, 5).ToArray());
        Assert.NotEqual(source.Pixel(60, 40).ToArray(), a.Pixel(60, 40).ToArray());
    }

    [Fact]
    public async Task Unknown_effect_fails_with_not_found_and_a_message()
    {
        await using var client = fixture.Daemon.Client();
        var bounds = new PixelRect(0, 0, 8, 8);
        using var source = new NativeImage(bounds, Components.Rgba, Depth.U8);
        using var output = new NativeImage(bounds, Components.Rgba, Depth.U8);
        var e = await Assert.ThrowsAsync<RunwayException>(() => client.RenderAsync(new RenderRequest("com.runwayml.nope"), source.Image, null, output.Image));
        Assert.Equal(RunwayStatus.NotFound, e.Status);
        Assert.Contains("com.runwayml.nope", e.Message);
    }

    [Fact]
    public async Task Param_of_the_wrong_type_fails_with_invalid_argument_and_the_client_keeps_working()
    {
        await using var client = fixture.Daemon.Client();
        var bounds = new PixelRect(0, 0, 8, 8);
        using var source = new NativeImage(bounds, Components.Rgba, Depth.U8).FillRandom(1);
        using var output = new NativeImage(bounds, Components.Rgba, Depth.U8);
        var bad = new RenderRequest(Inpaint) { Params = new Dictionary<string, ParamValue> { ["radius"] = RunwayParams.String("huge") } };
        var e = await Assert.ThrowsAsync<RunwayException>(() => client.RenderAsync(bad, source.Image, null, output.Image));
        Assert.Equal(RunwayStatus.InvalidArgument, e.Status);
        await client.RenderAsync(new RenderRequest(Passthrough), source.Image, null, output.Image);
        Assert.Equal(source.Packed(), output.Packed());
    }

    [Fact]
    public async Task Row_bytes_smaller_than_a_row_fail_before_reaching_the_daemon()
    {
        await using var client = fixture.Daemon.Client();
        using var source = new NativeImage(new PixelRect(0, 0, 8, 8), Components.Rgba, Depth.U8);
        var broken = source.Image with { RowBytes = 16 };
        var e = await Assert.ThrowsAsync<RunwayException>(() => client.RenderAsync(new RenderRequest(Passthrough), broken, null, source.Image));
        Assert.Equal(RunwayStatus.InvalidArgument, e.Status);
        Assert.Contains("row bytes", e.Message);
    }

    [Fact]
    public async Task Arenas_are_registered_with_the_daemon_and_reused_across_renders()
    {
        await using var client = fixture.Daemon.Client();
        var bounds = new PixelRect(0, 0, 64, 64);
        using var source = new NativeImage(bounds, Components.Rgba, Depth.U8).FillRandom(2);
        using var output = new NativeImage(bounds, Components.Rgba, Depth.U8);
        for (var i = 0; i < 5; i++) await client.RenderAsync(new RenderRequest(Passthrough), source.Image, null, output.Image);
        Assert.Single(client.Arenas);
        var stats = await client.StatsAsync();
        Assert.True(stats.ArenasRegistered >= 1);
        var path = client.Arenas[0].Path;
        await client.DisposeAsync();
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Managed_arrays_render_through_the_same_path()
    {
        await using var client = fixture.Daemon.Client();
        var source = ManagedImage.Create(33, 21, Components.Rgba, Depth.F16);
        new Random(4).NextBytes(source.Pixels);
        var output = ManagedImage.Create(33, 21, Components.Rgba, Depth.F16);
        await client.RenderAsync(new RenderRequest(Passthrough), source, null, output);
        Assert.Equal(source.Pixels, output.Pixels);
    }

    [Fact]
    public async Task Concurrent_renders_from_several_threads_each_get_their_own_frame()
    {
        await using var client = fixture.Daemon.Client();
        var failures = 0;
        var threads = Enumerable.Range(0, 6).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 6; i++)
            {
                var bounds = new PixelRect(t, i, 150 + t * 7, 90 + i * 5);
                using var source = new NativeImage(bounds, Components.Rgba, t % 2 == 0 ? Depth.F32 : Depth.U8).FillRandom(t * 100 + i);
                using var output = new NativeImage(bounds, source.Components, source.Depth, topDownMemory: i % 2 == 1);
                var transport = (t + i) % 3 == 0 ? FrameTransport.Inline : FrameTransport.SharedMemory;
                await client.RenderAsync(new RenderRequest(Passthrough) { Transport = transport }, source.Image, null, output.Image);
                if (!source.Packed().AsSpan().SequenceEqual(output.Packed())) Interlocked.Increment(ref failures);
            }
        })).ToArray();
        await Task.WhenAll(threads);
        Assert.Equal(0, failures);
    }

    private static void Gradient(NativeImage image)
    {
        for (var y = image.Bounds.Y1; y < image.Bounds.Y2; y++)
            for (var x = image.Bounds.X1; x < image.Bounds.X2; x++)
            {
                var px = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(image.Pixel(x, y));
                px[0] = x / 96f * 2.5f; // above 1.0 on purpose: float input must not clip
                px[1] = y / 64f;
                px[2] = 0.25f;
                px[3] = 1f;
            }
    }
}

public sealed class CancellationTests
{
    [Fact]
    public async Task Cancelling_a_render_fails_it_quickly_with_cancelled()
    {
        await using var daemon = await InProcessDaemon.StartAsync(renderDelayMs: 10_000);
        await using var client = daemon.Client();
        var bounds = new PixelRect(0, 0, 32, 32);
        using var source = new NativeImage(bounds, Components.Rgba, Depth.U8).FillRandom(1);
        using var output = new NativeImage(bounds, Components.Rgba, Depth.U8).Fill(0x42);
        await client.EnsureDaemonAsync();
        using var cts = new CancellationTokenSource(300);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<RunwayException>(() =>
            client.RenderAsync(new RenderRequest("com.runwayml.passthrough"), source.Image, null, output.Image, cts.Token));
        Assert.Equal(RunwayStatus.Cancelled, e.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"cancel took {clock.Elapsed}");
        Assert.All(output.Packed(), b => Assert.Equal(0x42, b)); // nothing written after a cancel
    }

    [Fact]
    public async Task Render_exceeding_its_timeout_fails_with_deadline()
    {
        await using var daemon = await InProcessDaemon.StartAsync(renderDelayMs: 10_000);
        await using var client = daemon.Client(FrameTransport.Inline);
        var bounds = new PixelRect(0, 0, 32, 32);
        using var source = new NativeImage(bounds, Components.Rgba, Depth.U8).FillRandom(1);
        using var output = new NativeImage(bounds, Components.Rgba, Depth.U8);
        await client.EnsureDaemonAsync();
        var e = await Assert.ThrowsAsync<RunwayException>(() => client.RenderAsync(
            new RenderRequest("com.runwayml.passthrough") { Timeout = TimeSpan.FromMilliseconds(400) }, source.Image, null, output.Image));
        Assert.Equal(RunwayStatus.Deadline, e.Status);
    }
}
