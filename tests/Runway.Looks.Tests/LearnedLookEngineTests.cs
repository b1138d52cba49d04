using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Looks;
using Runway.Effects.Pixels;

namespace Runway.Looks.Tests;

/// <summary>The com.runwayml.learned-look effect as the daemon runs it.</summary>
public sealed class LearnedLookEngineTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("looks-engine-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static EffectFrame Frame(FloatImage source, FloatImage output, string look, double strength = 1) =>
        new(source, null, output, ParamSet.Bind(LearnedLookDefinition.Definition,
            new Dictionary<string, object> { ["look"] = look, ["strength"] = strength }), 0, 1, false, "test");

    private static FloatImage Image(float r, float g, float b, float a)
    {
        var image = new FloatImage(4, 3);
        for (var i = 0; i < 12; i++)
        {
            image.Pixels[i * 4] = r;
            image.Pixels[i * 4 + 1] = g;
            image.Pixels[i * 4 + 2] = b;
            image.Pixels[i * 4 + 3] = a;
        }
        return image;
    }

    private string Save(string name, Func<Rgb, Rgb> f, Rgb? min = null, Rgb? max = null)
    {
        var path = Path.Combine(_folder.FullName, name + ".cube");
        CubeFormat.Write(path, new Look(null, Lut3D.FromFunction(9, f, min, max)), CubeDialect.Resolve);
        return path;
    }

    [Fact]
    public void Effect_is_registered_and_described_to_hosts()
    {
        Assert.Same(LearnedLookDefinition.Definition, EffectCatalog.Find("com.runwayml.learned-look"));
        Assert.Contains("\"com.runwayml.learned-look\"", EffectCatalog.ToJson());
    }

    [Fact]
    public void Named_look_is_applied_with_float_range_kept_and_alpha_untouched()
    {
        Save("swap", v => new Rgb(v.B, v.R, v.G), Rgb.All(0), Rgb.All(4));
        var engine = new LearnedLookEngine(_folder.FullName);
        using var source = Image(2.5f, 0.25f, 0.5f, 0.3f);
        using var output = new FloatImage(4, 3);
        var result = engine.Render(Frame(source, output, "swap"), CancellationToken.None);
        Assert.Equal(LearnedLookEngine.Name, result.Engine);
        Assert.Equal(0.5f, output.Pixels[0], 5);
        Assert.Equal(2.5f, output.Pixels[1], 5); // above 1, inside the look's domain: not clipped
        Assert.Equal(0.25f, output.Pixels[2], 5);
        Assert.Equal(0.3f, output.Pixels[3]);
    }

    [Fact]
    public void Strength_mixes_and_an_empty_look_passes_the_source_through()
    {
        var path = Save("dark", v => new Rgb(v.R * 0.5f, v.G * 0.5f, v.B * 0.5f));
        var engine = new LearnedLookEngine(_folder.FullName);
        using var source = Image(0.8f, 0.4f, 0.2f, 1);
        using var output = new FloatImage(4, 3);
        engine.Render(Frame(source, output, path, strength: 0.5), CancellationToken.None);
        Assert.Equal(0.6f, output.Pixels[0], 5);
        var none = engine.Render(Frame(source, output, ""), CancellationToken.None);
        Assert.Contains(LearnedLookEngine.NoteNoLook, none.Notes);
        Assert.Equal(0.8f, output.Pixels[0]);
    }

    [Fact]
    public void Missing_or_broken_looks_are_param_errors_naming_the_problem()
    {
        var engine = new LearnedLookEngine(_folder.FullName);
        using var source = Image(0.5f, 0.5f, 0.5f, 1);
        using var output = new FloatImage(4, 3);
        var missing = Assert.Throws<ParamException>(() => engine.Render(Frame(source, output, "nope"), CancellationToken.None));
        Assert.Contains("no look 'nope'", missing.Message);
        var broken = Path.Combine(_folder.FullName, "broken.cube");
        File.WriteAllText(broken, "LUT_3D_SIZE 2\n0 0 0\n");
        var bad = Assert.Throws<ParamException>(() => engine.Render(Frame(source, output, broken), CancellationToken.None));
        Assert.Contains("needs 8 table rows", bad.Message);
    }

    [Fact]
    public void A_rewritten_look_file_is_picked_up_on_the_next_render()
    {
        var path = Save("changing", v => v);
        var engine = new LearnedLookEngine(_folder.FullName);
        using var source = Image(0.5f, 0.5f, 0.5f, 1);
        using var output = new FloatImage(4, 3);
        engine.Render(Frame(source, output, "changing"), CancellationToken.None);
        Assert.Equal(0.5f, output.Pixels[0], 5);
        Save("changing", v => new Rgb(1 - v.R, v.G, v.B));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        engine.Render(Frame(source, output, "changing"), CancellationToken.None);
        Assert.Equal(0.5f, output.Pixels[0], 5);
        using var other = Image(0.2f, 0.5f, 0.5f, 1);
        engine.Render(Frame(other, output, "changing"), CancellationToken.None);
        Assert.Equal(0.8f, output.Pixels[0], 5);
    }
}
