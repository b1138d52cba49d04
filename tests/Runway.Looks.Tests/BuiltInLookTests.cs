using Runway.Effects.Definitions;
using Runway.Effects.Presets;

namespace Runway.Looks.Tests;

/// <summary>The looks the project ships (presets/learned-look) and the presets that name them.</summary>
public sealed class BuiltInLookTests
{
    // From this source file's path, so tests built with any artifacts path find the repository's presets.
    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));

    private static string LooksFolder => Path.Combine(RepoRoot(), "presets", "learned-look", "looks");

    private static string Text(Look look)
    {
        var w = new StringWriter();
        CubeFormat.Write(w, look, CubeDialect.Resolve);
        return w.ToString();
    }

    [Fact]
    public void Shipped_look_files_are_the_baked_formulas()
    {
        // RUNWAY_WRITE_BUILTIN_LOOKS=1 regenerates the files after a formula change; otherwise they must match.
        var write = Environment.GetEnvironmentVariable("RUNWAY_WRITE_BUILTIN_LOOKS") == "1";
        Assert.True(BuiltInLooks.All.Count >= 2);
        foreach (var builtIn in BuiltInLooks.All)
        {
            var path = Path.Combine(LooksFolder, builtIn.Name + ".cube");
            var expected = Text(builtIn.ToLook());
            if (write) File.WriteAllText(path, expected);
            Assert.Equal(expected, File.ReadAllText(path));
        }
        Assert.Equal(BuiltInLooks.All.Select(l => l.Name + ".cube").Order(), Directory.GetFiles(LooksFolder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Built_in_looks_change_colour_but_keep_grey_ordered_and_in_range()
    {
        foreach (var builtIn in BuiltInLooks.All)
        {
            var look = LookFiles.Read(Path.Combine(LooksFolder, builtIn.Name + ".cube"));
            var previous = -1f;
            for (var v = 0f; v <= 1f; v += 0.05f)
            {
                var o = look.Apply(Rgb.All(v));
                var luma = 0.2126f * o.R + 0.7152f * o.G + 0.0722f * o.B;
                Assert.True(luma > previous, $"{builtIn.Name}: grey {v} luma {luma} not above {previous}");
                previous = luma;
            }
            var skin = new Rgb(0.8f, 0.6f, 0.5f);
            var moved = ColorSpaces.DeltaE2000(ColorSpaces.SrgbToLab(skin), ColorSpaces.SrgbToLab(look.Apply(skin)));
            Assert.True(moved > 2, $"{builtIn.Name} barely changes a skin tone (ΔE2000 {moved:F2})");
        }
    }

    [Fact]
    public void Every_learned_look_preset_names_a_built_in_look_that_resolves()
    {
        var presets = PresetLibrary.LoadAll([Path.Combine(RepoRoot(), "presets")]).Where(p => p.EffectId == LearnedLookDefinition.Id).ToList();
        Assert.True(presets.Count >= 2);
        var names = BuiltInLooks.All.Select(l => l.Name).ToHashSet();
        foreach (var preset in presets)
        {
            var look = (string)preset.Values[LearnedLookDefinition.ParamLook];
            Assert.Contains(look, names);
            // An empty user folder: the name must resolve to the shipped file.
            var empty = Directory.CreateTempSubdirectory("looks-empty-");
            try
            {
                Assert.Equal(Path.Combine(LooksFolder, look + ".cube"), LookLibrary.Resolve(look, empty.FullName, LooksFolder));
            }
            finally
            {
                empty.Delete();
            }
        }
    }

    [Fact]
    public void Stored_3dl_looks_are_listed_and_resolved_by_name()
    {
        var folder = Directory.CreateTempSubdirectory("looks-3dl-");
        try
        {
            ThreeDlFormat.Write(Path.Combine(folder.FullName, "grade.3dl"), new Look(null, Lut3D.Identity(17)));
            Assert.Equal("grade", Assert.Single(LookLibrary.List(folder.FullName)).Name);
            Assert.EndsWith("grade.3dl", LookLibrary.Resolve("grade", folder.FullName));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
