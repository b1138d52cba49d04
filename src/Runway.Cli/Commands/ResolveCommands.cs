using System.CommandLine;
using System.Text.Json;
using Runway.Resolve;

namespace Runway.Cli.Commands;

/// <summary>
/// <c>runway resolve install|uninstall|paths</c>: put the Resolve bridge (Workspace ▸ Scripts ▸ Utility ▸ Runway
/// Plugins) into Resolve's per-OS Scripts folder, take it out again, and show the folders used.
/// </summary>
public static class ResolveCommands
{
    public static Command Create()
    {
        var resolve = new Command("resolve", "DaVinci Resolve bridge: install or remove the Runway Plugins script.");
        resolve.Subcommands.Add(Install());
        resolve.Subcommands.Add(Uninstall());
        resolve.Subcommands.Add(Paths());
        return resolve;
    }

    private static Option<string?> ScriptsDirOption() => new("--scripts-dir")
    {
        Description = "Resolve's Fusion/Scripts folder (default: the per-user folder for this OS, or the system one with --system).",
    };

    private static Option<bool> SystemOption() => new("--system") { Description = "Use the system-wide Scripts folder instead of the per-user one." };

    private static Option<bool> DryRunOption() => new("--dry-run") { Description = "Show what would change; write nothing." };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print a JSON report." };

    private static Command Install()
    {
        var (dir, system, dryRun, json) = (ScriptsDirOption(), SystemOption(), DryRunOption(), JsonOption());
        var cmd = new Command("install", "Install (or update) the bridge scripts into Resolve's Scripts folder.") { dir, system, dryRun, json };
        cmd.SetAction(async (result, ct) => await DaemonCommands.Run(async () =>
        {
            var installer = new ScriptInstaller(ScriptsDir(result.GetValue(dir), result.GetValue(system)));
            var report = await installer.InstallAsync(SelfCommand(), result.GetValue(dryRun), ct);
            Print(report, result.GetValue(json), "Workspace ▸ Scripts ▸ Utility ▸ Runway Plugins (restart Resolve if it is open)");
        }));
        return cmd;
    }

    private static Command Uninstall()
    {
        var (dir, system, dryRun, json) = (ScriptsDirOption(), SystemOption(), DryRunOption(), JsonOption());
        var cmd = new Command("uninstall", "Remove the files `runway resolve install` wrote (edited or foreign files are left alone).") { dir, system, dryRun, json };
        cmd.SetAction(async (result, ct) => await DaemonCommands.Run(async () =>
        {
            var installer = new ScriptInstaller(ScriptsDir(result.GetValue(dir), result.GetValue(system)));
            var report = await installer.UninstallAsync(result.GetValue(dryRun), ct);
            Print(report, result.GetValue(json), report.Steps.Count == 0 ? "the bridge is not installed there" : null);
        }));
        return cmd;
    }

    private static Command Paths()
    {
        var (system, json) = (SystemOption(), JsonOption());
        var cmd = new Command("paths", "Show Resolve's Scripts, LUT and scripting API folders on this OS.") { system, json };
        cmd.SetAction(result =>
        {
            var paths = ResolveFolders.Current(!result.GetValue(system));
            if (result.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new { scriptsDir = paths.ScriptsDir, utilityDir = paths.UtilityDir, lutDir = paths.LutDir, scriptApiDir = paths.ScriptApiDir, scriptLib = paths.ScriptLib }));
            else
            {
                Console.WriteLine($"scripts     {paths.ScriptsDir}");
                Console.WriteLine($"utility     {paths.UtilityDir}");
                Console.WriteLine($"LUTs        {paths.LutDir}");
                Console.WriteLine($"script API  {paths.ScriptApiDir}");
                Console.WriteLine($"script lib  {paths.ScriptLib}");
            }
            return 0;
        });
        return cmd;
    }

    private static string ScriptsDir(string? given, bool system) => given ?? ResolveFolders.Current(perUser: !system).ScriptsDir;

    /// <summary>How the bridge should start this CLI: the apphost itself, or <c>dotnet runway.dll</c> when run that way.</summary>
    private static string[] SelfCommand()
    {
        var process = Environment.ProcessPath ?? "runway";
        var isDotnet = Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return isDotnet ? [process, typeof(ResolveCommands).Assembly.Location] : [process];
    }

    private static void Print(InstallReport report, bool json, string? footer)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                scriptsDir = report.ScriptsDir, dryRun = report.DryRun,
                steps = report.Steps.Select(s => new { path = s.Path, action = s.Action.ToString().ToLowerInvariant(), reason = s.Reason }),
            }));
            return;
        }
        var prefix = report.DryRun ? "would be " : "";
        foreach (var s in report.Steps)
            Console.WriteLine($"{prefix}{s.Action.ToString().ToLowerInvariant(),-9} {s.Path}{(s.Reason is null ? "" : $" ({s.Reason})")}");
        if (footer is not null) Console.WriteLine(footer);
    }
}
