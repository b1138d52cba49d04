using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Runway.Daemon.Errors;
using Runway.Daemon.Hosting;
using Runway.Protocol;
using Runway.Protocol.V1;
using DaemonRpc = Runway.Protocol.V1.Daemon;
using EffectsRpc = Runway.Protocol.V1.Effects;

namespace Runway.Daemon.Tests;

public sealed class DaemonIntegrationTests
{
    [Fact]
    public async Task Describe_returns_the_effect_catalog()
    {
        await using var d = await DaemonFixture.StartAsync();
        var reply = await d.Effects.DescribeAsync(new DescribeRequest());
        using var json = JsonDocument.Parse(reply.EffectsJson);
        Assert.Equal(1, json.RootElement.GetProperty("schemaVersion").GetInt32());
        var ids = json.RootElement.GetProperty("effects").EnumerateArray().Select(e => e.GetProperty("id").GetString()).ToList();
        Assert.Contains(Frames.Inpaint, ids);
        Assert.DoesNotContain(Frames.Passthrough, ids);
        Assert.False(string.IsNullOrEmpty(reply.DaemonVersion));
    }

    [Fact]
    public async Task Call_without_protocol_header_is_refused_naming_both_versions()
    {
        await using var d = await DaemonFixture.StartAsync();
        var raw = new EffectsRpc.EffectsClient(d.Channel);
        var (code, reason, message) = await Expect.FailureAsync(() => raw.DescribeAsync(new DescribeRequest()).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, code);
        Assert.Equal(Reasons.ProtocolMismatch, reason);
        Assert.Contains($"daemon speaks {ProtocolInfo.Version}", message);
    }

    [Fact]
    public async Task Call_with_another_protocol_version_is_refused_naming_both_versions()
    {
        await using var d = await DaemonFixture.StartAsync();
        var raw = new EffectsRpc.EffectsClient(d.Channel);
        var headers = new Metadata { { ProtocolInfo.VersionHeader, "7" } };
        var (code, reason, message) = await Expect.FailureAsync(() => raw.DescribeAsync(new DescribeRequest(), headers).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, code);
        Assert.Equal(Reasons.ProtocolMismatch, reason);
        Assert.Contains($"client speaks runway protocol 7, daemon speaks {ProtocolInfo.Version}", message);
    }

    [Fact]
    public async Task Hello_checks_the_version_in_its_body()
    {
        await using var d = await DaemonFixture.StartAsync();
        var raw = new DaemonRpc.DaemonClient(d.Channel); // no header: Hello is the handshake itself
        var ok = await raw.HelloAsync(new HelloRequest { ProtocolVersion = ProtocolInfo.Version, ClientName = "test", ClientPid = Environment.ProcessId });
        Assert.Equal(ProtocolInfo.Version, ok.ProtocolVersion);
        Assert.Equal(Environment.ProcessId, ok.DaemonPid);
        var (code, reason, message) = await Expect.FailureAsync(() => raw.HelloAsync(new HelloRequest { ProtocolVersion = 9 }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, code);
        Assert.Equal(Reasons.ProtocolMismatch, reason);
        Assert.Contains("client speaks runway protocol 9, daemon speaks 1", message);
    }

    [Fact]
    public async Task Health_and_stats_describe_the_daemon()
    {
        await using var d = await DaemonFixture.StartAsync();
        var health = await d.Daemon.HealthAsync(new HealthRequest());
        Assert.Equal("serving", health.Status);
        Assert.Equal(d.Host.SocketPath, health.SocketPath);
        Assert.Equal(d.Host.LogPath, health.LogPath);
        Assert.Equal(["cpu"], health.ExecutionProviders);
        Assert.Equal(Environment.ProcessId, health.Pid);

        using var arena = d.NewArena();
        await RenderPassthroughAsync(d, arena);
        var stats = await d.Daemon.StatsAsync(new StatsRequest());
        Assert.Equal(1ul, stats.FramesRendered);
        Assert.Equal(1u, stats.ArenasRegistered);
        Assert.True(stats.ClientsConnected >= 1);
        Assert.Equal(0u, stats.RendersInFlight);
        var effect = Assert.Single(stats.Effects);
        Assert.Equal(Frames.Passthrough, effect.EffectId);
        Assert.Equal(1ul, effect.Frames);
    }

    [Fact]
    public async Task Socket_is_private_and_pid_file_is_written()
    {
        await using var d = await DaemonFixture.StartAsync();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(d.Host.SocketPath));
        var dir = Path.GetDirectoryName(d.Host.SocketPath)!;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        Assert.Equal(Environment.ProcessId, InstanceLock.ReadPid(Path.Combine(dir, InstanceLock.PidFileName)));
        Assert.True(File.Exists(d.Host.LogPath));
    }

    [Fact]
    public async Task Shared_memory_passthrough_returns_the_input_bytes()
    {
        await using var d = await DaemonFixture.StartAsync();
        using var arena = d.NewArena();
        var (input, output, reply) = await RenderPassthroughAsync(d, arena);
        Assert.Equal(input, output);
        Assert.Equal("passthrough/bytes", reply.Info.Engine);
    }

    private static async Task<(byte[] Input, byte[] Output, RenderFrameResponse Reply)> RenderPassthroughAsync(DaemonFixture d, TestArena arena)
    {
        var desc = Frames.Rgba8(64, 32);
        var input = Frames.Noise(64 * 32 * 4);
        var src = arena.Write(0, desc, input);
        var dst = arena.Stamp(1, desc);
        var reply = await d.Render.RenderFrameAsync(Frames.SlotRequest(Frames.Passthrough, desc, src, desc, dst));
        return (input, arena.Payload(1, input.Length).ToArray(), reply);
    }

    private static RenderFrameRequest InpaintRequest(FrameDescriptor src, FrameDescriptor mask)
    {
        var r = new RenderFrameRequest
        {
            EffectId = Frames.Inpaint,
            Source = new FrameInput { Descriptor_ = src },
            Mask = new FrameInput { Descriptor_ = mask },
            Output = new FrameOutput { Descriptor_ = src },
            RenderScaleX = 1,
            RenderScaleY = 1,
        };
        r.Params["radius"] = new ParamValue { DoubleValue = 3 };
        r.Params["dilate"] = new ParamValue { DoubleValue = 0 };
        r.Params["feather"] = new ParamValue { DoubleValue = 0 };
        return r;
    }

    [Fact]
    public async Task Shared_memory_inpaint_fills_the_hole_and_keeps_the_rest()
    {
        const int w = 64, h = 48;
        await using var d = await DaemonFixture.StartAsync();
        using var arena = d.NewArena(slotBytes: 64 << 10);
        var srcDesc = Frames.RgbaF32(w, h);
        var maskDesc = Frames.AlphaF32(w, h);
        var pixels = Frames.SmoothF32(w, h);
        // Punch a black hole into the source where the mask is set: inpaint must fill it back.
        var holed = (byte[])pixels.Clone();
        var hf = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(holed.AsSpan());
        for (var y = 20; y < 28; y++)
        for (var x = 30; x < 38; x++)
            for (var c = 0; c < 3; c++) hf[(y * w + x) * 4 + c] = 0;
        var r = InpaintRequest(srcDesc, maskDesc);
        r.Source.Slot = arena.Write(0, srcDesc, holed);
        r.Mask.Slot = arena.Write(1, maskDesc, Frames.SquareMaskF32(w, h, 30, 20, 38, 28));
        r.Output.Slot = arena.Stamp(2, srcDesc);
        var reply = await d.Render.RenderFrameAsync(r);
        Assert.Equal("classical/opencv", reply.Info.Engine);

        var result = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(arena.Payload(2, holed.Length)).ToArray();
        var before = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(pixels.AsSpan()).ToArray();
        // Inside the hole: close to the smooth picture again (it was 0 before the render).
        var centre = (24 * w + 34) * 4;
        Assert.InRange(result[centre], before[centre] - 0.2f, before[centre] + 0.2f);
        Assert.InRange(result[centre + 1], before[centre + 1] - 0.2f, before[centre + 1] + 0.2f);
        // Far outside the hole: untouched, including HDR values above 1 and the alpha.
        var far = (5 * w + 60) * 4;
        Assert.Equal(before[far], result[far]);
        Assert.True(result[far] > 1f);
        Assert.Equal(0.75f, result[centre + 3]);
    }

    [Fact]
    public async Task Inline_render_gives_the_same_bytes_as_shared_memory()
    {
        const int w = 40, h = 30;
        await using var d = await DaemonFixture.StartAsync();
        using var arena = d.NewArena(slotBytes: 32 << 10);
        var srcDesc = Frames.RgbaF32(w, h);
        var maskDesc = Frames.AlphaF32(w, h);
        var pixels = Frames.SmoothF32(w, h);
        var mask = Frames.SquareMaskF32(w, h, 10, 10, 18, 16);

        var shm = InpaintRequest(srcDesc, maskDesc);
        shm.Source.Slot = arena.Write(0, srcDesc, pixels);
        shm.Mask.Slot = arena.Write(1, maskDesc, mask);
        shm.Output.Slot = arena.Stamp(2, srcDesc);
        await d.Render.RenderFrameAsync(shm);
        var viaShm = arena.Payload(2, pixels.Length).ToArray();

        var inline = InpaintRequest(srcDesc, maskDesc);
        inline.Source.Inline = true;
        inline.Mask.Inline = true;
        inline.Output.Inline = true;
        // Odd chunk sizes on purpose: one chunk straddles the end of the source and the start of the mask.
        var viaInline = await RenderInlineAsync(d, inline, [.. pixels, .. mask], chunk: 7001);
        Assert.Equal(viaShm, viaInline);
    }

    private static async Task<byte[]> RenderInlineAsync(DaemonFixture d, RenderFrameRequest request, byte[] data, int chunk)
    {
        using var call = d.Render.RenderInline();
        await call.RequestStream.WriteAsync(new RenderChunk { Request = request });
        for (var offset = 0; offset < data.Length; offset += chunk)
            await call.RequestStream.WriteAsync(new RenderChunk { Data = ByteString.CopyFrom(data, offset, Math.Min(chunk, data.Length - offset)) });
        // Read the reply before completing our side, as a client that pipelines would.
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(RenderChunk.PartOneofCase.Response, call.ResponseStream.Current.PartCase);
        var output = new MemoryStream();
        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext()) call.ResponseStream.Current.Data.WriteTo(output);
        return output.ToArray();
    }

    [Fact]
    public async Task Inline_passthrough_of_a_large_frame_streams_in_chunks()
    {
        await using var d = await DaemonFixture.StartAsync();
        var desc = Frames.Rgba8(1024, 600); // 2.4 MB: several 1 MiB chunks each way
        var input = Frames.Noise(1024 * 600 * 4, seed: 3);
        var r = new RenderFrameRequest
        {
            EffectId = Frames.Passthrough,
            Source = new FrameInput { Descriptor_ = desc, Inline = true },
            Output = new FrameOutput { Descriptor_ = desc, Inline = true },
        };
        Assert.Equal(input, await RenderInlineAsync(d, r, input, ProtocolInfo.InlineChunkBytes));
    }

    [Fact]
    public async Task Inline_stream_that_ends_early_is_invalid()
    {
        await using var d = await DaemonFixture.StartAsync();
        var desc = Frames.Rgba8(16, 16);
        var r = new RenderFrameRequest
        {
            EffectId = Frames.Passthrough,
            Source = new FrameInput { Descriptor_ = desc, Inline = true },
            Output = new FrameOutput { Descriptor_ = desc, Inline = true },
        };
        using var call = d.Render.RenderInline();
        await call.RequestStream.WriteAsync(new RenderChunk { Request = r });
        await call.RequestStream.WriteAsync(new RenderChunk { Data = ByteString.CopyFrom(new byte[100]) });
        await call.RequestStream.CompleteAsync();
        var (code, _, message) = await Expect.FailureAsync(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.InvalidArgument, code);
        Assert.Contains("after 100 of the 1024 source bytes", message);
    }

    /// <summary>Every bad input of issue 2 that reaches the daemon: clear error, right code, and the daemon still serves.</summary>
    [Fact]
    public async Task Bad_inputs_get_clear_errors_and_the_daemon_keeps_serving()
    {
        await using var d = await DaemonFixture.StartAsync(o => o with { MaxFramePixels = 1000 * 1000 });
        using var arena = d.NewArena(slotCount: 4, slotBytes: 64 << 10);
        var desc = Frames.Rgba8(32, 32);
        var input = Frames.Noise(32 * 32 * 4);

        RenderFrameRequest Good()
        {
            var r = Frames.SlotRequest(Frames.Inpaint, desc, arena.Write(0, desc, input), desc, arena.Stamp(1, desc));
            return r;
        }

        async Task Check(string what, RenderFrameRequest request, StatusCode code, string reason, string text)
        {
            var (c, r, m) = await Expect.FailureAsync(() => d.Render.RenderFrameAsync(request).ResponseAsync);
            Assert.True(c == code, $"{what}: expected {code}, got {c} ({m})");
            Assert.True(r == reason, $"{what}: expected reason {reason}, got {r}");
            Assert.True(m.Contains(text, StringComparison.Ordinal), $"{what}: message '{m}' does not mention '{text}'");
            // ...and a good render still works right after.
            await d.Render.RenderFrameAsync(Good());
        }

        var zero = Good();
        zero.Source.Descriptor_ = zero.Source.Descriptor_.Clone();
        zero.Source.Descriptor_.Width = 0;
        await Check("zero size", zero, StatusCode.InvalidArgument, Reasons.InvalidArgument, "not positive");

        var huge = Good();
        huge.Source.Descriptor_ = Frames.Rgba8(2000, 1000);
        await Check("too large", huge, StatusCode.ResourceExhausted, Reasons.ResourceExhausted, "limit of 1000000");

        var narrow = Good();
        narrow.Source.Descriptor_ = desc.Clone();
        narrow.Source.Descriptor_.RowBytes = 100;
        await Check("row bytes", narrow, StatusCode.InvalidArgument, Reasons.InvalidArgument, "row bytes 100 smaller");

        var outOfRange = Good();
        outOfRange.Source.Slot.Slot = 17;
        await Check("slot out of range", outOfRange, StatusCode.InvalidArgument, Reasons.InvalidArgument, "out of range");

        var stale = Good();
        arena.Stamp(0, desc);
        await Check("stale slot", stale, StatusCode.FailedPrecondition, Reasons.StaleSlot, "generation");

        var unknownArena = Good();
        unknownArena.Source.Slot.ArenaId = 4242;
        await Check("unknown arena", unknownArena, StatusCode.FailedPrecondition, Reasons.StaleSlot, "register the arena again");

        var unknownEffect = Good();
        unknownEffect.EffectId = "com.runwayml.nothing";
        await Check("unknown effect", unknownEffect, StatusCode.NotFound, Reasons.NotFound, "unknown effect 'com.runwayml.nothing'");

        var unknownParam = Good();
        unknownParam.Params["colour"] = new ParamValue { DoubleValue = 1 };
        await Check("unknown param", unknownParam, StatusCode.InvalidArgument, Reasons.InvalidArgument, "unknown param 'colour'");

        var wrongType = Good();
        wrongType.Params["radius"] = new ParamValue { BoolValue = true };
        await Check("wrong type", wrongType, StatusCode.InvalidArgument, Reasons.InvalidArgument, "radius");

        var outside = Good();
        outside.Params["radius"] = new ParamValue { DoubleValue = -3 };
        await Check("out of range", outside, StatusCode.InvalidArgument, Reasons.InvalidArgument, "outside");

        var badChoice = Good();
        badChoice.Params["method"] = new ParamValue { StringValue = "magic" };
        await Check("unknown choice", badChoice, StatusCode.InvalidArgument, Reasons.InvalidArgument, "magic");

        var maskSize = Good();
        var smallMask = Frames.Rgba8(16, 16);
        maskSize.Mask = new FrameInput { Descriptor_ = smallMask, Slot = arena.Write(2, smallMask, new byte[16 * 16 * 4]) };
        await Check("mask size", maskSize, StatusCode.InvalidArgument, Reasons.InvalidArgument, "mask is 16x16 but source is 32x32");

        var mismatch = Good();
        mismatch.Source.Descriptor_ = desc.Clone();
        mismatch.Source.Descriptor_.Depth = Depth.U16;
        mismatch.Source.Descriptor_.RowBytes = 32 * 8;
        mismatch.Output.Descriptor_ = mismatch.Source.Descriptor_;
        await Check("descriptor vs slot", mismatch, StatusCode.InvalidArgument, Reasons.InvalidArgument, "does not match slot");

        var stats = await d.Daemon.StatsAsync(new StatsRequest());
        Assert.Equal(13ul, stats.RenderFailures);
        Assert.Equal(13ul, stats.FramesRendered); // the good render after each check
    }

    [Fact]
    public async Task Two_clients_using_the_same_slot_the_second_is_refused()
    {
        await using var d = await DaemonFixture.StartAsync(o => o with { RenderDelayMs = 1500 });
        using var arena = d.NewArena();
        var desc = Frames.Rgba8(16, 16);
        var src = arena.Write(0, desc, Frames.Noise(1024));
        var first = d.Render.RenderFrameAsync(Frames.SlotRequest(Frames.Passthrough, desc, src, desc, arena.Stamp(1, desc))).ResponseAsync;
        await WaitUntil(async () => (await d.Daemon.StatsAsync(new StatsRequest())).RendersInFlight == 1);
        // Another client (its own connection) names the same source slot while the first render holds it.
        using var other = DaemonFixture.OpenChannel(d.Host.SocketPath);
        var otherRender = new Render.RenderClient(other);
        var headers = new Metadata { { ProtocolInfo.VersionHeader, "1" } };
        var (code, reason, message) = await Expect.FailureAsync(() =>
            otherRender.RenderFrameAsync(Frames.SlotRequest(Frames.Passthrough, desc, src, desc, arena.Stamp(2, desc)), headers).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, code);
        Assert.Equal(Reasons.SlotBusy, reason);
        Assert.Contains("in use by another render", message);
        await first; // the first client's render is unaffected
    }

    [Fact]
    public async Task Client_that_disconnects_mid_render_cancels_it_and_others_are_served()
    {
        await using var d = await DaemonFixture.StartAsync(o => o with { RenderDelayMs = 5000 });
        using var arena = d.NewArena();
        var desc = Frames.Rgba8(16, 16);
        var request = Frames.SlotRequest(Frames.Passthrough, desc, arena.Write(0, desc, Frames.Noise(1024)), desc, arena.Stamp(1, desc));

        var leaving = DaemonFixture.OpenChannel(d.Host.SocketPath);
        var call = new Render.RenderClient(leaving).RenderFrameAsync(request, new Metadata { { ProtocolInfo.VersionHeader, "1" } });
        await WaitUntil(async () => (await d.Daemon.StatsAsync(new StatsRequest())).RendersInFlight == 1);
        leaving.Dispose(); // the host process went away mid-render
        await Assert.ThrowsAnyAsync<Exception>(() => call.ResponseAsync);

        var sw = Stopwatch.StartNew();
        await WaitUntil(async () => (await d.Daemon.StatsAsync(new StatsRequest())).RendersInFlight == 0);
        Assert.True(sw.ElapsedMilliseconds < 4000, "the abandoned render was not cancelled");
        var stats = await d.Daemon.StatsAsync(new StatsRequest());
        Assert.Equal(1ul, stats.RenderFailures);
        // Its slots are free again and the daemon still serves.
        var health = await d.Daemon.HealthAsync(new HealthRequest());
        Assert.Equal("serving", health.Status);
    }

    [Fact]
    public async Task Queue_overflow_is_refused_quickly_with_resource_exhausted()
    {
        await using var d = await DaemonFixture.StartAsync(o => o with { RenderDelayMs = 3000, MaxConcurrentRenders = 1, MaxQueuedRenders = 1 });
        using var arena = d.NewArena(slotCount: 6);
        var desc = Frames.Rgba8(8, 8);
        RenderFrameRequest Req(int s) => Frames.SlotRequest(Frames.Passthrough, desc, arena.Write(s, desc, new byte[256]), desc, arena.Stamp(s + 1, desc));
        var running = d.Render.RenderFrameAsync(Req(0)).ResponseAsync;
        var queued = d.Render.RenderFrameAsync(Req(2)).ResponseAsync;
        await WaitUntil(async () => (await d.Daemon.StatsAsync(new StatsRequest())).RendersInFlight == 2);
        var sw = Stopwatch.StartNew();
        var (code, reason, _) = await Expect.FailureAsync(() => d.Render.RenderFrameAsync(Req(4)).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, code);
        Assert.Equal(Reasons.ResourceExhausted, reason);
        Assert.True(sw.ElapsedMilliseconds < 1500, $"refusal took {sw.ElapsedMilliseconds} ms"); // not after the 3 s renders
        await running;
        await queued;
    }

    [Fact]
    public async Task Register_arena_errors_reach_the_client()
    {
        await using var d = await DaemonFixture.StartAsync();
        using var wrongMode = new TestArena(d.ArenaDirectory, mode: UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var (code, reason, message) = await Expect.FailureAsync(() =>
            d.Render.RegisterArenaAsync(new RegisterArenaRequest { Path = wrongMode.Path, FileBytes = wrongMode.FileBytes }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, code);
        Assert.Equal(Reasons.InvalidArgument, reason);
        Assert.Contains("0600", message);
        var (releaseCode, _, _) = await Expect.FailureAsync(() => d.Render.ReleaseArenaAsync(new ReleaseArenaRequest { ArenaId = 77 }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, releaseCode);
    }

    [Fact]
    public async Task Second_instance_on_the_same_socket_is_refused_with_the_running_pid()
    {
        await using var d = await DaemonFixture.StartAsync();
        var e = await Assert.ThrowsAsync<DaemonAlreadyRunningException>(() => DaemonHost.StartAsync(d.Host.Options with { }));
        Assert.Equal(Environment.ProcessId, e.Pid);
        Assert.Equal($"runwayd is already running (pid {Environment.ProcessId}) on {d.Host.SocketPath}", e.Message);
        // The first daemon is unaffected.
        Assert.Equal("serving", (await d.Daemon.HealthAsync(new HealthRequest())).Status);
    }

    [Fact]
    public async Task Second_runwayd_process_prints_where_the_running_one_is_and_exits_0()
    {
        await using var d = await DaemonFixture.StartAsync();
        var dll = Path.Combine(AppContext.BaseDirectory, "runwayd.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--socket");
        psi.ArgumentList.Add(d.Host.SocketPath);
        psi.ArgumentList.Add("--log-dir");
        psi.ArgumentList.Add(d.Dir["log2"]);
        using var process = Process.Start(psi)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, process.ExitCode);
        Assert.Contains($"runwayd is already running (pid {Environment.ProcessId}) on {d.Host.SocketPath}", stdout);
    }

    [Fact]
    public async Task Stale_socket_file_is_replaced_on_start()
    {
        using var dir = new TempDir();
        var socket = Path.Combine(dir.Path, "run", "runwayd.sock");
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
        await File.WriteAllTextAsync(socket, "left over from a crash");
        await using var host = await DaemonHost.StartAsync(new DaemonOptions { SocketPath = socket, LogDirectory = dir["log"], ArenaDirectory = dir.Path });
        using var channel = DaemonFixture.OpenChannel(socket);
        var hello = await new DaemonRpc.DaemonClient(channel).HelloAsync(new HelloRequest { ProtocolVersion = ProtocolInfo.Version });
        Assert.Equal(Environment.ProcessId, hello.DaemonPid);
    }

    [Fact]
    public async Task Connections_from_another_uid_are_closed_and_logged()
    {
        await using var d = await DaemonFixture.StartAsync(o => o with { AllowedPeerUid = Libc.EffectiveUid + 1 });
        var (code, _, _) = await Expect.FailureAsync(() => d.Daemon.HealthAsync(new HealthRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, code);
        string log;
        await using (var stream = new FileStream(d.Host.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            log = await new StreamReader(stream).ReadToEndAsync();
        Assert.Contains("Refused connection", log);
        Assert.Contains($"\"PeerUid\":{Libc.EffectiveUid}", log);
    }

    [Fact]
    public async Task Graceful_shutdown_lets_the_render_in_flight_finish()
    {
        var d = await DaemonFixture.StartAsync(o => o with { RenderDelayMs = 1500 });
        await using var _ = d;
        using var arena = d.NewArena();
        var desc = Frames.Rgba8(8, 8);
        var input = Frames.Noise(256);
        var render = d.Render.RenderFrameAsync(Frames.SlotRequest(Frames.Passthrough, desc, arena.Write(0, desc, input), desc, arena.Stamp(1, desc))).ResponseAsync;
        await WaitUntil(async () => (await d.Daemon.StatsAsync(new StatsRequest())).RendersInFlight == 1);
        await d.Daemon.ShutdownAsync(new ShutdownRequest { CancelInFlight = false });

        // New renders are refused while it drains.
        await WaitUntil(async () => (await d.Daemon.HealthAsync(new HealthRequest())).Status == "stopping");
        var (code, _, message) = await Expect.FailureAsync(() => d.Render.RenderFrameAsync(
            Frames.SlotRequest(Frames.Passthrough, desc, arena.Write(2, desc, input), desc, arena.Stamp(3, desc))).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, code);
        Assert.Contains("shutting down", message);

        var reply = await render;
        Assert.Equal("passthrough/bytes", reply.Info.Engine);
        Assert.Equal(input, arena.Payload(1, 256).ToArray());
        await d.Host.WaitForShutdownAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(File.Exists(d.Host.SocketPath));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(d.Host.SocketPath)!, InstanceLock.PidFileName)));
        // The lock is free: a new daemon can start on the same socket.
        await using var again = await DaemonHost.StartAsync(d.Host.Options);
    }

    [Fact]
    public async Task Shutdown_with_cancel_in_flight_cancels_the_render()
    {
        await using var d = await DaemonFixture.StartAsync(o => o with { RenderDelayMs = 10_000 });
        using var arena = d.NewArena();
        var desc = Frames.Rgba8(8, 8);
        var render = d.Render.RenderFrameAsync(Frames.SlotRequest(Frames.Passthrough, desc, arena.Write(0, desc, new byte[256]), desc, arena.Stamp(1, desc))).ResponseAsync;
        await WaitUntil(async () => (await d.Daemon.StatsAsync(new StatsRequest())).RendersInFlight == 1);
        var sw = Stopwatch.StartNew();
        await d.Daemon.ShutdownAsync(new ShutdownRequest { CancelInFlight = true });
        var (code, reason, message) = await Expect.FailureAsync(() => render);
        Assert.Equal(StatusCode.Cancelled, code);
        Assert.Equal(Reasons.Cancelled, reason);
        Assert.Contains("shutting down", message);
        await d.Host.WaitForShutdownAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(sw.ElapsedMilliseconds < 5000);
    }

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached in 10 s");
            await Task.Delay(20);
        }
    }
}
