using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Runway.Daemon.Arena;
using Runway.Daemon.Diagnostics;
using Runway.Daemon.Errors;
using Runway.Daemon.Hosting;
using Runway.Daemon.Rendering;
using Runway.Daemon.Services;
using Runway.Models.Effects;
using Runway.Models.Runtime;
using Serilog;
using Serilog.Formatting.Compact;
using ILogger = Microsoft.Extensions.Logging.ILogger;

namespace Runway.Daemon;

/// <summary>
/// A running runwayd: gRPC over a private Unix socket, one per socket directory. <c>runwayd</c> runs exactly one; tests
/// run real daemons in-process on temporary sockets with <see cref="StartAsync"/>.
/// </summary>
public sealed class DaemonHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly InstanceLock _lock;
    private readonly Serilog.Core.Logger _serilog;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _stopGate = new();
    private Task? _stopping;

    private DaemonHost(DaemonOptions options, WebApplication app, InstanceLock instanceLock, Serilog.Core.Logger serilog)
    {
        Options = options;
        _app = app;
        _lock = instanceLock;
        _serilog = serilog;
        _logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("runwayd");
    }

    /// <summary>The options this daemon runs with (socket path made absolute).</summary>
    public DaemonOptions Options { get; }

    /// <summary>Absolute path of the Unix socket it listens on.</summary>
    public string SocketPath => Options.SocketPath;

    /// <summary>Absolute path of its log file.</summary>
    public string LogPath => Options.LogPath;

    /// <summary>
    /// Starts a daemon: takes the per-socket lock (throws <see cref="DaemonAlreadyRunningException"/> when another
    /// daemon holds it), removes a stale socket file, listens (socket 0600 in a 0700 directory), writes the pid file.
    /// Throws <see cref="DaemonConfigException"/> for unusable options.
    /// </summary>
    public static async Task<DaemonHost> StartAsync(DaemonOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        options = options with
        {
            SocketPath = Path.GetFullPath(options.SocketPath),
            LogDirectory = Path.GetFullPath(options.LogDirectory),
        };
        // sun_path holds 108 bytes including the terminating NUL.
        if (Encoding.UTF8.GetByteCount(options.SocketPath) > 107)
            throw new DaemonConfigException($"socket path {options.SocketPath} is longer than the 107 bytes a Unix socket address holds");

        var warnings = new List<string>();
        var instanceLock = InstanceLock.Acquire(options.SocketPath, warnings.Add);
        Serilog.Core.Logger? serilog = null;
        WebApplication? app = null;
        try
        {
            Directory.CreateDirectory(options.LogDirectory);
            serilog = CreateLogger(options);
            if (File.Exists(options.SocketPath) || new FileInfo(options.SocketPath).LinkTarget is not null)
            {
                // We hold the lock, so no live daemon owns this file: it is left from a crash.
                File.Delete(options.SocketPath);
                warnings.Add($"removed stale socket {options.SocketPath}");
            }

            DaemonHost? host = null;
            app = Build(options, serilog, cancel => host is null ? Task.CompletedTask : host.StopInBackground(cancel));
            await app.StartAsync(ct).ConfigureAwait(false);
            File.SetUnixFileMode(options.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            instanceLock.WritePid(Environment.ProcessId);
            host = new DaemonHost(options, app, instanceLock, serilog);
            foreach (var warning in warnings) host._logger.LogWarning("{Warning}", warning);
            host._logger.LogInformation(
                "runwayd {Version} (pid {Pid}) listening on {SocketPath}; protocol {Protocol}; max {MaxConcurrent} concurrent renders, {MaxQueued} queued",
                DaemonState.Version, Environment.ProcessId, options.SocketPath, Runway.Protocol.ProtocolInfo.Version,
                options.MaxConcurrentRenders, options.MaxQueuedRenders);
            return host;
        }
        catch
        {
            if (app is not null) await app.DisposeAsync().ConfigureAwait(false);
            TryDelete(options.SocketPath);
            serilog?.Dispose();
            instanceLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Stops the daemon: no new renders are accepted; renders in flight finish (or are cancelled when
    /// <paramref name="cancelInFlight"/>; also after <see cref="DaemonOptions.ShutdownTimeout"/>); then the listener
    /// closes, arenas are unmapped, and the socket, pid file and lock are released. Idempotent.
    /// </summary>
    public Task StopAsync(bool cancelInFlight = false, CancellationToken ct = default)
    {
        lock (_stopGate) _stopping ??= StopCoreAsync(cancelInFlight);
        return _stopping.WaitAsync(ct);
    }

    /// <summary>Completes when the daemon has fully stopped (by <see cref="StopAsync"/>, Daemon.Shutdown or a signal).</summary>
    public Task WaitForShutdownAsync() => _stopped.Task;

    public ValueTask DisposeAsync() => new(StopAsync());

    private Task StopInBackground(bool cancelInFlight) => Task.Run(async () =>
    {
        // Let the Shutdown reply leave before the listener starts closing.
        await Task.Delay(20).ConfigureAwait(false);
        await StopAsync(cancelInFlight).ConfigureAwait(false);
    });

    private async Task StopCoreAsync(bool cancelInFlight)
    {
        try
        {
            _logger.LogInformation("Stopping (cancel in flight: {CancelInFlight})", cancelInFlight);
            var pipeline = _app.Services.GetRequiredService<RenderPipeline>();
            await pipeline.DrainAsync(cancelInFlight, Options.ShutdownTimeout).ConfigureAwait(false);
            await _app.StopAsync().ConfigureAwait(false);
            _app.Services.GetRequiredService<ArenaRegistry>().Dispose();
            _app.Services.GetRequiredService<ModelRegistry>().Dispose();
            await _app.DisposeAsync().ConfigureAwait(false);
            _logger.LogInformation("Stopped");
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Error while stopping");
        }
        finally
        {
            TryDelete(SocketPath);
            _lock.Dispose();
            await _serilog.DisposeAsync().ConfigureAwait(false);
            _stopped.TrySetResult();
        }
    }

    private static WebApplication Build(DaemonOptions options, Serilog.Core.Logger serilog, Func<bool, Task> requestStop)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "runwayd" });
        builder.Services.AddSerilog(serilog, dispose: false);
        // Signals are the executable's business (Program.cs); an in-process test daemon must not react to them.
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout + TimeSpan.FromSeconds(5));

        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // Frames travel through shared memory; these only matter for the inline fallback's chunks.
            k.Limits.Http2.InitialConnectionWindowSize = 16 << 20;
            k.Limits.Http2.InitialStreamWindowSize = 8 << 20;
            k.Limits.MinRequestBodyDataRate = null;
            k.ListenUnixSocket(options.SocketPath, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(next =>
                {
                    var guard = listen.ApplicationServices.GetRequiredService<PeerGuard>();
                    return connection => guard.OnConnectionAsync(connection, next);
                });
            });
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(sp => new DaemonState(options, requestStop));
        services.AddSingleton(sp => new PeerGuard(options.AllowedPeerUid ?? Libc.EffectiveUid, sp.GetRequiredService<ILogger<PeerGuard>>()));
        services.AddSingleton(sp => new ArenaRegistry(options.ArenaDirectory, options.MaxArenas, sp.GetRequiredService<ILogger<ArenaRegistry>>()));
        services.AddSingleton<SlotLeases>();
        services.AddSingleton(new RenderScheduler(options.MaxConcurrentRenders, options.MaxQueuedRenders));
        services.AddSingleton(sp => new ModelRegistry(
            new ModelRegistryOptions(options.ModelsDirectory, (long)options.MemoryBudgetMb << 20, IntraOpThreads: options.ModelThreads),
            message => sp.GetRequiredService<ILoggerFactory>().CreateLogger("models").LogInformation("{Message}", message)));
        // Every effect renders with its best usable model pack and falls back to its classical engine.
        services.AddSingleton(sp =>
        {
            var registry = sp.GetRequiredService<ModelRegistry>();
            var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("models");
            // Extend shot gets an engine of this daemon's own: its tail cache takes the configured budgets and directory.
            var extend = new Runway.Effects.Engines.Extend.ExtendShotEngine(new Runway.Effects.Engines.Extend.ExtendShotOptions(),
                new Runway.Effects.Engines.Extend.TailCacheSettings((long)options.TailCacheMb << 20, options.TailCacheDirectory, (long)options.TailCacheDiskMb << 20));
            return new FrameRenderer(options.MaxFramePixels, EffectLookup.Catalog with
            {
                Create = id => new ModelBackedEffect(id == extend.Definition.Id ? extend : EffectLookup.Catalog.Create(id), registry,
                    m => log.LogWarning("{Message}", m)),
            });
        });
        services.AddSingleton<DaemonStats>();
        services.AddSingleton<IdleHeapTrim>();
        services.AddSingleton<RenderPipeline>();
        services.AddRouting();
        services.AddGrpc(o =>
        {
            o.Interceptors.Add<FaultInterceptor>();
            o.Interceptors.Add<ProtocolVersionInterceptor>();
            o.EnableDetailedErrors = false;
            o.MaxReceiveMessageSize = 2 * Runway.Protocol.ProtocolInfo.InlineChunkBytes + (64 << 10);
        });

        var app = builder.Build();
        app.MapGrpcService<EffectsService>();
        app.MapGrpcService<RenderService>();
        app.MapGrpcService<DaemonService>();
        app.MapGrpcService<ModelsService>();
        app.MapGrpcService<LooksService>();
        return app;
    }

    private static Serilog.Core.Logger CreateLogger(DaemonOptions options)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Grpc", Serilog.Events.LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Pid", Environment.ProcessId)
            // One JSON object per line: structured for tools, still greppable by people.
            .WriteTo.File(new CompactJsonFormatter(), options.LogPath, fileSizeLimitBytes: 10 << 20, rollOnFileSizeLimit: true,
                retainedFileCountLimit: 5, shared: true);
        if (options.Foreground)
            config = config.WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}");
        return config.CreateLogger();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the next start removes a leftover socket under the lock anyway.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A host lifetime that does nothing: stopping is driven by <see cref="StopAsync"/> only.</summary>
    private sealed class ManualLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
