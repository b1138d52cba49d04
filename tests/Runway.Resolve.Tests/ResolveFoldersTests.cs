using Runway.Resolve;

namespace Runway.Resolve.Tests;

public sealed class ResolveFoldersTests
{
    private static string? NoEnv(string _) => null;

    [Fact]
    public void Linux_uses_the_per_user_fusion_scripts_folder_and_opt_resolve_for_luts()
    {
        var p = ResolveFolders.For(ResolveOs.Linux, perUser: true, NoEnv, "/home/ed");
        Assert.Equal("/home/ed/.local/share/DaVinciResolve/Fusion/Scripts", p.ScriptsDir);
        Assert.Equal("/home/ed/.local/share/DaVinciResolve/Fusion/Scripts/Utility", p.UtilityDir);
        Assert.Equal("/opt/resolve/LUT", p.LutDir);
        Assert.Equal("/opt/resolve/Developer/Scripting", p.ScriptApiDir);
        Assert.Equal("/opt/resolve/libs/Fusion/fusionscript.so", p.ScriptLib);
        Assert.Equal("/opt/resolve/Fusion/Scripts", ResolveFolders.For(ResolveOs.Linux, perUser: false, NoEnv, "/home/ed").ScriptsDir);
    }

    [Fact]
    public void MacOs_uses_library_application_support_for_scripts_and_luts()
    {
        var user = ResolveFolders.For(ResolveOs.MacOs, perUser: true, NoEnv, "/Users/ed");
        Assert.Equal("/Users/ed/Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts", user.ScriptsDir);
        Assert.Equal("/Library/Application Support/Blackmagic Design/DaVinci Resolve/LUT", user.LutDir);
        Assert.Equal("/Applications/DaVinci Resolve/DaVinci Resolve.app/Contents/Libraries/Fusion/fusionscript.so", user.ScriptLib);
        Assert.Equal("/Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts",
            ResolveFolders.For(ResolveOs.MacOs, perUser: false, NoEnv, "/Users/ed").ScriptsDir);
    }

    [Fact]
    public void Windows_takes_programdata_and_appdata_from_the_environment()
    {
        var env = new Dictionary<string, string> { ["PROGRAMDATA"] = @"D:\PD", ["APPDATA"] = @"C:\Users\ed\AppData\Roaming" };
        var user = ResolveFolders.For(ResolveOs.Windows, perUser: true, k => env.GetValueOrDefault(k), @"C:\Users\ed");
        Assert.Equal(@"C:\Users\ed\AppData\Roaming\Blackmagic Design\DaVinci Resolve\Support\Fusion\Scripts", user.ScriptsDir);
        Assert.Equal(@"D:\PD\Blackmagic Design\DaVinci Resolve\Support\LUT", user.LutDir);
        Assert.Equal(@"D:\PD\Blackmagic Design\DaVinci Resolve\Support\Developer\Scripting", user.ScriptApiDir);
        var system = ResolveFolders.For(ResolveOs.Windows, perUser: false, NoEnv, @"C:\Users\ed");
        Assert.Equal(@"C:\ProgramData\Blackmagic Design\DaVinci Resolve\Fusion\Scripts", system.ScriptsDir);
        Assert.Equal(@"C:\Program Files\Blackmagic Design\DaVinci Resolve\fusionscript.dll", system.ScriptLib);
    }

    [Fact]
    public void Resolve_script_api_and_lib_variables_override_the_defaults()
    {
        var env = new Dictionary<string, string> { ["RESOLVE_SCRIPT_API"] = "/srv/api", ["RESOLVE_SCRIPT_LIB"] = "/srv/fusionscript.so" };
        var p = ResolveFolders.For(ResolveOs.Linux, perUser: true, k => env.GetValueOrDefault(k), "/home/ed");
        Assert.Equal("/srv/api", p.ScriptApiDir);
        Assert.Equal("/srv/fusionscript.so", p.ScriptLib);
    }
}
