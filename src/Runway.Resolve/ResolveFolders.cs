namespace Runway.Resolve;

/// <summary>Which operating system's Resolve layout to use (a parameter so every layout is testable on any machine).</summary>
public enum ResolveOs
{
    /// <summary>Linux (Resolve under /opt/resolve).</summary>
    Linux,
    /// <summary>macOS.</summary>
    MacOs,
    /// <summary>Windows.</summary>
    Windows,
}

/// <summary>Resolve's folders for one OS and scope.</summary>
/// <param name="ScriptsDir">Fusion/Scripts folder; its <c>Utility</c> subfolder is Workspace ▸ Scripts ▸ Utility on every page.</param>
/// <param name="LutDir">The LUT folder Resolve scans (new files appear after <c>Project.RefreshLUTList()</c>).</param>
/// <param name="ScriptApiDir">RESOLVE_SCRIPT_API (its <c>Modules</c> holds DaVinciResolveScript for external scripts).</param>
/// <param name="ScriptLib">RESOLVE_SCRIPT_LIB (fusionscript library).</param>
public sealed record ResolvePaths(string ScriptsDir, string LutDir, string ScriptApiDir, string ScriptLib)
{
    /// <summary>The Workspace ▸ Scripts ▸ Utility folder.</summary>
    public string UtilityDir => Path.Combine(ScriptsDir, "Utility");
}

/// <summary>
/// Resolve's script and LUT folders per OS, from Blackmagic's documented locations. Per-user script folders need no
/// administrator rights, so they are the default for installs; the LUT folder is system-wide on every OS.
/// </summary>
public static class ResolveFolders
{
    /// <summary>The OS this process runs on.</summary>
    public static ResolveOs CurrentOs =>
        OperatingSystem.IsWindows() ? ResolveOs.Windows : OperatingSystem.IsMacOS() ? ResolveOs.MacOs : ResolveOs.Linux;

    /// <summary>Resolve's folders on this machine.</summary>
    /// <param name="perUser">Per-user Scripts folder (true) or the system-wide one.</param>
    public static ResolvePaths Current(bool perUser = true) =>
        For(CurrentOs, perUser, Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>Resolve's folders for <paramref name="os"/>.</summary>
    /// <param name="os">The layout to use.</param>
    /// <param name="perUser">Per-user Scripts folder (true) or the system-wide one.</param>
    /// <param name="env">Environment lookup (PROGRAMDATA, APPDATA on Windows; RESOLVE_SCRIPT_API/LIB override everywhere).</param>
    /// <param name="home">The user's home folder.</param>
    public static ResolvePaths For(ResolveOs os, bool perUser, Func<string, string?> env, string home)
    {
        ArgumentNullException.ThrowIfNull(env);
        // Paths are joined with the target OS's separator, not this machine's, so a Windows layout reads as Windows.
        var (scripts, lut, api, lib) = os switch
        {
            ResolveOs.Linux => (
                perUser ? Join('/', home, ".local/share/DaVinciResolve/Fusion/Scripts") : "/opt/resolve/Fusion/Scripts",
                "/opt/resolve/LUT",
                "/opt/resolve/Developer/Scripting",
                "/opt/resolve/libs/Fusion/fusionscript.so"),
            ResolveOs.MacOs => (
                Join('/', perUser ? Join('/', home, "Library") : "/Library", "Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts"),
                "/Library/Application Support/Blackmagic Design/DaVinci Resolve/LUT",
                "/Library/Application Support/Blackmagic Design/DaVinci Resolve/Developer/Scripting",
                "/Applications/DaVinci Resolve/DaVinci Resolve.app/Contents/Libraries/Fusion/fusionscript.so"),
            _ => (
                perUser
                    ? Join('\\', env("APPDATA") ?? Join('\\', home, "AppData\\Roaming"), "Blackmagic Design\\DaVinci Resolve\\Support\\Fusion\\Scripts")
                    : Join('\\', ProgramData(env), "Blackmagic Design\\DaVinci Resolve\\Fusion\\Scripts"),
                Join('\\', ProgramData(env), "Blackmagic Design\\DaVinci Resolve\\Support\\LUT"),
                Join('\\', ProgramData(env), "Blackmagic Design\\DaVinci Resolve\\Support\\Developer\\Scripting"),
                "C:\\Program Files\\Blackmagic Design\\DaVinci Resolve\\fusionscript.dll"),
        };
        return new ResolvePaths(scripts, lut, NonEmpty(env("RESOLVE_SCRIPT_API")) ?? api, NonEmpty(env("RESOLVE_SCRIPT_LIB")) ?? lib);
    }

    private static string ProgramData(Func<string, string?> env) => NonEmpty(env("PROGRAMDATA")) ?? "C:\\ProgramData";

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string Join(char sep, string a, string b) => a.TrimEnd(sep) + sep + b;
}
