using Runway.Client.Interop;

namespace Runway.Client;

/// <summary>Where the daemon's socket and executable are, by the shared conventions.</summary>
public static class RunwayPaths
{
    /// <summary>Environment variable overriding the socket path.</summary>
    public const string SocketEnv = "RUNWAY_SOCKET";

    /// <summary>Environment variable naming the runwayd apphost or runwayd.dll to auto-start.</summary>
    public const string DaemonPathEnv = "RUNWAY_DAEMON_PATH";

    /// <summary>
    /// RUNWAY_SOCKET if set, else $XDG_RUNTIME_DIR/runway/runwayd.sock, else /tmp/runway-$UID/runwayd.sock.
    /// </summary>
    public static string DefaultSocketPath()
    {
        var explicitPath = Environment.GetEnvironmentVariable(SocketEnv);
        if (!string.IsNullOrEmpty(explicitPath)) return explicitPath;
        var runtimeDir = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtimeDir)) return Path.Combine(runtimeDir, "runway", "runwayd.sock");
        return Path.Combine("/tmp", $"runway-{Libc.UserId}", "runwayd.sock");
    }

    /// <summary>The pid file the daemon writes next to its socket.</summary>
    public static string PidFile(string socketPath) => Path.Combine(Path.GetDirectoryName(socketPath) ?? ".", "runwayd.pid");

    /// <summary>
    /// The daemon to auto-start: RUNWAY_DAEMON_PATH (apphost or .dll), else ~/.local/share/runway/daemon/runwayd,
    /// else runwayd on PATH. Returns null when none exists.
    /// </summary>
    public static string? FindDaemon(string? configured = null)
    {
        var fromEnv = string.IsNullOrEmpty(configured) ? Environment.GetEnvironmentVariable(DaemonPathEnv) : configured;
        if (!string.IsNullOrEmpty(fromEnv)) return File.Exists(fromEnv) ? Path.GetFullPath(fromEnv) : null;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home))
        {
            var installed = Path.Combine(home, ".local", "share", "runway", "daemon", "runwayd");
            if (File.Exists(installed)) return installed;
        }
        return FindOnPath("runwayd");
    }

    /// <summary>The first executable file named <paramref name="name"/> on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path)) return null;
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
