using System.Globalization;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Runway.Protocol;

namespace Runway.Daemon.Errors;

/// <summary>
/// Refuses any call whose <c>runway-protocol</c> header is missing or differs from <see cref="ProtocolInfo.Version"/>.
/// Daemon.Hello is exempt: it carries the version in its body so a mismatched client still learns both numbers.
/// </summary>
internal sealed class ProtocolVersionInterceptor : Interceptor
{
    /// <summary>Full method name of Daemon.Hello.</summary>
    public const string HelloMethod = "/runway.v1.Daemon/Hello";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    /// <summary>The error a client speaking <paramref name="clientVersion"/> gets.</summary>
    public static RunwayFault Mismatch(string clientVersion) => RunwayFault.ProtocolMismatch(
        $"client speaks runway protocol {clientVersion}, daemon speaks {ProtocolInfo.Version.ToString(CultureInfo.InvariantCulture)}; " +
        "install matching versions of the plugin and runwayd");

    private static void Check(ServerCallContext context)
    {
        if (context.Method == HelloMethod) return;
        var header = context.RequestHeaders.GetValue(ProtocolInfo.VersionHeader);
        if (header is null)
            throw Mismatch($"unknown (no {ProtocolInfo.VersionHeader} header)");
        if (!uint.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version != ProtocolInfo.Version)
            throw Mismatch(header);
    }
}
