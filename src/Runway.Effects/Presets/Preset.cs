using System.Text.Json;
using Runway.Effects.Definitions;

namespace Runway.Effects.Presets;

/// <summary>A named set of param values for one effect, as stored in <c>presets/&lt;effect&gt;/&lt;name&gt;.json</c>.</summary>
/// <param name="Values">Raw values (double, bool, string, double[]) ready for <see cref="ParamSet.Bind"/>.</param>
public sealed record Preset(string Name, string Label, string EffectId, string Description, IReadOnlyDictionary<string, object> Values, string Path)
{
    /// <summary>Parses a preset file and checks it against the schema's rules and the effect's definition.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid preset; the message names the file and the problem.</exception>
    public static Preset Load(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"preset '{path}' is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"preset '{path}' must be a JSON object");
            foreach (var p in root.EnumerateObject())
            {
                if (p.Name is not ("$schema" or "name" or "label" or "effect" or "description" or "params"))
                    throw new InvalidDataException($"preset '{path}' has unknown field '{p.Name}'");
            }
            var name = RequiredString(root, "name", path);
            if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9]+(-[a-z0-9]+)*$"))
                throw new InvalidDataException($"preset '{path}': name '{name}' must be lower-case words joined by '-'");
            var effectId = RequiredString(root, "effect", path);
            var definition = EffectCatalog.Find(effectId)
                ?? throw new InvalidDataException($"preset '{path}' is for unknown effect '{effectId}'");
            if (!root.TryGetProperty("params", out var paramsElement) || paramsElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"preset '{path}' needs a 'params' object");
            var values = new Dictionary<string, object>();
            foreach (var p in paramsElement.EnumerateObject()) values[p.Name] = ToRaw(p.Value, path, p.Name);
            try
            {
                ParamSet.Bind(definition, values);
            }
            catch (ParamException e)
            {
                throw new InvalidDataException($"preset '{path}': {e.Message}");
            }
            var description = root.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
            return new Preset(name, RequiredString(root, "label", path), effectId, description, values, path);
        }
    }

    private static string RequiredString(JsonElement root, string field, string path) =>
        root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s
            : throw new InvalidDataException($"preset '{path}' needs a non-empty string '{field}'");

    private static object ToRaw(JsonElement v, string path, string name) => v.ValueKind switch
    {
        JsonValueKind.Number when v.TryGetInt64(out var l) => l,
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => v.GetString()!,
        JsonValueKind.Array when v.GetArrayLength() is >= 2 and <= 4 && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number)
            => v.EnumerateArray().Select(x => x.GetDouble()).ToArray(),
        _ => throw new InvalidDataException($"preset '{path}': param '{name}' has an unsupported value {v.GetRawText()}"),
    };
}

/// <summary>Finds presets on disk: the folder shipped next to the CLI and the user's own (~/.config/runway/presets).</summary>
public static class PresetLibrary
{
    /// <summary>Folders searched, in order; later folders override earlier ones by name.</summary>
    public static IReadOnlyList<string> Folders(string? shipped = null)
    {
        var folders = new List<string>();
        var bundled = shipped ?? System.IO.Path.Combine(AppContext.BaseDirectory, "presets");
        if (Directory.Exists(bundled)) folders.Add(bundled);
        var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } x
            ? x : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        var user = System.IO.Path.Combine(config, "runway", "presets");
        if (Directory.Exists(user)) folders.Add(user);
        return folders;
    }

    /// <summary>Every preset in <paramref name="folders"/>; a broken file throws with its path and problem.</summary>
    public static IReadOnlyList<Preset> LoadAll(IEnumerable<string> folders)
    {
        var byKey = new Dictionary<(string, string), Preset>();
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (System.IO.Path.GetFileName(file).EndsWith(".schema.json", StringComparison.Ordinal)) continue;
                var preset = Preset.Load(file);
                byKey[(preset.EffectId, preset.Name)] = preset;
            }
        }
        return byKey.Values.ToList();
    }

    /// <summary>Resolves <paramref name="nameOrPath"/> (a preset file, or a preset name for <paramref name="effectId"/>).</summary>
    public static Preset Resolve(string nameOrPath, string effectId, IEnumerable<string> folders)
    {
        if (File.Exists(nameOrPath))
        {
            var p = Preset.Load(nameOrPath);
            return p.EffectId == effectId ? p : throw new InvalidDataException($"preset '{nameOrPath}' is for {p.EffectId}, not {effectId}");
        }
        var all = LoadAll(folders);
        return all.FirstOrDefault(p => p.EffectId == effectId && p.Name == nameOrPath)
            ?? throw new InvalidDataException(
                $"no preset '{nameOrPath}' for {effectId}; available: {string.Join(", ", all.Where(p => p.EffectId == effectId).Select(p => p.Name).DefaultIfEmpty("none"))}");
    }
}
