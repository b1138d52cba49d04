using Runway.Effects.Definitions;

namespace Runway.Effects.Tests;

public sealed class ParamSetTests
{
    private static readonly EffectDefinition Inpaint = InpaintDefinition.Definition;

    private static ParamSet Bind(params (string Name, object Value)[] values) =>
        ParamSet.Bind(Inpaint, values.ToDictionary(v => v.Name, v => v.Value));

    [Fact]
    public void Missing_params_get_their_defaults()
    {
        var p = Bind();
        Assert.Equal("telea", p.Choice(InpaintDefinition.ParamMethod));
        Assert.Equal(5.0, p.Double(InpaintDefinition.ParamRadius));
        Assert.Equal("auto", p.Choice(InpaintDefinition.ParamMaskChannel));
        Assert.Equal(0.5, p.Double(InpaintDefinition.ParamMaskThreshold));
        Assert.Equal(2.0, p.Double(InpaintDefinition.ParamDilate));
        Assert.Equal(2.0, p.Double(InpaintDefinition.ParamFeather));
        Assert.False(p.Boolean(InpaintDefinition.ParamInvertMask));
        Assert.Equal(Inpaint.Params.Select(x => x.Name), p.All.Select(kv => kv.Key));
    }

    [Fact]
    public void Given_values_are_kept_and_integers_widen_to_doubles()
    {
        var p = Bind((InpaintDefinition.ParamRadius, 12L), (InpaintDefinition.ParamMethod, "navier-stokes"), (InpaintDefinition.ParamInvertMask, true));
        Assert.Equal(12.0, p.Double(InpaintDefinition.ParamRadius));
        Assert.Equal("navier-stokes", p.Choice(InpaintDefinition.ParamMethod));
        Assert.True(p.Boolean(InpaintDefinition.ParamInvertMask));
    }

    [Fact]
    public void Choice_may_be_given_by_option_index()
    {
        var p = Bind((InpaintDefinition.ParamMaskChannel, 2L));
        Assert.Equal("luminance", p.Choice(InpaintDefinition.ParamMaskChannel));
    }

    [Fact]
    public void Unknown_param_is_rejected_naming_it()
    {
        var e = Assert.Throws<ParamException>(() => Bind(("radios", 3.0)));
        Assert.Contains("'radios'", e.Message);
        Assert.Contains("radius", e.Message);
    }

    [Fact]
    public void Wrong_type_is_rejected()
    {
        var e = Assert.Throws<ParamException>(() => Bind((InpaintDefinition.ParamRadius, "big")));
        Assert.Contains("radius", e.Message);
        Assert.Throws<ParamException>(() => Bind((InpaintDefinition.ParamInvertMask, 0.5)));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void Out_of_range_radius_is_rejected(double radius)
    {
        var e = Assert.Throws<ParamException>(() => Bind((InpaintDefinition.ParamRadius, radius)));
        Assert.Contains("outside 0.5..100", e.Message);
    }

    [Fact]
    public void Unknown_choice_is_rejected_listing_the_options()
    {
        var e = Assert.Throws<ParamException>(() => Bind((InpaintDefinition.ParamMethod, "patchmatch")));
        Assert.Contains("'patchmatch'", e.Message);
        Assert.Contains("telea", e.Message);
    }

    [Fact]
    public void Every_default_of_every_effect_binds_to_its_own_kind()
    {
        foreach (var effect in EffectCatalog.All)
        {
            var p = ParamSet.Bind(effect, new Dictionary<string, object>());
            foreach (var def in effect.Params)
            {
                // Reading through the typed accessor proves the stored default has the CLR type the kind promises.
                _ = def.Kind switch
                {
                    ParamKind.Double => (object)p.Double(def.Name),
                    ParamKind.Integer => p.Integer(def.Name),
                    ParamKind.Boolean => p.Boolean(def.Name),
                    ParamKind.Choice => Assert.Single(def.Options!, o => o.Value == p.Choice(def.Name)),
                    ParamKind.String => p.String(def.Name),
                    _ => p.Doubles(def.Name),
                };
                // And the definition's own default passes its own validation.
                ParamSet.Bind(effect, new Dictionary<string, object> { [def.Name] = def.Default });
            }
        }
    }
}
