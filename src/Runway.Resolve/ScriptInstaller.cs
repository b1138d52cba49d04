using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Runway.Resolve;

/// <summary>What happened (or, in a dry run, would happen) to one file.</summary>
public enum InstallAction
{
    /// <summary>Written (new file).</summary>
    Created,
    /// <summary>Rewritten: an older copy of ours was replaced.</summary>
    Updated,
    /// <summary>Already identical; not touched.</summary>
    Unchanged,
    /// <summary>Deleted (ours, unmodified).</summary>
    Removed,
    /// <summary>Left in place: not ours, or ours but edited by the user since we wrote it.</summary>
    Kept,
    /// <summary>Already gone.</summary>
    Missing,
}

/// <summary>One file's outcome.</summary>
/// <param name="Path">Absolute path.</param>
/// <param name="Action">What was (or would be) done.</param>
/// <param name="Reason">Why, for <see cref="InstallAction.Kept"/>.</param>
public sealed record InstallStep(string Path, InstallAction Action, string? Reason = null);

/// <summary>The outcome of an install or uninstall.</summary>
/// <param name="ScriptsDir">The Resolve Scripts folder used.</param>
/// <param name="DryRun">True when nothing was written or deleted.</param>
/// <param name="Steps">Per-file outcomes, manifest last.</param>
public sealed record InstallReport(string ScriptsDir, bool DryRun, IReadOnlyList<InstallStep> Steps);

/// <summary>One file the installer wrote, as recorded in the manifest.</summary>
/// <param name="Path">Path relative to the Scripts folder, '/'-separated.</param>
/// <param name="Sha256">Hex SHA-256 of the bytes written, so uninstall can tell our file from a user's edit.</param>
public sealed record ManifestEntry(string Path, string Sha256);

/// <summary>The install record kept beside the bridge module.</summary>
/// <param name="Version">Installer manifest version.</param>
/// <param name="Files">Files written by the installer.</param>
public sealed record InstallManifest(int Version, IReadOnlyList<ManifestEntry> Files);

/// <summary>
/// Installs the Resolve bridge into a Resolve Scripts folder: the menu entry <c>Utility/Runway Plugins.py</c> and its
/// module in <c>Runway/</c> (not a menu category folder, so Resolve does not list the module as a script of its own).
/// Every file is written to a temporary name in its folder and renamed into place, so Resolve never sees half a
/// script; the manifest (<c>Runway/install-manifest.json</c>) records each file and its hash, and uninstall deletes
/// only files recorded there that still carry the recorded hash. Files it did not write are never overwritten.
/// </summary>
public sealed class ScriptInstaller
{
    /// <summary>Name of the menu entry under Workspace ▸ Scripts ▸ Utility.</summary>
    public const string EntryScriptName = "Runway Plugins.py";

    /// <summary>The bridge module's file name.</summary>
    public const string ModuleName = "runway_resolve_bridge.py";

    /// <summary>Folder (under Scripts) holding the module, the CLI configuration and the manifest.</summary>
    public const string BridgeFolder = "Runway";

    /// <summary>The manifest's file name inside <see cref="BridgeFolder"/>.</summary>
    public const string ManifestName = "install-manifest.json";

    /// <summary>The bridge's CLI configuration file inside <see cref="BridgeFolder"/>.</summary>
    public const string ConfigName = "bridge.json";

    private const string ResourcePrefix = "RunwayResolveScripts/";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly string _scriptsDir;

    /// <summary>An installer for one Scripts folder.</summary>
    /// <param name="scriptsDir">Resolve's Fusion/Scripts folder (see <see cref="ResolveFolders"/>).</param>
    public ScriptInstaller(string scriptsDir)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scriptsDir);
        _scriptsDir = Path.GetFullPath(scriptsDir);
    }

    /// <summary>The manifest path.</summary>
    public string ManifestPath => Path.Combine(_scriptsDir, BridgeFolder, ManifestName);

    /// <summary>The script sources shipped in this assembly, by file name.</summary>
    public static IReadOnlyDictionary<string, string> ShippedScripts()
    {
        var assembly = typeof(ScriptInstaller).Assembly;
        var scripts = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            scripts[name[ResourcePrefix.Length..]] = reader.ReadToEnd();
        }
        if (!scripts.ContainsKey(EntryScriptName) || !scripts.ContainsKey(ModuleName))
            throw new InvalidOperationException($"the bridge scripts are missing from {assembly.GetName().Name}; the build is broken");
        return scripts;
    }

    /// <summary>Install (or update) the bridge.</summary>
    /// <param name="runwayCommand">How the bridge starts the CLI (e.g. <c>["dotnet", "/opt/runway/runway.dll"]</c>), written to <c>Runway/bridge.json</c>.</param>
    /// <param name="dryRun">Report only; write nothing.</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="IOException">A file the installer would write exists and is not one it installed.</exception>
    public async Task<InstallReport> InstallAsync(IReadOnlyList<string> runwayCommand, bool dryRun = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(runwayCommand);
        var previous = await ReadManifestAsync(ct).ConfigureAwait(false);
        var planned = Planned(runwayCommand);

        // Check every target before writing any, so a foreign file stops the install with nothing changed.
        var steps = new List<InstallStep>();
        foreach (var (relative, bytes) in planned)
        {
            var path = Absolute(relative);
            if (!File.Exists(path))
            {
                steps.Add(new(path, InstallAction.Created));
                continue;
            }
            var hash = await HashFileAsync(path, ct).ConfigureAwait(false);
            if (hash == Hash(bytes)) steps.Add(new(path, InstallAction.Unchanged));
            else if (previous?.Files.Any(f => f.Path == relative && f.Sha256 == hash) == true) steps.Add(new(path, InstallAction.Updated));
            else throw new IOException($"'{path}' exists and was not installed by runway (or was edited since); move it away or uninstall first");
        }

        var manifest = JsonSerializer.SerializeToUtf8Bytes(
            new InstallManifest(1, [.. planned.Select(p => new ManifestEntry(p.Relative, Hash(p.Bytes)))]), Json);
        var manifestAction = previous is null ? InstallAction.Created
            : (await File.ReadAllBytesAsync(ManifestPath, ct).ConfigureAwait(false)).AsSpan().SequenceEqual(manifest) ? InstallAction.Unchanged
            : InstallAction.Updated;
        if (!dryRun)
        {
            for (var i = 0; i < planned.Count; i++)
            {
                if (steps[i].Action != InstallAction.Unchanged) await WriteAtomicAsync(steps[i].Path, planned[i].Bytes, ct).ConfigureAwait(false);
            }
            // Written last: a manifest only ever lists files that are in place.
            if (manifestAction != InstallAction.Unchanged) await WriteAtomicAsync(ManifestPath, manifest, ct).ConfigureAwait(false);
        }
        steps.Add(new(ManifestPath, manifestAction));
        return new InstallReport(_scriptsDir, dryRun, steps);
    }

    /// <summary>Remove the files this installer recorded, when unmodified; everything else is left alone.</summary>
    /// <param name="dryRun">Report only; delete nothing.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<InstallReport> UninstallAsync(bool dryRun = false, CancellationToken ct = default)
    {
        var manifest = await ReadManifestAsync(ct).ConfigureAwait(false);
        var steps = new List<InstallStep>();
        if (manifest is null) return new InstallReport(_scriptsDir, dryRun, steps);
        foreach (var entry in manifest.Files)
        {
            var path = Absolute(entry.Path);
            if (!File.Exists(path)) steps.Add(new(path, InstallAction.Missing));
            else if (await HashFileAsync(path, ct).ConfigureAwait(false) != entry.Sha256)
                steps.Add(new(path, InstallAction.Kept, "edited since it was installed"));
            else
            {
                if (!dryRun) File.Delete(path);
                steps.Add(new(path, InstallAction.Removed));
            }
        }
        if (!dryRun) File.Delete(ManifestPath);
        steps.Add(new(ManifestPath, InstallAction.Removed));
        var bridgeDir = Path.Combine(_scriptsDir, BridgeFolder);
        // Only an empty folder is removed: anything left in it is someone else's (or an edited file we kept).
        if (!dryRun && Directory.Exists(bridgeDir) && !Directory.EnumerateFileSystemEntries(bridgeDir).Any()) Directory.Delete(bridgeDir);
        return new InstallReport(_scriptsDir, dryRun, steps);
    }

    /// <summary>Reads the manifest, or null when the bridge is not installed here.</summary>
    public async Task<InstallManifest?> ReadManifestAsync(CancellationToken ct = default)
    {
        if (!File.Exists(ManifestPath)) return null;
        await using var stream = File.OpenRead(ManifestPath);
        try
        {
            return await JsonSerializer.DeserializeAsync<InstallManifest>(stream, Json, ct).ConfigureAwait(false)
                ?? throw new InvalidDataException($"{ManifestPath}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{ManifestPath}: not a runway install manifest ({e.Message}); remove it by hand", e);
        }
    }

    private List<(string Relative, byte[] Bytes)> Planned(IReadOnlyList<string> runwayCommand)
    {
        var scripts = ShippedScripts();
        var bridgeDir = Path.Combine(_scriptsDir, BridgeFolder);
        // Resolve may not define __file__ for menu scripts, so the entry script is told where its module lives.
        var entry = scripts[EntryScriptName].Replace("@RUNWAY_BRIDGE_DIR@", bridgeDir.Replace("\\", "\\\\", StringComparison.Ordinal), StringComparison.Ordinal);
        var config = JsonSerializer.SerializeToUtf8Bytes(new { runway = runwayCommand }, Json);
        var planned = new List<(string, byte[])> { ($"Utility/{EntryScriptName}", Encoding.UTF8.GetBytes(entry)) };
        foreach (var (name, text) in scripts.Where(s => s.Key != EntryScriptName))
            planned.Add(($"{BridgeFolder}/{name}", Encoding.UTF8.GetBytes(text)));
        planned.Add(($"{BridgeFolder}/{ConfigName}", config));
        return planned;
    }

    private string Absolute(string relative) => Path.Combine(_scriptsDir, relative.Replace('/', Path.DirectorySeparatorChar));

    private static async Task WriteAtomicAsync(string path, byte[] bytes, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
                await stream.FlushAsync(ct).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false));
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
