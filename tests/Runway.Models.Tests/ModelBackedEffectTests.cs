using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Classical;
using Runway.Effects.Pixels;
using Runway.Models.Effects;
using Runway.Models.Processing;
using Runway.Models.Runtime;

namespace Runway.Models.Tests;

public class ModelBackedEffectTests
{
    private static (FloatImage Source, FloatImage Mask) Frame()
    {
        var source = Fixtures.Picture(24, 16);
        var mask = new FloatImage(24, 16);
        for (var y = 0; y < 16; y++)
        {
            for (var x = 0; x < 24; x++)
            {
                var v = x is >= 8 and < 14 && y is >= 4 and < 10 ? 1f : 0f;
                mask.Row(y).Slice(x * 4, 4).Fill(v);
            }
        }
        return (source, mask);
    }

    private static EffectResult Render(ModelRegistry registry, FloatImage source, FloatImage mask, FloatImage output)
    {
        var effect = new ModelBackedEffect(new InpaintEngine(), registry);
        var p = ParamSet.Bind(InpaintDefinition.Definition, new Dictionary<string, object> { [InpaintDefinition.ParamDilate] = 0.0 });
        return effect.Render(new EffectFrame(source, mask, output, p, 0, 1, false, "test"), CancellationToken.None);
    }

    [Fact]
    public void Inpaint_uses_the_pack_inside_the_hole_and_keeps_the_source_outside()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.InpaintFill);
        using var registry = new ModelRegistry(new ModelRegistryOptions(dir.Path, 1 << 30, Watch: false));
        var (source, mask) = Frame();
        using var _s = source;
        using var _m = mask;
        using var output = new FloatImage(24, 16);
        var result = Render(registry, source, mask, output);
        Assert.Equal("onnx/inpaint-fill@0.1.0 (cpu)", result.Engine);
        // inpaint-fill writes sRGB 0.25 into the hole.
        var grey = TensorCodec.SrgbToLinear(0.25f);
        for (var y = 0; y < 16; y++)
        {
            for (var x = 0; x < 24; x++)
            {
                var o = output.Row(y).Slice(x * 4, 4);
                var s = source.Row(y).Slice(x * 4, 4);
                if (mask.Row(y)[x * 4] > 0)
                {
                    Assert.Equal(grey, o[0], 5);
                    Assert.Equal(s[3], o[3]);
                }
                else
                {
                    Assert.True(o.SequenceEqual(s), $"pixel {x},{y} outside the hole changed");
                }
            }
        }
    }

    [Fact]
    public void Without_a_pack_the_classical_engine_renders()
    {
        using var dir = new TempDir();
        using var registry = new ModelRegistry(new ModelRegistryOptions(dir.Path, 1 << 30, Watch: false));
        var (source, mask) = Frame();
        using var _s = source;
        using var _m = mask;
        using var output = new FloatImage(24, 16);
        Assert.Equal(InpaintEngine.Name, Render(registry, source, mask, output).Engine);
    }

    [Fact]
    public void A_broken_pack_falls_back_to_the_classical_engine_with_a_note()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.InpaintFill);
        File.AppendAllText(Path.Combine(dir.Sub(Fixtures.InpaintFill), "model.onnx"), "x");
        using var registry = new ModelRegistry(new ModelRegistryOptions(dir.Path, 1 << 30, Watch: false));
        var (source, mask) = Frame();
        using var _s = source;
        using var _m = mask;
        using var output = new FloatImage(24, 16);
        var result = Render(registry, source, mask, output);
        Assert.Equal(InpaintEngine.Name, result.Engine);
        Assert.Contains(result.Notes, n => n.Contains("sha256") && n.EndsWith("classical engine used", StringComparison.Ordinal));
        Assert.Equal(ModelState.Unusable, registry.Find(Fixtures.InpaintFill)!.State);
        // Once marked unusable the pack is not retried: the next frame goes straight to the classical engine.
        Assert.DoesNotContain(Render(registry, source, mask, output).Notes, n => n.Contains("sha256"));
    }
}
