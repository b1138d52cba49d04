using Grpc.Core;

namespace Runway.Client.Tests;

public sealed class ErrorMappingTests
{
    [Theory]
    [InlineData("invalid-argument", RunwayStatus.InvalidArgument)]
    [InlineData("slot-busy", RunwayStatus.InvalidArgument)]
    [InlineData("stale-slot", RunwayStatus.InvalidArgument)]
    [InlineData("not-found", RunwayStatus.NotFound)]
    [InlineData("resource-exhausted", RunwayStatus.ResourceExhausted)]
    [InlineData("cancelled", RunwayStatus.Cancelled)]
    [InlineData("deadline", RunwayStatus.Deadline)]
    [InlineData("protocol-mismatch", RunwayStatus.ProtocolMismatch)]
    [InlineData("internal", RunwayStatus.Internal)]
    public void Daemon_reason_trailer_decides_the_status(string reason, RunwayStatus expected)
    {
        // The gRPC code deliberately disagrees with the reason: the reason wins.
        var e = new RpcException(new Status(StatusCode.Unknown, "why"), new Metadata { { "runway-reason", reason } });
        var mapped = ErrorMapping.FromRpc(e, "render");
        Assert.Equal(expected, mapped.Status);
        Assert.Equal(reason, mapped.Reason);
        Assert.Contains("why", mapped.Message);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, RunwayStatus.InvalidArgument)]
    [InlineData(StatusCode.NotFound, RunwayStatus.NotFound)]
    [InlineData(StatusCode.Unavailable, RunwayStatus.Unavailable)]
    [InlineData(StatusCode.DeadlineExceeded, RunwayStatus.Deadline)]
    [InlineData(StatusCode.Cancelled, RunwayStatus.Cancelled)]
    [InlineData(StatusCode.ResourceExhausted, RunwayStatus.ResourceExhausted)]
    [InlineData(StatusCode.DataLoss, RunwayStatus.Internal)]
    public void Without_a_reason_the_grpc_code_decides_the_status(StatusCode code, RunwayStatus expected)
    {
        Assert.Equal(expected, ErrorMapping.FromRpc(new RpcException(new Status(code, "x")), "call").Status);
    }

    [Fact]
    public void Status_values_equal_the_c_header()
    {
        var header = File.ReadAllText(Path.Combine(TestPaths.RepoRoot(), "src", "Runway.Client", "include", "runway_client.h"));
        foreach (var (name, status) in new (string, RunwayStatus)[]
                 {
                     ("RW_OK", RunwayStatus.Ok), ("RW_ERR_INVALID_ARGUMENT", RunwayStatus.InvalidArgument),
                     ("RW_ERR_UNAVAILABLE", RunwayStatus.Unavailable), ("RW_ERR_CANCELLED", RunwayStatus.Cancelled),
                     ("RW_ERR_DEADLINE", RunwayStatus.Deadline), ("RW_ERR_RESOURCE_EXHAUSTED", RunwayStatus.ResourceExhausted),
                     ("RW_ERR_PROTOCOL_MISMATCH", RunwayStatus.ProtocolMismatch), ("RW_ERR_NOT_FOUND", RunwayStatus.NotFound),
                     ("RW_ERR_INTERNAL", RunwayStatus.Internal),
                 })
            Assert.Matches($@"\b{name}\s*=\s*{(int)status}\b", header);
    }
}
