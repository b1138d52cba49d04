using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Runway.Daemon.Errors;
using Runway.Protocol;
using Runway.Protocol.V1;
using ModelsRpc = Runway.Protocol.V1.Models;

namespace Runway.Daemon.Tests;

/// <summary>
/// Models.List/Load/Unload and model-backed renders through a real daemon, on the tiny committed fixture packs of
/// tests/Runway.Models.Tests/fixtures (made by make_fixtures.py): inpaint-fill serves com.runwayml.inpaint with
/// result = image·(1 − mask) + 0.25·mask; conv-blur serves a test effect and is used corrupted.
/// </summary>
public sealed class ModelsServiceTests
{
    private const string InpaintFill = "inpaint-fill";
    private const string ConvBlur = "conv-blur";

    /// <summary>The committed fixture folder, found from this source file (the test assembly may be built elsewhere).</summary>
    private static string FixturePack(string name, [CallerFilePath] string source = "")
    {
        var dir = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "Runway.Models.Tests", "fixtures", name));
        if (!File.Exists(Path.Combine(dir, "model.json")))
            throw new DirectoryNotFoundException($"fixture pack {name} missing at {dir}; run tests/Runway.Models.Tests/fixtures/make_fixtures.py");
        return dir;
    }

    private static void CopyPack(string name, string modelsDir, string? asName = null)
    {
        var to = Path.Combine(modelsDir, asName ?? name);
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(FixturePack(name))) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    private static Task<(DaemonFixture Daemon, ModelsRpc.ModelsClient Models, string Dir)> StartAsync(params string[] packs) =>
        StartAsync(o => o, packs);

    private static async Task<(DaemonFixture Daemon, ModelsRpc.ModelsClient Models, string Dir)> StartAsync(Func<DaemonOptions, DaemonOptions> configure, params string[] packs)
    {
        var models = Directory.CreateTempSubdirectory("rwm-").FullName;
        foreach (var p in packs) CopyPack(p, models);
        var d = await DaemonFixture.StartAsync(o => configure(o with { ModelsDirectory = models, MemoryBudgetMb = 64 }));
        var invoker = d.Channel.Intercept(m =>
        {
            m.Add(ProtocolInfo.VersionHeader, ProtocolInfo.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return m;
        });
        return (d, new ModelsRpc.ModelsClient(invoker), models);
    }

    private static void Remove(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
    }

    [Fact]
    public async Task List_shows_licence_and_state_and_load_then_unload_change_it()
    {
        var (d, models, dir) = await StartAsync(InpaintFill);
        try
        {
            var list = await models.ListAsync(new ListModelsRequest());
            Assert.Equal(dir, list.ModelsDirectory);
            Assert.Equal(64UL << 20, list.MemoryBudgetBytes);
            Assert.Equal(0UL, list.MemoryResidentBytes);
            var info = Assert.Single(list.Models);
            Assert.Equal(InpaintFill, info.Id);
            Assert.Equal(Frames.Inpaint, info.EffectId);
            Assert.Equal("0.1.0", info.Version);
            Assert.Equal("MIT", info.LicenceSpdx);
            Assert.True(info.CommercialUse);
            Assert.Equal("available", info.State);
            Assert.Equal("", info.Error);

            var loaded = (await models.LoadAsync(new LoadModelRequest { Id = InpaintFill })).Model;
            Assert.Equal("loaded", loaded.State);
            Assert.Equal("cpu", loaded.ExecutionProvider);
            Assert.True(loaded.MemoryBytes > 0);
            Assert.True(loaded.LoadMillis > 0);
            list = await models.ListAsync(new ListModelsRequest());
            Assert.Equal("loaded", list.Models[0].State);
            Assert.Equal(loaded.MemoryBytes, list.MemoryResidentBytes);

            Assert.True((await models.UnloadAsync(new UnloadModelRequest { Id = InpaintFill })).Unloaded);
            list = await models.ListAsync(new ListModelsRequest());
            Assert.Equal("available", list.Models[0].State);
            Assert.Equal(0UL, list.MemoryResidentBytes);
            // Not loaded any more: a second unload says so instead of failing.
            Assert.False((await models.UnloadAsync(new UnloadModelRequest { Id = InpaintFill })).Unloaded);

            var (code, reason, message) = await Expect.FailureAsync(() => models.LoadAsync(new LoadModelRequest { Id = "no-such-pack" }).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, code);
            Assert.Equal(Reasons.ModelMissing, reason);
            Assert.Contains("no-such-pack", message);
        }
        finally
        {
            await d.DisposeAsync();
            Remove(dir);
        }
    }

    [Fact]
    public async Task A_corrupt_pack_is_listed_unusable_with_its_reason_and_the_daemon_keeps_serving()
    {
        var (d, models, dir) = await StartAsync(InpaintFill, ConvBlur);
        try
        {
            // One byte of the weights flipped: the sha256 in model.json no longer matches.
            var onnx = Path.Combine(dir, ConvBlur, "model.onnx");
            var bytes = File.ReadAllBytes(onnx);
            bytes[^1] ^= 0x5a;
            File.WriteAllBytes(onnx, bytes);

            var (code, _, message) = await Expect.FailureAsync(() => models.LoadAsync(new LoadModelRequest { Id = ConvBlur }).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, code);
            Assert.Contains("model.onnx: sha256 is", message);

            var list = await models.ListAsync(new ListModelsRequest());
            var broken = list.Models.Single(m => m.Id == ConvBlur);
            Assert.Equal("unusable", broken.State);
            Assert.Contains("file corrupt or replaced", broken.Error);
            // The healthy pack next to it still loads.
            Assert.Equal("loaded", (await models.LoadAsync(new LoadModelRequest { Id = InpaintFill })).Model.State);
        }
        finally
        {
            await d.DisposeAsync();
            Remove(dir);
        }
    }

    [Fact]
    public async Task A_pack_added_to_the_directory_appears_without_a_restart()
    {
        var (d, models, dir) = await StartAsync();
        try
        {
            Assert.Empty((await models.ListAsync(new ListModelsRequest())).Models);
            // Copied beside the directory, then moved in whole, as an installer does.
            var staging = Directory.CreateTempSubdirectory("rwm-stage-").FullName;
            CopyPack(InpaintFill, staging);
            Directory.Move(Path.Combine(staging, InpaintFill), Path.Combine(dir, InpaintFill));
            Remove(staging);

            // The file watcher marks the list dirty at once; without it the registry rescans every 2 s.
            ModelInfo? found = null;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (found is null && DateTime.UtcNow < deadline)
            {
                found = (await models.ListAsync(new ListModelsRequest())).Models.FirstOrDefault(m => m.Id == InpaintFill);
                if (found is null) await Task.Delay(100);
            }
            Assert.NotNull(found);
            Assert.Equal("available", found.State);
            Assert.Equal("loaded", (await models.LoadAsync(new LoadModelRequest { Id = InpaintFill })).Model.State);
        }
        finally
        {
            await d.DisposeAsync();
            Remove(dir);
        }
    }

    [Fact]
    public async Task A_render_with_a_pack_names_it_in_the_result_and_uses_the_model()
    {
        const int w = 48, h = 32;
        var (d, models, dir) = await StartAsync(InpaintFill);
        try
        {
            using var arena = d.NewArena(slotBytes: 64 << 10);
            var srcDesc = Frames.RgbaF32(w, h);
            var maskDesc = Frames.AlphaF32(w, h);
            var pixels = Frames.SmoothF32(w, h);
            var r = new RenderFrameRequest
            {
                EffectId = Frames.Inpaint,
                Source = new FrameInput { Descriptor_ = srcDesc, Slot = arena.Write(0, srcDesc, pixels) },
                Mask = new FrameInput { Descriptor_ = maskDesc, Slot = arena.Write(1, maskDesc, Frames.SquareMaskF32(w, h, 10, 8, 20, 16)) },
                Output = new FrameOutput { Descriptor_ = srcDesc, Slot = arena.Stamp(2, srcDesc) },
                RenderScaleX = 1,
                RenderScaleY = 1,
            };
            r.Params["dilate"] = new ParamValue { DoubleValue = 0 };
            r.Params["feather"] = new ParamValue { DoubleValue = 0 };
            var reply = await d.Render.RenderFrameAsync(r);
            Assert.Equal($"onnx/{InpaintFill}@0.1.0 (cpu)", reply.Info.Engine);

            var result = MemoryMarshal.Cast<byte, float>(arena.Payload(2, pixels.Length)).ToArray();
            var before = MemoryMarshal.Cast<byte, float>(pixels.AsSpan()).ToArray();
            // The fixture model fills the hole with 0.25 in its sRGB encoding (linear 0.0509); outside the hole every
            // value stays, HDR included.
            var inside = (12 * w + 15) * 4;
            Assert.Equal(Math.Pow((0.25 + 0.055) / 1.055, 2.4), result[inside], 3);
            var outside = (28 * w + 44) * 4;
            Assert.Equal(before[outside], result[outside]);
            Assert.True(result[outside] > 1f);

            var list = await models.ListAsync(new ListModelsRequest());
            Assert.Equal("loaded", list.Models[0].State);
            Assert.True(list.Models[0].Runs >= 1);
        }
        finally
        {
            await d.DisposeAsync();
            Remove(dir);
        }
    }

    [Fact]
    public async Task A_queued_render_whose_grpc_deadline_passes_fails_with_deadline_exceeded_without_waiting_its_turn()
    {
        // One render at a time, each held 3 s: the second waits in the queue past its 300 ms deadline.
        var (d, _, dir) = await StartAsync(o => o with { MaxConcurrentRenders = 1, RenderDelayMs = 3000 });
        try
        {
            await using var _ = d;
            using var arena = d.NewArena(slotBytes: 64 << 10);
            var desc = Frames.Rgba8(16, 16);
            var first = d.Render.RenderFrameAsync(Frames.SlotRequest(Frames.Passthrough, desc, arena.Write(0, desc, Frames.Noise(16 * 16 * 4)), desc, arena.Stamp(1, desc)));
            // In flight (bound, and with an empty queue it takes the only render slot at once).
            var wait = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while ((await d.Daemon.StatsAsync(new StatsRequest())).RendersInFlight < 1)
            {
                Assert.True(DateTime.UtcNow < wait, "the first render never started");
                await Task.Delay(10);
            }
            var started = DateTime.UtcNow;
            var late = d.Render.RenderFrameAsync(Frames.SlotRequest(Frames.Passthrough, desc, arena.Write(2, desc, Frames.Noise(16 * 16 * 4)), desc, arena.Stamp(3, desc)),
                deadline: DateTime.UtcNow.AddMilliseconds(300));
            var (code, _, _) = await Expect.FailureAsync(() => late.ResponseAsync);
            Assert.Equal(StatusCode.DeadlineExceeded, code);
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2.5), "the late render waited for the first one to finish");
            await first.ResponseAsync;
        }
        finally
        {
            Remove(dir);
        }
    }

    [Fact]
    public async Task Runway_client_lists_loads_and_unloads_packs_and_reports_an_unknown_id_with_the_daemons_reason()
    {
        var (d, _, dir) = await StartAsync(InpaintFill);
        try
        {
            await using var client = new Runway.Client.RunwayClient(new Runway.Client.RunwayClientOptions
            {
                SocketPath = d.Host.SocketPath,
                AutoStart = false,
                ClientName = "models-client-tests",
                ConnectTimeout = TimeSpan.FromSeconds(30),
            });
            var listed = Assert.Single((await client.ListModelsAsync()).Models);
            Assert.Equal("available", listed.State);
            var loaded = await client.LoadModelAsync(InpaintFill);
            Assert.Equal("loaded", loaded.State);
            Assert.Equal("cpu", loaded.ExecutionProvider);
            Assert.True(await client.UnloadModelAsync(InpaintFill));
            Assert.False(await client.UnloadModelAsync(InpaintFill));
            var e = await Assert.ThrowsAsync<Runway.Client.RunwayException>(() => client.LoadModelAsync("no-such-pack"));
            Assert.Contains("no-such-pack", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            await d.DisposeAsync();
            Remove(dir);
        }
    }
}
