using System.Text.Json;
using Runway.Effects.Definitions;

namespace Runway.Effects.Tests;

/// <summary>
/// effects.json's optional "overlays" array: the viewer handles the OFX shim draws and lets users drag. The shim finds
/// params by name and trusts their kinds, so every reference is checked here, where a rename would break it.
/// </summary>
public sealed class EffectsJsonOverlayTests
{
    private static Dictionary<string, JsonElement> EffectsById()
    {
        using var doc = JsonDocument.Parse(EffectCatalog.ToJson());
        return doc.RootElement.GetProperty("effects").EnumerateArray()
            .ToDictionary(e => e.GetProperty("id").GetString()!, e => e.Clone());
    }

    [Fact]
    public void Overlays_name_position_and_size_params_and_valid_visibility_conditions()
    {
        var withOverlays = EffectCatalog.Visible.Where(d => d.Overlays is { Count: > 0 }).ToList();
        Assert.Contains(withOverlays, d => d.Id == GenerativeFillDefinition.Id);
        Assert.Contains(withOverlays, d => d.Id == RotoscopeDefinition.Id);
        foreach (var definition in withOverlays)
        {
            foreach (var o in definition.Overlays!)
            {
                var position = definition.FindParam(o.PositionParam);
                Assert.True(position is { Kind: ParamKind.Double2D, Coordinates: ParamCoordinates.Position },
                    $"{definition.Id}: overlay position '{o.PositionParam}' is not a position Double2D");
                if (o.Shape == OverlayShape.Point)
                {
                    Assert.Null(o.SizeParam);
                }
                else
                {
                    var size = definition.FindParam(o.SizeParam ?? "");
                    Assert.True(size is { Kind: ParamKind.Double2D, Coordinates: ParamCoordinates.Size },
                        $"{definition.Id}: {o.Shape} overlay needs a size Double2D, has '{o.SizeParam}'");
                }
                if (o.VisibleWhen is not { } when) continue;
                var gate = definition.FindParam(when.Param);
                Assert.NotNull(gate);
                Assert.NotEmpty(when.Values);
                var allowed = gate!.Kind switch
                {
                    ParamKind.Boolean => ["true", "false"],
                    ParamKind.Choice => gate.Options!.Select(c => c.Value).ToList(),
                    _ => throw new Xunit.Sdk.XunitException($"{definition.Id}: overlay condition on '{when.Param}', which is {gate.Kind}"),
                };
                Assert.All(when.Values, v => Assert.Contains(v, allowed));
            }
        }
    }

    [Fact]
    public void Effects_json_writes_overlays_exactly_as_declared()
    {
        var written = EffectsById();
        foreach (var definition in EffectCatalog.Visible)
        {
            var effect = written[definition.Id];
            if (definition.Overlays is not { Count: > 0 } overlays)
            {
                Assert.False(effect.TryGetProperty("overlays", out _), $"{definition.Id} declares no overlays but effects.json has some");
                continue;
            }
            var array = effect.GetProperty("overlays").EnumerateArray().ToList();
            Assert.Equal(overlays.Count, array.Count);
            for (var i = 0; i < overlays.Count; i++)
            {
                Assert.Equal(overlays[i].Shape.ToString().ToLowerInvariant(), array[i].GetProperty("shape").GetString());
                Assert.Equal(overlays[i].PositionParam, array[i].GetProperty("position").GetString());
                Assert.Equal(overlays[i].SizeParam, array[i].TryGetProperty("size", out var s) ? s.GetString() : null);
                Assert.Equal(overlays[i].Role.ToString().ToLowerInvariant(), array[i].GetProperty("role").GetString());
                if (overlays[i].VisibleWhen is { } when)
                {
                    var w = array[i].GetProperty("visibleWhen");
                    Assert.Equal(when.Param, w.GetProperty("param").GetString());
                    Assert.Equal(when.Values, w.GetProperty("values").EnumerateArray().Select(v => v.GetString()!).ToList());
                }
            }
        }
    }
}
