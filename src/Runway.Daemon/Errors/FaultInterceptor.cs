using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Runway.Daemon.Errors;

/// <summary>
/// The one place failures become wire errors: <see cref="RunwayFault"/> → its status and reason, cancellation →
/// Cancelled/DeadlineExceeded, anything unexpected → Internal (logged with its stack). Nothing escapes to kill the daemon.
/// </summary>
internal sealed class FaultInterceptor(ILogger<FaultInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    private RpcException Map(Exception e, ServerCallContext context)
    {
        switch (e)
        {
            case RunwayFault fault:
                logger.LogInformation("{Method} failed: {Reason} {Message}", context.Method, fault.Reason, fault.Message);
                return fault.ToRpcException();
            // A client that went away mid-call surfaces as cancellation or as an I/O error on its stream.
            case OperationCanceledException or IOException when context.CancellationToken.IsCancellationRequested:
            {
                var deadline = context.Deadline != DateTime.MaxValue && context.Deadline <= DateTime.UtcNow;
                logger.LogInformation("{Method} ended early: {Why}", context.Method, deadline ? "deadline passed" : "client cancelled or disconnected");
                return deadline
                    ? new RunwayFault(StatusCode.DeadlineExceeded, Reasons.Deadline, "the call's deadline passed before the render finished").ToRpcException()
                    : RunwayFault.Cancelled("the call was cancelled by the client").ToRpcException();
            }
            case OperationCanceledException:
                logger.LogInformation("{Method} cancelled by the daemon", context.Method);
                return RunwayFault.Cancelled("the render was cancelled because the daemon is shutting down").ToRpcException();
            default:
                logger.LogError(e, "{Method} failed unexpectedly", context.Method);
                return new RunwayFault(StatusCode.Internal, Reasons.Internal, $"internal daemon error: {e.GetType().Name}: {e.Message}").ToRpcException();
        }
    }
}
