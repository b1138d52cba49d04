namespace Runway.Client;

/// <summary>Outcome of a client call. Values equal <c>rw_status</c> in runway_client.h and never change.</summary>
public enum RunwayStatus
{
    /// <summary>Success.</summary>
    Ok = 0,
    /// <summary>Bad image layout, unknown param, value out of range, stale or busy slot.</summary>
    InvalidArgument = 1,
    /// <summary>The daemon is not running and could not be started, or died during the call.</summary>
    Unavailable = 2,
    /// <summary>The caller cancelled (OFX abort) or the daemon cancelled the work.</summary>
    Cancelled = 3,
    /// <summary>The call's time limit elapsed.</summary>
    Deadline = 4,
    /// <summary>Frame too large, daemon overloaded, shared memory or RAM exhausted.</summary>
    ResourceExhausted = 5,
    /// <summary>Client and daemon speak different protocol versions.</summary>
    ProtocolMismatch = 6,
    /// <summary>Unknown effect id (or a model that is not installed).</summary>
    NotFound = 7,
    /// <summary>Anything else; the message says what.</summary>
    Internal = 8,
}
