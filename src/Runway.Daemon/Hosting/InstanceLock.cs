using System.Globalization;

namespace Runway.Daemon.Hosting;

/// <summary>Another runwayd already holds the per-user lock for this socket.</summary>
public sealed class DaemonAlreadyRunningException(int? pid, string socketPath)
    : Exception($"runwayd is already running (pid {pid?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}) on {socketPath}")
{
    /// <summary>Pid read from the running daemon's pid file, when readable.</summary>
    public int? Pid { get; } = pid;

    /// <summary>Socket the running daemon listens on.</summary>
    public string SocketPath { get; } = socketPath;
}

/// <summary>
/// One daemon per socket: the socket's directory (created 0700), an flock on <c>runwayd.lock</c> held for the
/// daemon's lifetime, and <c>runwayd.pid</c>. Holding the lock is what makes removing a leftover socket file safe.
/// </summary>
internal sealed class InstanceLock : IDisposable
{
    public const string LockFileName = "runwayd.lock";
    public const string PidFileName = "runwayd.pid";

    private readonly FileStream _lockFile;

    private InstanceLock(string directory, FileStream lockFile)
    {
        Directory = directory;
        _lockFile = lockFile;
    }

    public string Directory { get; }

    public string PidPath => Path.Combine(Directory, PidFileName);

    /// <summary>Creates the socket directory if needed and takes the lock; throws <see cref="DaemonAlreadyRunningException"/> when held.</summary>
    public static InstanceLock Acquire(string socketPath, Action<string>? warn = null)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(socketPath))
            ?? throw new ArgumentException($"socket path '{socketPath}' has no directory", nameof(socketPath));
        EnsurePrivateDirectory(directory, warn);

        var lockPath = Path.Combine(directory, LockFileName);
        FileStream stream;
        try
        {
            // On Unix, FileShare.None makes .NET take flock(LOCK_EX|LOCK_NB); a second open anywhere (this process
            // included) fails while it is held, which is exactly the single-instance test we want.
            stream = new FileStream(lockPath, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            throw new DaemonAlreadyRunningException(ReadPid(Path.Combine(directory, PidFileName)), socketPath);
        }

        // .NET's own locking can be switched off (DOTNET_SYSTEM_IO_DISABLEFILELOCKING); the explicit flock keeps the
        // guarantee either way and is a no-op when .NET already holds it on this descriptor.
        if (!Libc.TryLockExclusive(stream.SafeFileHandle))
        {
            stream.Dispose();
            throw new DaemonAlreadyRunningException(ReadPid(Path.Combine(directory, PidFileName)), socketPath);
        }
        return new InstanceLock(directory, stream);
    }

    /// <summary>Writes this process's pid next to the socket.</summary>
    public void WritePid(int pid)
    {
        var tmp = PidPath + ".tmp";
        File.WriteAllText(tmp, pid.ToString(CultureInfo.InvariantCulture) + "\n");
        File.Move(tmp, PidPath, overwrite: true);
    }

    /// <summary>Reads a pid file; null when missing or unreadable.</summary>
    public static int? ReadPid(string pidPath)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidPath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(PidPath);
        }
        catch (IOException)
        {
            // Best effort: a stale pid file is harmless because the lock, not the pid file, decides who runs.
        }
        _lockFile.Dispose();
    }

    private static void EnsurePrivateDirectory(string directory, Action<string>? warn)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return;
        }
        // An existing directory is not re-permissioned: a user-chosen RUNWAY_SOCKET may sit in a shared directory
        // such as /tmp. The socket file's 0600 mode and the peer-uid check still keep other users out.
        var mode = File.GetUnixFileMode(directory);
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if ((mode & others) != 0)
            warn?.Invoke($"socket directory {directory} has mode {Convert.ToString((int)mode, 8)}, not 0700");
    }
}
