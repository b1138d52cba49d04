using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Runway.Client.Pixels;
using Runway.Daemon;
using Runway.Protocol.V1;

namespace Runway.Client.Tests;

/// <summary>An image in native memory with any bounds, row padding and row order, as an OFX host would hand over.</summary>
internal sealed unsafe class NativeImage : IDisposable
{
    private const byte PadByte = 0xCD;
    private byte* _memory;

    public NativeImage(PixelRect bounds, Components components, Depth depth, bool topDownMemory = false, int padBytes = 0,
        AlphaMode alpha = AlphaMode.Straight)
    {
        Bounds = bounds;
        Components = components;
        Depth = depth;
        Alpha = alpha;
        BytesPerPixel = PixelFormat.BytesPerPixel(components, depth);
        Stride = (long)bounds.Width * BytesPerPixel + padBytes;
        TopDownMemory = topDownMemory;
        _memory = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, Stride * bounds.Height));
        new Span<byte>(_memory, (int)(Stride * bounds.Height)).Fill(PadByte);
    }

    public PixelRect Bounds { get; }
    public Components Components { get; }
    public Depth Depth { get; }
    public AlphaMode Alpha { get; }
    public int BytesPerPixel { get; }
    public long Stride { get; }
    public bool TopDownMemory { get; }

    /// <summary>Memory row of picture row y (y in bounds coordinates).</summary>
    private byte* RowPtr(int y)
    {
        var index = TopDownMemory ? Bounds.Y2 - 1 - y : y - Bounds.Y1;
        return _memory + index * Stride;
    }

    public HostImage Image => new((nint)RowPtr(Bounds.Y1), TopDownMemory ? -Stride : Stride, Bounds, Components, Depth, Alpha);

    /// <summary>The pixel bytes of picture row y (no padding).</summary>
    public Span<byte> Row(int y) => new(RowPtr(y), Bounds.Width * BytesPerPixel);

    public Span<byte> Pixel(int x, int y) => Row(y).Slice((x - Bounds.X1) * BytesPerPixel, BytesPerPixel);

    public NativeImage FillRandom(int seed)
    {
        var random = new Random(seed);
        for (var y = Bounds.Y1; y < Bounds.Y2; y++) random.NextBytes(Row(y));
        return this;
    }

    public NativeImage Fill(byte value)
    {
        for (var y = Bounds.Y1; y < Bounds.Y2; y++) Row(y).Fill(value);
        return this;
    }

    /// <summary>All pixel rows, bottom to top, packed.</summary>
    public byte[] Packed()
    {
        var result = new byte[Bounds.Width * BytesPerPixel * Bounds.Height];
        for (var y = Bounds.Y1; y < Bounds.Y2; y++) Row(y).CopyTo(result.AsSpan((y - Bounds.Y1) * Bounds.Width * BytesPerPixel));
        return result;
    }

    /// <summary>True when no padding byte was touched.</summary>
    public bool PaddingIntact()
    {
        var pad = Stride - (long)Bounds.Width * BytesPerPixel;
        for (var y = Bounds.Y1; y < Bounds.Y2; y++)
        {
            var tail = new Span<byte>(RowPtr(y) + Bounds.Width * BytesPerPixel, (int)pad);
            if (tail.ContainsAnyExcept(PadByte)) return false;
        }
        return true;
    }

    public void Dispose()
    {
        if (_memory is null) return;
        NativeMemory.Free(_memory);
        _memory = null;
    }
}

/// <summary>A real runwayd running inside the test process on a private socket.</summary>
internal sealed class InProcessDaemon : IAsyncDisposable
{
    private InProcessDaemon(DaemonHost host, string directory)
    {
        Host = host;
        Directory = directory;
    }

    public DaemonHost Host { get; }
    public string Directory { get; }
    public string SocketPath => Host.SocketPath;

    public static async Task<InProcessDaemon> StartAsync(int renderDelayMs = 0)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("rwc-").FullName;
        var host = await DaemonHost.StartAsync(new DaemonOptions
        {
            SocketPath = Path.Combine(dir, "runwayd.sock"),
            LogDirectory = dir,
            TailCacheDirectory = Path.Combine(dir, "tails"), // never the user's own cache folder
            RenderDelayMs = renderDelayMs,
            ShutdownTimeout = TimeSpan.FromSeconds(2),
        });
        return new InProcessDaemon(host, dir);
    }

    public RunwayClient Client(FrameTransport transport = FrameTransport.SharedMemory, ulong? capBytes = null) => new(new RunwayClientOptions
    {
        SocketPath = SocketPath,
        AutoStart = false,
        ClientName = "client-tests",
        // The first call JITs the whole gRPC stack; on a loaded 2-core machine that alone can pass the 5 s default.
        ConnectTimeout = TimeSpan.FromSeconds(30),
        Transport = transport,
        ArenaCapBytes = capBytes ?? (1UL << 30),
    });

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(cancelInFlight: true);
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Paths of the repository and of built artifacts the tests need.</summary>
internal static class TestPaths
{
    public static string RepoRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));

    /// <summary>The --artifacts-path root this test assembly was built into (bin/Runway.Client.Tests/debug → root), if any.</summary>
    public static string? ArtifactsRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        for (var d = dir; d is not null; d = d.Parent)
            if (d.Name == "bin" && d.Parent is not null)
                // A project's own bin/ (classic layout) is not an artifacts root: nothing may be published into the source tree.
                return d.Parent.EnumerateFiles("*.csproj").Any() ? null : d.Parent.FullName;
        return null;
    }

    private static readonly Lazy<string> s_daemon = new(LocateDaemon);

    /// <summary>A runnable runwayd (apphost or dll) for auto-start tests.</summary>
    public static string Daemon => s_daemon.Value;

    private static string LocateDaemon()
    {
        if (Environment.GetEnvironmentVariable("RUNWAY_TEST_DAEMON_PATH") is { Length: > 0 } configured && File.Exists(configured))
            return configured;
        // The test references Runway.Daemon, so the daemon's own build output sits beside this assembly's.
        var candidates = new List<string>();
        if (ArtifactsRoot() is { } root)
        {
            var config = new DirectoryInfo(AppContext.BaseDirectory).Name; // debug | release
            candidates.Add(Path.Combine(root, "bin", "Runway.Daemon", config, "runwayd.dll"));
        }
        candidates.Add(Path.Combine(AppContext.BaseDirectory, "runwayd.dll"));
        foreach (var candidate in candidates)
            if (File.Exists(candidate) && File.Exists(Path.ChangeExtension(candidate, ".runtimeconfig.json")))
                return candidate;
        // Last resort: build it into a private artifacts path.
        var artifacts = Path.Combine(Path.GetTempPath(), "art-client-daemon");
        Run("dotnet", ["build", Path.Combine(RepoRoot(), "src", "Runway.Daemon"), "--artifacts-path", artifacts], TimeSpan.FromMinutes(10));
        var built = Path.Combine(artifacts, "bin", "Runway.Daemon", "debug", "runwayd.dll");
        return File.Exists(built) ? built : throw new FileNotFoundException("could not build runwayd", built);
    }

    /// <summary>Runs a process to completion; returns (exit code, stdout+stderr).</summary>
    public static (int Code, string Output) Run(string file, IEnumerable<string> args, TimeSpan timeout,
        IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) info.Environment[k] = v;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
