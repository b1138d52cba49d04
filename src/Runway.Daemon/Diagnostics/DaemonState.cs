using System.Diagnostics;
using System.Reflection;

namespace Runway.Daemon.Diagnostics;

/// <summary>Facts about this daemon instance that Health reports, and the hook services use to ask for a stop.</summary>
internal sealed class DaemonState(DaemonOptions options, Func<bool, Task> requestStop)
{
    private readonly long _started = Stopwatch.GetTimestamp();

    /// <summary>Informational version of runwayd (without the source-revision suffix).</summary>
    public static string Version { get; } =
        (typeof(DaemonState).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
            .Split('+')[0];

    public DaemonOptions Options { get; } = options;

    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_started);

    /// <summary>Execution providers model sessions can use, in the order they are tried; the CPU build has only the CPU.</summary>
    public IReadOnlyList<string> ExecutionProviders { get; } = Runway.Models.Runtime.ExecutionProviders.Available;

    /// <summary>Starts a stop in the background (the caller's reply must still go out).</summary>
    public Task RequestStop(bool cancelInFlight) => requestStop(cancelInFlight);
}
