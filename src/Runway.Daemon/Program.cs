using System.Runtime.InteropServices;
using Runway.Daemon;
using Runway.Daemon.Hosting;

// runwayd: parse configuration, start the daemon, stop gracefully on SIGTERM/SIGINT or Daemon.Shutdown.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(DaemonOptions.Usage);
    return 0;
}
if (args.Contains("--version"))
{
    Console.WriteLine($"runwayd {Runway.Daemon.Diagnostics.DaemonState.Version} (protocol {Runway.Protocol.ProtocolInfo.Version})");
    return 0;
}

DaemonOptions options;
try
{
    options = DaemonOptions.Load(args);
}
catch (DaemonConfigException e)
{
    Console.Error.WriteLine($"runwayd: {e.Message}");
    return 2;
}

DaemonHost host;
try
{
    host = await DaemonHost.StartAsync(options);
}
catch (DaemonAlreadyRunningException e)
{
    // Not an error: whoever started us wanted a daemon, and there is one.
    Console.WriteLine(e.Message);
    return 0;
}
catch (Exception e) when (e is DaemonConfigException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"runwayd: cannot start: {e.Message}");
    return 1;
}

TaskScheduler.UnobservedTaskException += (_, e) => e.SetObserved();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
await host.WaitForShutdownAsync();
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true; // graceful: finish renders in flight, then exit
    _ = host.StopAsync();
}
