using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Runway.Client.Arenas;
using Runway.Protocol;
using Runway.Protocol.V1;

namespace Runway.Client.Connection;

/// <summary>Thrown inside the connect callback: the call never reached a daemon, so retrying it is safe.</summary>
internal sealed class DaemonConnectException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// One gRPC channel bound to exactly one socket connection, i.e. to one daemon process. If that connection drops,
/// the channel refuses to dial again (the next daemon would not know this client's arenas); the client then opens a
/// new <see cref="DaemonConnection"/>, handshakes and registers its arenas afresh.
/// </summary>
internal sealed class DaemonConnection : IDisposable
{
    private readonly ConcurrentDictionary<int, Task<uint>> _registrations = new();
    private readonly string _socketPath;
    private readonly TimeSpan _registerTimeout;
    private int _dials;
    private volatile bool _broken;

    /// <param name="socketPath">The daemon's socket.</param>
    /// <param name="registerTimeout">Limit for registering an arena.</param>
    /// <param name="clientIdentity">Sent on every call as <see cref="ProtocolInfo.ClientIdentityHeader"/> (fairness turns); null = not sent.</param>
    public DaemonConnection(string socketPath, TimeSpan registerTimeout, string? clientIdentity = null)
    {
        _socketPath = socketPath;
        _registerTimeout = registerTimeout;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            // One long-lived connection: an idle timeout would look like a lost daemon.
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = false,
        };
        Channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 16 << 20,
            MaxSendMessageSize = 16 << 20,
        });
        var version = ProtocolInfo.Version.ToString(CultureInfo.InvariantCulture);
        var invoker = Channel.Intercept(metadata =>
        {
            metadata.Add(ProtocolInfo.VersionHeader, version);
            if (clientIdentity is not null) metadata.Add(ProtocolInfo.ClientIdentityHeader, clientIdentity);
            return metadata;
        });
        Daemon = new Protocol.V1.Daemon.DaemonClient(invoker);
        Render = new Protocol.V1.Render.RenderClient(invoker);
        Effects = new Protocol.V1.Effects.EffectsClient(invoker);
        Models = new Protocol.V1.Models.ModelsClient(invoker);
        Looks = new Protocol.V1.Looks.LooksClient(invoker);
    }

    public GrpcChannel Channel { get; }

    public Protocol.V1.Daemon.DaemonClient Daemon { get; }

    public Protocol.V1.Render.RenderClient Render { get; }

    public Protocol.V1.Effects.EffectsClient Effects { get; }

    public Protocol.V1.Models.ModelsClient Models { get; }

    public Protocol.V1.Looks.LooksClient Looks { get; }

    /// <summary>The daemon's answer to Hello; set once the handshake succeeded.</summary>
    public HelloResponse? Hello { get; private set; }

    /// <summary>
    /// True once the connection failed, or when the daemon process that answered Hello is gone even though no call
    /// has noticed yet; a new connection must be opened. Checking before each call means a render issued after the
    /// daemon died goes to a fresh daemon instead of failing on the dead connection. (Polling the socket instead is
    /// unsound: the HTTP/2 reader consumes data concurrently, so "readable but nothing available" can be a false alarm,
    /// and a false alarm disposes a channel that other threads are rendering on.)
    /// </summary>
    public bool IsBroken
    {
        get
        {
            if (!_broken && Hello is { } hello && !Interop.Libc.ProcessAlive(hello.DaemonPid)) _broken = true;
            return _broken;
        }
    }

    public void MarkBroken() => _broken = true;

    /// <summary>True when a call failed before reaching any daemon (connect refused, socket missing, redial refused).</summary>
    public static bool NeverReachedDaemon(RpcException e)
    {
        if (e.StatusCode != StatusCode.Unavailable) return false;
        for (Exception? x = e.Status.DebugException ?? e.InnerException; x is not null; x = x.InnerException)
            if (x is DaemonConnectException) return true;
        return false;
    }

    /// <summary>Hello: checks that both sides speak the same protocol version.</summary>
    public async Task<HelloResponse> HandshakeAsync(string clientName, DateTime deadline, CancellationToken ct)
    {
        HelloResponse hello;
        try
        {
            hello = await Daemon.HelloAsync(new HelloRequest
            {
                ProtocolVersion = ProtocolInfo.Version,
                ClientName = clientName,
                ClientPid = Environment.ProcessId,
            }, deadline: deadline, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Trailers?.GetValue(ErrorMapping.ReasonTrailer) == "protocol-mismatch"
                                     || (e.StatusCode == StatusCode.FailedPrecondition && e.Status.Detail.Contains("protocol", StringComparison.OrdinalIgnoreCase)))
        {
            _broken = true;
            throw new RunwayException(RunwayStatus.ProtocolMismatch,
                $"this client speaks runway protocol {ProtocolInfo.Version}; runwayd at {_socketPath} refused it: {e.Status.Detail}", e, "protocol-mismatch");
        }
        if (hello.ProtocolVersion != ProtocolInfo.Version)
        {
            _broken = true;
            throw new RunwayException(RunwayStatus.ProtocolMismatch,
                $"this client speaks runway protocol {ProtocolInfo.Version} but runwayd {hello.DaemonVersion} (pid {hello.DaemonPid}) at {_socketPath} " +
                $"speaks protocol {hello.ProtocolVersion}; install matching versions of the plugin and the daemon", null, "protocol-mismatch");
        }
        Hello = hello;
        return hello;
    }

    /// <summary>The daemon's id for <paramref name="arena"/>, registering it on first use on this connection.</summary>
    public async Task<uint> ArenaIdAsync(FrameArena arena, CancellationToken ct)
    {
        var task = _registrations.GetOrAdd(arena.LocalId, _ => RegisterAsync(arena));
        try
        {
            return await task.WaitAsync(ct).ConfigureAwait(false);
        }
        catch when (task.IsFaulted || task.IsCanceled)
        {
            // Do not cache a failed registration: the next render tries again.
            _registrations.TryRemove(new KeyValuePair<int, Task<uint>>(arena.LocalId, task));
            throw;
        }
    }

    /// <summary>The daemon's id for an arena if it is registered on this connection.</summary>
    public bool TryGetArenaId(FrameArena arena, out uint id)
    {
        id = 0;
        if (!_registrations.TryGetValue(arena.LocalId, out var task) || !task.IsCompletedSuccessfully) return false;
        id = task.Result;
        return true;
    }

    /// <summary>Tells the daemon to unmap an arena (best effort) and forgets it.</summary>
    public async Task ReleaseArenaAsync(FrameArena arena, TimeSpan timeout)
    {
        if (!TryGetArenaId(arena, out var id)) return;
        _registrations.TryRemove(arena.LocalId, out _);
        if (_broken) return;
        try
        {
            await Render.ReleaseArenaAsync(new ReleaseArenaRequest { ArenaId = id }, deadline: DateTime.UtcNow + timeout).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The daemon drops a client's arenas when it goes away anyway.
        }
    }

    public void Dispose()
    {
        _broken = true;
        Channel.Dispose();
    }

    private async Task<uint> RegisterAsync(FrameArena arena)
    {
        // Not tied to the first caller's token: the registration is shared by every render on this connection.
        var reply = await Render.RegisterArenaAsync(new RegisterArenaRequest { Path = arena.Path, FileBytes = arena.FileBytes },
            deadline: DateTime.UtcNow + _registerTimeout).ConfigureAwait(false);
        if (reply.SlotCount != arena.SlotCount || reply.SlotBytes != arena.SlotBytes)
            throw new RunwayException(RunwayStatus.Internal,
                $"runwayd read arena {arena.Path} as {reply.SlotCount} x {reply.SlotBytes} bytes; it was written as {arena.SlotCount} x {arena.SlotBytes}");
        return reply.ArenaId;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        if (Interlocked.Increment(ref _dials) > 1)
        {
            _broken = true;
            throw new DaemonConnectException("the connection to runwayd was lost; reconnecting to a fresh daemon");
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_socketPath), ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (Exception e)
        {
            socket.Dispose();
            _broken = true;
            throw new DaemonConnectException($"cannot connect to runwayd at {_socketPath}: {e.Message}", e);
        }
    }
}
