using System.Text.Json;
using Runway.Resolve;

namespace Runway.Resolve.Tests;

public sealed class ScriptInstallerTests : IDisposable
{
    private static readonly string[] Cli = ["/opt/runway/runway"];
    private readonly string _scripts = Path.Combine(Path.GetTempPath(), "runway-resolve-install-" + Guid.NewGuid().ToString("N"), "Fusion", "Scripts");

    public void Dispose()
    {
        var root = Path.GetDirectoryName(Path.GetDirectoryName(_scripts))!;
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private string Entry => Path.Combine(_scripts, "Utility", ScriptInstaller.EntryScriptName);
    private string Module => Path.Combine(_scripts, ScriptInstaller.BridgeFolder, ScriptInstaller.ModuleName);
    private string Config => Path.Combine(_scripts, ScriptInstaller.BridgeFolder, ScriptInstaller.ConfigName);

    [Fact]
    public async Task Install_puts_the_menu_entry_in_utility_and_the_module_beside_it_with_a_manifest()
    {
        var report = await new ScriptInstaller(_scripts).InstallAsync(Cli);

        Assert.All(report.Steps, s => Assert.Equal(InstallAction.Created, s.Action));
        var entry = await File.ReadAllTextAsync(Entry);
        Assert.Contains("import runway_resolve_bridge", entry, StringComparison.Ordinal);
        // The placeholder is replaced by the module's folder, since Resolve may not define __file__.
        Assert.DoesNotContain("@RUNWAY_BRIDGE_DIR@", entry, StringComparison.Ordinal);
        Assert.Contains($"r\"{Path.Combine(_scripts, ScriptInstaller.BridgeFolder)}\"", entry, StringComparison.Ordinal);
        Assert.Equal(ScriptInstaller.ShippedScripts()[ScriptInstaller.ModuleName], await File.ReadAllTextAsync(Module));
        using (var config = JsonDocument.Parse(await File.ReadAllTextAsync(Config)))
            Assert.Equal("/opt/runway/runway", config.RootElement.GetProperty("runway")[0].GetString());
        // Only the entry is in a menu folder: a module in Utility would show up as a script of its own.
        Assert.Equal([ScriptInstaller.EntryScriptName], Directory.GetFiles(Path.Combine(_scripts, "Utility")).Select(Path.GetFileName));
        var manifest = await new ScriptInstaller(_scripts).ReadManifestAsync();
        Assert.NotNull(manifest);
        Assert.Equal(["Runway/bridge.json", "Runway/runway_resolve_bridge.py", "Utility/Runway Plugins.py"], manifest.Files.Select(f => f.Path).Order());
        Assert.Empty(Directory.GetFiles(_scripts, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Install_twice_changes_nothing_the_second_time()
    {
        var installer = new ScriptInstaller(_scripts);
        await installer.InstallAsync(Cli);
        var stamp = File.GetLastWriteTimeUtc(Module);
        var manifestStamp = File.GetLastWriteTimeUtc(installer.ManifestPath);
        var bytes = await File.ReadAllBytesAsync(Entry);

        var again = await installer.InstallAsync(Cli);

        Assert.All(again.Steps, s => Assert.Equal(InstallAction.Unchanged, s.Action));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Module));
        Assert.Equal(manifestStamp, File.GetLastWriteTimeUtc(installer.ManifestPath));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Entry));
    }

    [Fact]
    public async Task Install_replaces_an_older_copy_it_wrote_itself()
    {
        var installer = new ScriptInstaller(_scripts);
        await installer.InstallAsync(["/old/runway"]);

        var report = await installer.InstallAsync(Cli);

        Assert.Equal(InstallAction.Updated, report.Steps.Single(s => s.Path == Config).Action);
        Assert.Contains("/opt/runway/runway", await File.ReadAllTextAsync(Config), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_refuses_to_overwrite_a_file_it_did_not_write_and_writes_nothing()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Entry)!);
        await File.WriteAllTextAsync(Entry, "print('someone else')\n");

        var e = await Assert.ThrowsAsync<IOException>(() => new ScriptInstaller(_scripts).InstallAsync(Cli));

        Assert.Contains(Entry, e.Message, StringComparison.Ordinal);
        Assert.Equal("print('someone else')\n", await File.ReadAllTextAsync(Entry));
        Assert.False(Directory.Exists(Path.Combine(_scripts, ScriptInstaller.BridgeFolder)));
    }

    [Fact]
    public async Task Uninstall_removes_its_own_files_and_leaves_foreign_and_edited_ones()
    {
        var installer = new ScriptInstaller(_scripts);
        await installer.InstallAsync(Cli);
        var foreignScript = Path.Combine(_scripts, "Utility", "Other Tool.py");
        var foreignInOurFolder = Path.Combine(_scripts, ScriptInstaller.BridgeFolder, "notes.txt");
        await File.WriteAllTextAsync(foreignScript, "x");
        await File.WriteAllTextAsync(foreignInOurFolder, "y");
        await File.AppendAllTextAsync(Config, " ");

        var report = await installer.UninstallAsync();

        Assert.False(File.Exists(Entry));
        Assert.False(File.Exists(Module));
        Assert.False(File.Exists(installer.ManifestPath));
        Assert.True(File.Exists(Config));
        Assert.Equal(InstallAction.Kept, report.Steps.Single(s => s.Path == Config).Action);
        Assert.Equal("x", await File.ReadAllTextAsync(foreignScript));
        Assert.Equal("y", await File.ReadAllTextAsync(foreignInOurFolder));
    }

    [Fact]
    public async Task Uninstall_removes_the_bridge_folder_when_it_is_left_empty_and_is_then_a_no_op()
    {
        var installer = new ScriptInstaller(_scripts);
        await installer.InstallAsync(Cli);

        await installer.UninstallAsync();
        var again = await installer.UninstallAsync();

        Assert.False(Directory.Exists(Path.Combine(_scripts, ScriptInstaller.BridgeFolder)));
        Assert.True(Directory.Exists(Path.Combine(_scripts, "Utility")));
        Assert.Empty(again.Steps);
    }

    [Fact]
    public async Task Dry_runs_report_the_plan_and_touch_nothing()
    {
        var installer = new ScriptInstaller(_scripts);
        var plan = await installer.InstallAsync(Cli, dryRun: true);
        Assert.True(plan.DryRun);
        Assert.Contains(plan.Steps, s => s.Path == Entry && s.Action == InstallAction.Created);
        Assert.False(Directory.Exists(_scripts));

        await installer.InstallAsync(Cli);
        var removal = await installer.UninstallAsync(dryRun: true);
        Assert.Contains(removal.Steps, s => s.Path == Module && s.Action == InstallAction.Removed);
        Assert.True(File.Exists(Module));
        Assert.True(File.Exists(installer.ManifestPath));
    }
}
