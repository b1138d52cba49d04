using System.Text.Json;
using Runway.Effects.Definitions;

namespace Runway.Effects.Tests;

/// <summary>
/// effects.json's optional "extends" object: {"framesParam": …, "directionParam": …} for effects that make frames
/// outside their source range (the shim answers GetTimeDomain from it), absent for every other effect.
/// </summary>
public sealed class EffectsJsonExtendsTests
{
    private static List<JsonElement> Effects()
    {
        using var doc = JsonDocument.Parse(EffectCatalog.ToJson());
        return doc.RootElement.GetProperty("effects").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    [Fact]
    public void Effects_json_writes_extends_exactly_for_effects_that_declare_it()
    {
        var extending = EffectCatalog.Visible.Where(d => d.Extends is not null).ToList();
        Assert.NotEmpty(extending); // extend shot must declare it; without one this schema path would go unchecked
        foreach (var e in Effects())
        {
            var definition = EffectCatalog.Find(e.GetProperty("id").GetString()!)!;
            if (definition.Extends is not { } extends)
            {
                Assert.False(e.TryGetProperty("extends", out _), $"{definition.Id} has no Extends but effects.json writes one");
                continue;
            }
            var written = e.GetProperty("extends");
            Assert.Equal(extends.FramesParam, written.GetProperty("framesParam").GetString());
            Assert.Equal(extends.DirectionParam, written.GetProperty("directionParam").GetString());
        }
    }

    [Fact]
    public void Extends_names_an_integer_frames_param_and_a_direction_choice_with_after_and_before()
    {
        // The shim reads these params by name to compute the time domain; a rename on one side must fail here.
        foreach (var definition in EffectCatalog.Visible.Where(d => d.Extends is not null))
        {
            var frames = Assert.Single(definition.Params, p => p.Name == definition.Extends!.FramesParam);
            Assert.Equal(ParamKind.Integer, frames.Kind);
            var direction = Assert.Single(definition.Params, p => p.Name == definition.Extends!.DirectionParam);
            Assert.Equal(ParamKind.Choice, direction.Kind);
            var options = direction.Options!.Select(o => o.Value).ToList();
            Assert.Contains(TimeExtension.After, options);
            Assert.Contains(TimeExtension.Before, options);
        }
    }
}
