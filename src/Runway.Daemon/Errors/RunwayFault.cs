using Grpc.Core;

namespace Runway.Daemon.Errors;

/// <summary>Machine-readable failure reasons sent in the <c>runway-reason</c> trailer (values are part of the protocol).</summary>
public static class Reasons
{
    /// <summary>Trailer key carrying one of the reason strings below.</summary>
    public const string TrailerKey = "runway-reason";

    public const string InvalidArgument = "invalid-argument";
    public const string NotFound = "not-found";
    public const string ResourceExhausted = "resource-exhausted";
    public const string Cancelled = "cancelled";
    public const string Deadline = "deadline";
    public const string ProtocolMismatch = "protocol-mismatch";
    public const string SlotBusy = "slot-busy";
    public const string StaleSlot = "stale-slot";
    public const string ModelMissing = "model-missing";
    public const string Internal = "internal";
}

/// <summary>
/// A failure with its gRPC status code and reason, thrown by the daemon's domain classes and turned into an
/// <see cref="RpcException"/> (status + <c>runway-reason</c> trailer) at the service boundary.
/// </summary>
public sealed class RunwayFault(StatusCode code, string reason, string message) : Exception(message)
{
    public StatusCode Code { get; } = code;

    public string Reason { get; } = reason;

    public static RunwayFault Invalid(string message) => new(StatusCode.InvalidArgument, Reasons.InvalidArgument, message);

    public static RunwayFault NotFound(string message) => new(StatusCode.NotFound, Reasons.NotFound, message);

    public static RunwayFault Exhausted(string message) => new(StatusCode.ResourceExhausted, Reasons.ResourceExhausted, message);

    public static RunwayFault Stale(string message) => new(StatusCode.FailedPrecondition, Reasons.StaleSlot, message);

    public static RunwayFault Busy(string message) => new(StatusCode.FailedPrecondition, Reasons.SlotBusy, message);

    public static RunwayFault Cancelled(string message) => new(StatusCode.Cancelled, Reasons.Cancelled, message);

    /// <summary>The daemon is stopping. The status is Unavailable (retry later); the reason list has no closer word than "cancelled".</summary>
    public static RunwayFault Stopping(string message) => new(StatusCode.Unavailable, Reasons.Cancelled, message);

    public static RunwayFault ProtocolMismatch(string message) => new(StatusCode.FailedPrecondition, Reasons.ProtocolMismatch, message);

    /// <summary>The wire form: status with the human message, and the reason as a trailer.</summary>
    public RpcException ToRpcException() => new(new Status(Code, Message), new Metadata { { Reasons.TrailerKey, Reason } });
}
