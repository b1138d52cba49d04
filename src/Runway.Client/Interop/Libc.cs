using System.Runtime.InteropServices;

namespace Runway.Client.Interop;

/// <summary>The few libc calls .NET does not expose.</summary>
internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();

    private static readonly Lazy<uint> s_uid = new(() => OperatingSystem.IsWindows() ? 0u : GetUid());

    /// <summary>The real user id of this process.</summary>
    public static uint UserId => s_uid.Value;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private const int ESRCH = 3;

    /// <summary>
    /// True unless the process is known to be gone: no such pid, or a zombie (killed, not yet reaped). Signal 0 only
    /// checks existence; EPERM means it exists under another user.
    /// </summary>
    public static bool ProcessAlive(int pid)
    {
        if (pid <= 0 || OperatingSystem.IsWindows()) return true;
        if (Kill(pid, 0) != 0 && Marshal.GetLastPInvokeError() == ESRCH) return false;
        try
        {
            // "pid (comm) S ..." — the state follows the last ')' because comm may contain spaces or parentheses.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close < 0 || close + 2 >= stat.Length || stat[close + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }
}
