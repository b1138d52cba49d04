using System.Diagnostics;

namespace Runway.Client.Connection;

/// <summary>Starts runwayd detached from the calling process (own session, stdio on /dev/null).</summary>
internal static class DaemonLauncher
{
    // The shell backgrounds the daemon and exits at once, so the daemon is re-parented to init and outlives the
    // host; setsid gives it its own session so the host's terminal signals never reach it.
    private const string Script =
        "if command -v setsid >/dev/null 2>&1; then setsid \"$@\" </dev/null >/dev/null 2>&1 & " +
        "else \"$@\" </dev/null >/dev/null 2>&1 & fi";

    /// <summary>Launches <paramref name="daemon"/> (an apphost, or a .dll run with dotnet) listening on <paramref name="socketPath"/>.</summary>
    public static void Start(string daemon, IReadOnlyList<string> arguments, string socketPath)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add("runwayd-launcher");
        if (daemon.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(FindDotnet() ?? throw new RunwayException(RunwayStatus.Unavailable,
                $"cannot start {daemon}: no dotnet executable found (set DOTNET_ROOT or put dotnet on PATH)"));
        }
        info.ArgumentList.Add(daemon);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        // The client decided where to look; make the daemon listen exactly there.
        info.Environment[RunwayPaths.SocketEnv] = socketPath;
        try
        {
            using var shell = Process.Start(info) ?? throw new InvalidOperationException("no process");
            shell.WaitForExit(5000);
        }
        catch (Exception e) when (e is not RunwayException)
        {
            throw new RunwayException(RunwayStatus.Unavailable, $"cannot start runwayd ({daemon}): {e.Message}", e);
        }
    }

    private static string? FindDotnet()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        return RunwayPaths.FindOnPath("dotnet")
               ?? new[] { "/usr/share/dotnet/dotnet", "/usr/lib/dotnet/dotnet", "/usr/local/share/dotnet/dotnet" }.FirstOrDefault(File.Exists);
    }
}
