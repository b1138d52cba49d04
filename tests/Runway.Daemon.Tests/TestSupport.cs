using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Runway.Daemon;
using Runway.Daemon.Errors;
using Runway.Protocol;
using Runway.Protocol.V1;
using DaemonRpc = Runway.Protocol.V1.Daemon;
using EffectsRpc = Runway.Protocol.V1.Effects;
using RenderRpc = Runway.Protocol.V1.Render;

namespace Runway.Daemon.Tests;

/// <summary>A private temporary directory (short path: Unix socket addresses hold 107 bytes), removed on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("rwd-").FullName;
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>
/// An arena file made the way a client makes one (0600, <see cref="ArenaLayout.WriteHeader"/>), mapped by the test
/// so it can write input frames and read outputs.
/// </summary>
public sealed unsafe class TestArena : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;

    public TestArena(string directory, int slotCount = 4, ulong slotBytes = 1 << 20, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        SlotCount = slotCount;
        SlotBytes = ArenaLayout.RoundToPages(slotBytes);
        FileBytes = ArenaLayout.FileBytes(slotCount, SlotBytes);
        Path = System.IO.Path.Combine(directory, $"runway-test-{Guid.NewGuid():N}");
        var stream = new FileStream(Path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite, UnixCreateMode = mode,
        });
        stream.SetLength((long)FileBytes);
        File.SetUnixFileMode(Path, mode); // the umask may have dropped bits of an unusual test mode
        _file = MemoryMappedFile.CreateFromFile(stream, null, (long)FileBytes, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, false);
        _view = _file.CreateViewAccessor(0, (long)FileBytes);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
        ArenaLayout.WriteHeader(new Span<byte>(_base, ArenaLayout.HeaderBytes), slotCount, SlotBytes);
    }

    public string Path { get; }
    public int SlotCount { get; }
    public ulong SlotBytes { get; }
    public ulong FileBytes { get; }

    /// <summary>The daemon's id for this arena, once registered.</summary>
    public uint Id { get; set; }

    public Span<byte> FileHeader => new(_base, ArenaLayout.HeaderBytes);

    public Span<byte> Payload(int slot, int length) => new(_base + ArenaLayout.SlotPayloadOffset(slot, SlotBytes), length);

    public ulong Generation(int slot) => BinaryPrimitives.ReadUInt64LittleEndian(new Span<byte>(_base + ArenaLayout.SlotHeaderOffset(slot), 8));

    /// <summary>Describes a slot's frame in its header and bumps the generation, as a client does before each frame.</summary>
    public SlotRef Stamp(int slot, FrameDescriptor d)
    {
        var header = new Span<byte>(_base + ArenaLayout.SlotHeaderOffset(slot), ArenaLayout.SlotHeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffWidth..], d.Width);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffHeight..], d.Height);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffComponents..], (uint)d.Components);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffDepth..], (uint)d.Depth);
        BinaryPrimitives.WriteUInt64LittleEndian(header[ArenaLayout.SlotOffRowBytes..], d.RowBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffFlags..], (d.TopDown ? 1u : 0u) | (((uint)d.Alpha & 3u) << 1));
        var generation = Generation(slot) + 1;
        BinaryPrimitives.WriteUInt64LittleEndian(header, generation);
        return new SlotRef { ArenaId = Id, Slot = (uint)slot, Generation = generation };
    }

    /// <summary>Writes a frame's bytes into a slot and stamps it.</summary>
    public SlotRef Write(int slot, FrameDescriptor d, ReadOnlySpan<byte> pixels)
    {
        pixels.CopyTo(Payload(slot, pixels.Length));
        return Stamp(slot, d);
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
        try { File.Delete(Path); } catch (IOException) { }
    }
}

/// <summary>Frames and requests used across tests.</summary>
public static class Frames
{
    public const string Passthrough = "com.runwayml.passthrough";
    public const string Inpaint = "com.runwayml.inpaint";

    public static FrameDescriptor Rgba8(uint w, uint h, bool topDown = false) => new()
    {
        Width = w, Height = h, Components = Components.Rgba, Depth = Depth.U8, RowBytes = w * 4, TopDown = topDown, Alpha = AlphaMode.Straight,
    };

    public static FrameDescriptor RgbaF32(uint w, uint h) => new()
    {
        Width = w, Height = h, Components = Components.Rgba, Depth = Depth.F32, RowBytes = w * 16, TopDown = false, Alpha = AlphaMode.Straight,
    };

    public static FrameDescriptor AlphaF32(uint w, uint h) => new()
    {
        Width = w, Height = h, Components = Components.Alpha, Depth = Depth.F32, RowBytes = w * 4, TopDown = false, Alpha = AlphaMode.Straight,
    };

    public static byte[] Noise(int bytes, int seed = 1)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>A smooth float RGBA picture with values up to 2.0 (HDR) and alpha 0.75.</summary>
    public static byte[] SmoothF32(int w, int h)
    {
        var floats = new float[w * h * 4];
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
        {
            var i = (y * w + x) * 4;
            floats[i] = 2f * x / w;
            floats[i + 1] = (float)y / h;
            floats[i + 2] = 0.25f;
            floats[i + 3] = 0.75f;
        }
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()).ToArray();
    }

    /// <summary>An alpha-only float mask with a filled square hole (value 1) at [x0, x1) × [y0, y1).</summary>
    public static byte[] SquareMaskF32(int w, int h, int x0, int y0, int x1, int y1)
    {
        var floats = new float[w * h];
        for (var y = y0; y < y1; y++)
        for (var x = x0; x < x1; x++) floats[y * w + x] = 1f;
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()).ToArray();
    }

    public static RenderFrameRequest SlotRequest(string effect, FrameDescriptor src, SlotRef source, FrameDescriptor dst, SlotRef output) => new()
    {
        EffectId = effect,
        InstanceId = "test",
        Source = new FrameInput { Descriptor_ = src, Slot = source },
        Output = new FrameOutput { Descriptor_ = dst, Slot = output },
        RenderScaleX = 1,
        RenderScaleY = 1,
    };
}

/// <summary>A real daemon on a temporary socket plus raw gRPC clients speaking to it over the Unix socket.</summary>
public sealed class DaemonFixture : IAsyncDisposable
{
    private readonly TempDir _dir;

    private DaemonFixture(TempDir dir, DaemonHost host)
    {
        _dir = dir;
        Host = host;
        Channel = OpenChannel(host.SocketPath);
        var invoker = Channel.Intercept(m =>
        {
            m.Add(ProtocolInfo.VersionHeader, ProtocolInfo.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return m;
        });
        Effects = new EffectsRpc.EffectsClient(invoker);
        Render = new RenderRpc.RenderClient(invoker);
        Daemon = new DaemonRpc.DaemonClient(invoker);
    }

    public DaemonHost Host { get; }
    public GrpcChannel Channel { get; }
    public EffectsRpc.EffectsClient Effects { get; }
    public RenderRpc.RenderClient Render { get; }
    public DaemonRpc.DaemonClient Daemon { get; }
    public string ArenaDirectory => Host.Options.ArenaDirectory;
    public TempDir Dir => _dir;

    public static async Task<DaemonFixture> StartAsync(Func<DaemonOptions, DaemonOptions>? configure = null)
    {
        var dir = new TempDir();
        Directory.CreateDirectory(dir["arenas"]);
        var options = new DaemonOptions
        {
            SocketPath = System.IO.Path.Combine(dir.Path, "run", "runwayd.sock"),
            LogDirectory = dir["log"],
            ArenaDirectory = dir["arenas"],
            TailCacheDirectory = dir["tails"], // never the user's own cache folder
            MaxConcurrentRenders = 2,
            ShutdownTimeout = TimeSpan.FromSeconds(10),
        };
        options = configure?.Invoke(options) ?? options;
        var host = await DaemonHost.StartAsync(options);
        return new DaemonFixture(dir, host);
    }

    /// <summary>A gRPC channel over the Unix socket: HTTP/2 without TLS to a placeholder authority.</summary>
    public static GrpcChannel OpenChannel(string socketPath) => GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        },
        MaxReceiveMessageSize = 8 << 20,
    });

    public TestArena NewArena(int slotCount = 4, ulong slotBytes = 1 << 20)
    {
        var arena = new TestArena(ArenaDirectory, slotCount, slotBytes);
        var reply = Render.RegisterArena(new RegisterArenaRequest { Path = arena.Path, FileBytes = arena.FileBytes });
        arena.Id = reply.ArenaId;
        return arena;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Host.StopAsync(cancelInFlight: true);
        _dir.Dispose();
    }
}

public static class Expect
{
    /// <summary>Runs a call that must fail; returns its status and runway-reason trailer.</summary>
    public static async Task<(StatusCode Code, string Reason, string Message)> FailureAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        return (e.StatusCode, e.Trailers.GetValue(Reasons.TrailerKey) ?? "", e.Status.Detail);
    }

    /// <summary>Runs domain code that must fail with a <see cref="RunwayFault"/>.</summary>
    public static RunwayFault Fault(Action action) => Assert.Throws<RunwayFault>(action);
}
