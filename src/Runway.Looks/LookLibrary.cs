using System.Collections.Concurrent;

namespace Runway.Looks;

/// <summary>A stored look: its name (file name without .cube) and file.</summary>
public sealed record LookEntry(string Name, string Path, string? Title, int Size);

/// <summary>
/// Where looks live: <c>$XDG_CONFIG_HOME/runway/looks</c> (default <c>~/.config/runway/looks</c>), one .cube per look.
/// A look is named either by a path to a .cube file or by its name in that folder.
/// </summary>
public static class LookLibrary
{
    /// <summary>The user's looks folder (may not exist yet).</summary>
    public static string UserFolder()
    {
        var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } x
            ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(config, "runway", "looks");
    }

    /// <summary>File kinds a look may be stored as, in the order a name is looked up.</summary>
    public static readonly IReadOnlyList<string> Extensions = [".cube", ".3dl"];

    /// <summary>
    /// The looks that ship with runway (made by the project, see presets/learned-look): <c>$RUNWAY_LOOKS_DIR</c> if set,
    /// else <c>presets/learned-look/looks</c> next to the CLI (runwayd finds it through the sibling <c>cli</c> folder of
    /// an install) or in the source tree above the binaries (first that exists).
    /// </summary>
    public static string BuiltInFolder()
    {
        if (Environment.GetEnvironmentVariable("RUNWAY_LOOKS_DIR") is { Length: > 0 } env) return env;
        var sibling = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "cli", "presets", "learned-look", "looks"));
        if (Directory.Exists(sibling)) return sibling;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "presets", "learned-look", "looks");
            if (Directory.Exists(candidate)) return candidate;
        }
        return Path.Combine(AppContext.BaseDirectory, "presets", "learned-look", "looks");
    }

    /// <summary>The .cube or .3dl file a look name or path refers to (user folder first, then the built-in looks).</summary>
    /// <exception cref="FileNotFoundException">No such file and no such look in the folder (the message lists what exists).</exception>
    /// <param name="nameOrPath">A path to a .cube/.3dl file, or a look name.</param>
    /// <param name="folder">The user's looks folder (default <see cref="UserFolder"/>).</param>
    /// <param name="builtInFolder">The built-in looks (default <see cref="BuiltInFolder"/>).</param>
    public static string Resolve(string nameOrPath, string? folder = null, string? builtInFolder = null)
    {
        if (string.IsNullOrWhiteSpace(nameOrPath)) throw new ArgumentException("no look given", nameof(nameOrPath));
        if (File.Exists(nameOrPath)) return Path.GetFullPath(nameOrPath);
        var dir = folder ?? UserFolder();
        var looksLikePath = nameOrPath.Contains('/') || nameOrPath.EndsWith(".cube", StringComparison.OrdinalIgnoreCase) ||
                            LookFiles.IsThreeDl(nameOrPath);
        if (!looksLikePath)
        {
            foreach (var folderToSearch in new[] { dir, builtInFolder ?? BuiltInFolder() })
            {
                foreach (var ext in Extensions)
                {
                    var stored = Path.Combine(folderToSearch, nameOrPath + ext);
                    if (File.Exists(stored)) return stored;
                }
            }
        }
        var known = List(dir).Concat(List(builtInFolder ?? BuiltInFolder())).Select(e => e.Name).Distinct().ToList();
        throw new FileNotFoundException(looksLikePath
            ? $"look file '{nameOrPath}' does not exist"
            : $"no look '{nameOrPath}' in {dir}; stored looks: {(known.Count == 0 ? "none" : string.Join(", ", known))}", nameOrPath);
    }

    /// <summary>The looks stored in <paramref name="folder"/> (default: the user's folder), by name; unreadable files are left out.</summary>
    public static IReadOnlyList<LookEntry> List(string? folder = null)
    {
        var dir = folder ?? UserFolder();
        if (!Directory.Exists(dir)) return [];
        var entries = new List<LookEntry>();
        var files = Extensions.SelectMany(ext => Directory.EnumerateFiles(dir, "*" + ext)).Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            try
            {
                var look = LookFiles.Read(file);
                entries.Add(new LookEntry(Path.GetFileNameWithoutExtension(file), file, look.Title, look.Cube?.Size ?? look.Shaper!.Size));
            }
            catch (Exception e) when (e is FormatException or IOException)
            {
                // A broken file in the folder must not hide the others; `runway looks list` reports it separately.
            }
        }
        return entries;
    }
}

/// <summary>
/// Parsed looks kept in memory, keyed by full path and invalidated when the file's modification time or length
/// changes, so a re-exported look is picked up on the next frame without re-parsing a 1 MB .cube per frame.
/// </summary>
public sealed class LookCache(int capacity = 16)
{
    private readonly ConcurrentDictionary<string, (DateTime Modified, long Length, Look Look, long Used)> _entries = new(StringComparer.Ordinal);
    private long _clock;

    /// <summary>The look in a .cube or .3dl file, parsed once per version of the file.</summary>
    /// <exception cref="CubeFormatException">The file is not a valid .cube.</exception>
    public Look Get(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        if (!info.Exists) throw new FileNotFoundException($"look file '{full}' does not exist", full);
        var stamp = Interlocked.Increment(ref _clock);
        if (_entries.TryGetValue(full, out var hit) && hit.Modified == info.LastWriteTimeUtc && hit.Length == info.Length)
        {
            _entries[full] = hit with { Used = stamp };
            return hit.Look;
        }
        var look = LookFiles.Read(full);
        _entries[full] = (info.LastWriteTimeUtc, info.Length, look, stamp);
        while (_entries.Count > capacity)
        {
            var oldest = _entries.MinBy(e => e.Value.Used).Key;
            _entries.TryRemove(oldest, out _);
        }
        return look;
    }

    /// <summary>Looks currently held.</summary>
    public int Count => _entries.Count;
}
