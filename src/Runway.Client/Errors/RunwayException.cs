namespace Runway.Client;

/// <summary>The one exception type the client throws: a <see cref="RunwayStatus"/> plus a human sentence.</summary>
public sealed class RunwayException : Exception
{
    /// <summary>Creates an exception with a status and message.</summary>
    public RunwayException(RunwayStatus status, string message, Exception? inner = null, string? reason = null)
        : base(message, inner)
    {
        Status = status;
        Reason = reason;
    }

    /// <summary>What kind of failure this is; maps 1:1 to <c>rw_status</c>.</summary>
    public RunwayStatus Status { get; }

    /// <summary>The daemon's machine reason (the "runway-reason" trailer), when the daemon gave one.</summary>
    public string? Reason { get; }
}
