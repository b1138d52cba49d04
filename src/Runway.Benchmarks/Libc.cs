using System.Runtime.InteropServices;

namespace Runway.Benchmarks;

/// <summary>The process environment as native code sees it (Environment.SetEnvironmentVariable is managed-only on Unix).</summary>
internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    public static void SetEnvironment(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (SetEnv(name, value, 1) != 0) throw new InvalidOperationException($"setenv({name}) failed");
    }
}
