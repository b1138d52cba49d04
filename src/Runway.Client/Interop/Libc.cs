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
}
