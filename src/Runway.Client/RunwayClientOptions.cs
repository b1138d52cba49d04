namespace Runway.Client;

/// <summary>How frames travel to the daemon.</summary>
public enum FrameTransport
{
    /// <summary>Through the shared-memory frame arena (same machine; the fast path).</summary>
    SharedMemory,
    /// <summary>As chunked gRPC bytes in <c>Render.RenderInline</c> (remote daemons, benchmarks).</summary>
    Inline,
}

/// <summary>Settings of a <see cref="RunwayClient"/>. Defaults follow the shared conventions.</summary>
public sealed record RunwayClientOptions
{
    /// <summary>Socket of the daemon; null = <see cref="RunwayPaths.DefaultSocketPath"/>.</summary>
    public string? SocketPath { get; init; }

    /// <summary>Shown in daemon logs, e.g. "ofx:DaVinci Resolve" or "runway-cli".</summary>
    public string ClientName { get; init; } = "runway-client";

    /// <summary>
    /// Who this client is to the daemon's render scheduler, sent on every call as the <c>runway-client</c> header: every
    /// client (and connection) with the same identity shares one turn among waiting clients. Null = this process:
    /// <see cref="ClientName"/> plus the process id, so several clients or connections in one host take one turn
    /// together while two hosts each get their own. Non-ASCII characters are sent as '?', and at most
    /// <see cref="MaxIdentityLength"/> characters.
    /// </summary>
    public string? ClientIdentity { get; init; }

    /// <summary>Longest identity sent; longer ones are cut.</summary>
    public const int MaxIdentityLength = 200;

    /// <summary>The identity actually sent: <see cref="ClientIdentity"/> or the process default, as printable ASCII.</summary>
    public string EffectiveIdentity
    {
        get
        {
            var raw = string.IsNullOrWhiteSpace(ClientIdentity)
                ? $"{ClientName} pid {Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
                : ClientIdentity;
            // HTTP/2 header values must be ASCII; a host name with other characters must not break every call.
            var chars = raw.Length > MaxIdentityLength ? raw[..MaxIdentityLength].ToCharArray() : raw.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                if (chars[i] is < ' ' or > '~') chars[i] = '?';
            }
            return new string(chars);
        }
    }

    /// <summary>Start the daemon when its socket does not answer.</summary>
    public bool AutoStart { get; init; } = true;

    /// <summary>Daemon to start; null = RUNWAY_DAEMON_PATH, ~/.local/share/runway/daemon/runwayd, PATH.</summary>
    public string? DaemonPath { get; init; }

    /// <summary>Extra command-line arguments for an auto-started daemon.</summary>
    public IReadOnlyList<string> DaemonArguments { get; init; } = [];

    /// <summary>How long to wait for an auto-started daemon to answer Health.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Limit for connecting to an existing daemon and completing the Hello handshake.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Default limit for one render (copies and daemon work) when the request gives none.</summary>
    public TimeSpan RenderTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Default frame transport.</summary>
    public FrameTransport Transport { get; init; } = FrameTransport.SharedMemory;

    /// <summary>Directory for arena files.</summary>
    public string ArenaDirectory { get; init; } = "/dev/shm";

    /// <summary>Cap on the summed size of this client's arena files.</summary>
    public ulong ArenaCapBytes { get; init; } = 2UL << 30;

    /// <summary>Copies of at least this many bytes run in parallel bands; <see cref="long.MaxValue"/> turns that off.</summary>
    public long ParallelCopyBytes { get; init; } = Pixels.PixelCopy.DefaultParallelBytes;

    /// <summary>
    /// Reads overrides from the environment: RUNWAY_SOCKET, RUNWAY_DAEMON_PATH, RUNWAY_TRANSPORT (shm|inline),
    /// RUNWAY_ARENA_CAP_MB, RUNWAY_START_TIMEOUT_MS, RUNWAY_NO_AUTOSTART=1, RUNWAY_CLIENT_IDENTITY (the scheduler identity).
    /// </summary>
    public static RunwayClientOptions FromEnvironment(string clientName)
    {
        var options = new RunwayClientOptions { ClientName = clientName };
        if (Environment.GetEnvironmentVariable("RUNWAY_TRANSPORT") is { } transport
            && transport.Equals("inline", StringComparison.OrdinalIgnoreCase))
            options = options with { Transport = FrameTransport.Inline };
        if (ulong.TryParse(Environment.GetEnvironmentVariable("RUNWAY_ARENA_CAP_MB"), out var capMb) && capMb > 0)
            options = options with { ArenaCapBytes = capMb << 20 };
        if (int.TryParse(Environment.GetEnvironmentVariable("RUNWAY_START_TIMEOUT_MS"), out var startMs) && startMs > 0)
            options = options with { StartTimeout = TimeSpan.FromMilliseconds(startMs) };
        if (Environment.GetEnvironmentVariable("RUNWAY_CLIENT_IDENTITY") is { Length: > 0 } identity)
            options = options with { ClientIdentity = identity };
        if (Environment.GetEnvironmentVariable("RUNWAY_NO_AUTOSTART") == "1")
            options = options with { AutoStart = false };
        return options;
    }
}
