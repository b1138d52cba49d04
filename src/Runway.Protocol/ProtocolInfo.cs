namespace Runway.Protocol;

/// <summary>Version and transport facts shared by every client and the daemon.</summary>
public static class ProtocolInfo
{
    /// <summary>Wire protocol version; bumped on any incompatible change to the protos or the arena layout.</summary>
    public const uint Version = 1;

    /// <summary>gRPC metadata key carrying the client's protocol version on every call.</summary>
    public const string VersionHeader = "runway-protocol";

    /// <summary>
    /// gRPC metadata key carrying the client's stable identity (process and host, e.g. "ofx:Nuke 15 pid 4242"): the
    /// daemon's render scheduler gives one turn per identity, however many connections the client opens.
    /// </summary>
    public const string ClientIdentityHeader = "runway-client";

    /// <summary>Size of one inline data chunk in <c>RenderInline</c> streams (below gRPC's 4 MiB default message limit).</summary>
    public const int InlineChunkBytes = 1 << 20;
}
