using Runway.Effects.Presets;

namespace Runway.Effects.Tests;

public class PresetTests
{
    // Start from this source file's folder: builds may put the assembly far from the repository.
    private static string PresetsFolder([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(source)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Runway.Plugins.sln"))) return Path.Combine(dir.FullName, "presets");
        }
        throw new DirectoryNotFoundException($"repository root (Runway.Plugins.sln) not found above {source}");
    }

    [Fact]
    public void Every_shipped_preset_binds_against_its_effect_definition()
    {
        var presets = PresetLibrary.LoadAll([PresetsFolder()]);
        Assert.NotEmpty(presets);
        Assert.Contains(presets, p => p.Name == "remove-boom-mic" && p.EffectId == "com.runwayml.inpaint");
    }

    [Fact]
    public void Preset_with_out_of_range_value_is_rejected_naming_the_param()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{"name":"bad","label":"Bad","effect":"com.runwayml.inpaint","params":{"radius":1000}}""");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => Preset.Load(file));
            Assert.Contains("radius", e.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Preset_with_unknown_field_or_effect_is_rejected()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(file, """{"name":"x","label":"X","effect":"com.runwayml.inpaint","params":{},"colour":"red"}""");
            Assert.Contains("colour", Assert.Throws<InvalidDataException>(() => Preset.Load(file)).Message);
            File.WriteAllText(file, """{"name":"x","label":"X","effect":"com.runwayml.nope","params":{}}""");
            Assert.Contains("com.runwayml.nope", Assert.Throws<InvalidDataException>(() => Preset.Load(file)).Message);
            File.WriteAllText(file, """{"name":"x","label":"X","effect":"com.runwayml.inpaint","params":{"radius":""" );
            Assert.Contains("not valid JSON", Assert.Throws<InvalidDataException>(() => Preset.Load(file)).Message);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
