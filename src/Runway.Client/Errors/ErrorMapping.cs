using Grpc.Core;

namespace Runway.Client;

/// <summary>Turns gRPC failures into <see cref="RunwayException"/>s.</summary>
internal static class ErrorMapping
{
    /// <summary>gRPC trailer in which the daemon names the machine reason of a failure.</summary>
    public const string ReasonTrailer = "runway-reason";

    public static RunwayStatus FromReason(string reason) => reason switch
    {
        "invalid-argument" or "slot-busy" or "stale-slot" => RunwayStatus.InvalidArgument,
        "not-found" or "model-missing" => RunwayStatus.NotFound,
        "resource-exhausted" => RunwayStatus.ResourceExhausted,
        "cancelled" => RunwayStatus.Cancelled,
        "deadline" => RunwayStatus.Deadline,
        "protocol-mismatch" => RunwayStatus.ProtocolMismatch,
        _ => RunwayStatus.Internal,
    };

    public static RunwayStatus FromStatusCode(StatusCode code) => code switch
    {
        StatusCode.OK => RunwayStatus.Ok,
        StatusCode.InvalidArgument or StatusCode.OutOfRange or StatusCode.FailedPrecondition => RunwayStatus.InvalidArgument,
        StatusCode.NotFound => RunwayStatus.NotFound,
        StatusCode.ResourceExhausted => RunwayStatus.ResourceExhausted,
        StatusCode.Cancelled => RunwayStatus.Cancelled,
        StatusCode.DeadlineExceeded => RunwayStatus.Deadline,
        StatusCode.Unavailable => RunwayStatus.Unavailable,
        _ => RunwayStatus.Internal,
    };

    /// <summary>Maps a failed call; <paramref name="what"/> names the operation for the message.</summary>
    public static RunwayException FromRpc(RpcException e, string what)
    {
        var reason = e.Trailers?.GetValue(ReasonTrailer);
        var status = !string.IsNullOrEmpty(reason) ? FromReason(reason) : FromStatusCode(e.StatusCode);
        var detail = string.IsNullOrWhiteSpace(e.Status.Detail) ? e.StatusCode.ToString() : e.Status.Detail;
        var message = status switch
        {
            RunwayStatus.Unavailable => $"{what} failed: runwayd is unavailable ({detail})",
            RunwayStatus.Deadline => $"{what} failed: the time limit elapsed ({detail})",
            RunwayStatus.Cancelled => $"{what} was cancelled ({detail})",
            _ => $"{what} failed: {detail}",
        };
        return new RunwayException(status, message, e, reason);
    }
}
