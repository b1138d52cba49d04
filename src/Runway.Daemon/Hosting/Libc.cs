using System.Runtime.InteropServices;

namespace Runway.Daemon.Hosting;

/// <summary>The few libc calls .NET does not expose: the daemon's own uid and an explicit flock.</summary>
internal static partial class Libc
{
    private const int LockExclusive = 2, LockNonBlocking = 4;

    /// <summary>SOL_SOCKET and SO_PEERCRED on Linux.</summary>
    public const int SolSocket = 1, SoPeerCred = 17;

    [LibraryImport("libc", SetLastError = true)]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int operation);

    // O_RDWR and O_CLOEXEC have the same values on every Linux architecture .NET runs on.
    private const int OpenReadWrite = 2, OpenCloseOnExec = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    /// <summary>
    /// Opens a file read-write without .NET's advisory flock, which a FileStream open would take and which fails when
    /// the file's creator holds an exclusive one. Returns null and the errno text on failure.
    /// </summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle? OpenReadWriteNoLock(string path, out string? error)
    {
        var fd = open(path, OpenReadWrite | OpenCloseOnExec);
        if (fd < 0)
        {
            error = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            return null;
        }
        error = null;
        return new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>The effective uid of this process.</summary>
    public static uint EffectiveUid => geteuid();

    /// <summary>Takes an exclusive, non-blocking flock on an open file; false when another open file holds it.</summary>
    public static bool TryLockExclusive(SafeHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return flock((int)handle.DangerousGetHandle(), LockExclusive | LockNonBlocking) == 0;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }
}
