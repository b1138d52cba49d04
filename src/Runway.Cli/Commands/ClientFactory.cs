using Runway.Client;

namespace Runway.Cli.Commands;

/// <summary>One place that builds the CLI's client, so every command finds and starts the daemon the same way.</summary>
internal static class ClientFactory
{
    public static RunwayClient Create(bool inline = false)
    {
        var options = RunwayClientOptions.FromEnvironment("runway-cli");
        if (inline) options = options with { Transport = FrameTransport.Inline };
        return new RunwayClient(options);
    }
}
