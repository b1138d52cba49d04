using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace Runway.Daemon.Hosting;

/// <summary>Who is on the other end of a connection, from SO_PEERCRED.</summary>
internal sealed record PeerInfo(int Pid, uint Uid, uint Gid);

/// <summary>
/// Kestrel connection middleware: reads the peer's credentials from the Unix socket and closes connections from any
/// other uid (logged) before a single byte of HTTP/2 is read. Also keeps the live connections, so services can find
/// the calling process (arena ownership) and Stats can count clients.
/// </summary>
internal sealed class PeerGuard(uint allowedUid, ILogger<PeerGuard> logger)
{
    private readonly ConcurrentDictionary<string, PeerInfo> _connections = new(StringComparer.Ordinal);

    /// <summary>Connections currently open.</summary>
    public int Count => _connections.Count;

    /// <summary>The peer of a connection (HttpContext.Connection.Id), or null when unknown.</summary>
    public PeerInfo? Find(string connectionId) => _connections.TryGetValue(connectionId, out var peer) ? peer : null;

    /// <summary>Reads SO_PEERCRED (struct ucred: pid, uid, gid as 32-bit ints) from a connected Unix socket.</summary>
    public static PeerInfo? ReadCredentials(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12];
        var n = socket.GetRawSocketOption(Libc.SolSocket, Libc.SoPeerCred, ucred);
        if (n < 12) return null;
        return new PeerInfo(
            BinaryPrimitives.ReadInt32LittleEndian(ucred),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]));
    }

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        PeerInfo? peer;
        try
        {
            peer = socket is null ? null : ReadCredentials(socket);
        }
        catch (SocketException e)
        {
            logger.LogWarning("Closing connection {ConnectionId}: cannot read peer credentials ({Error})", connection.ConnectionId, e.Message);
            connection.Abort();
            return;
        }
        if (peer is null)
        {
            logger.LogWarning("Closing connection {ConnectionId}: the transport gives no peer credentials", connection.ConnectionId);
            connection.Abort();
            return;
        }
        if (peer.Uid != allowedUid)
        {
            logger.LogWarning("Refused connection {ConnectionId} from uid {PeerUid} (pid {PeerPid}); only uid {AllowedUid} may use this daemon",
                connection.ConnectionId, peer.Uid, peer.Pid, allowedUid);
            connection.Abort();
            return;
        }

        _connections[connection.ConnectionId] = peer;
        logger.LogDebug("Connection {ConnectionId} from pid {PeerPid}", connection.ConnectionId, peer.Pid);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection.ConnectionId, out _);
        }
    }
}
