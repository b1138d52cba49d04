using System.Text.Json.Nodes;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Pixels;
using Runway.Models.Effects;
using Runway.Models.Packs;
using Runway.Models.Processing;
using Runway.Models.Runtime;

namespace Runway.Models.Tests;

/// <summary>A classical engine stand-in: copies the source and names itself, so a test sees which path rendered.</summary>
internal sealed class StubEngine(EffectDefinition definition) : IEffect
{
    public const string Name = "stub-classical";

    public EffectDefinition Definition => definition;

    public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
    {
        frame.Source.Pixels.CopyTo(frame.Output.Pixels);
        return EffectResult.From(Name);
    }

    /// <summary>A definition with the effect id a contract serves and the given params.</summary>
    public static EffectDefinition For(string id, params ParamDefinition[] parameters) =>
        PassthroughDefinition.Definition with { Id = id, Params = parameters };
}

public class ContractTests
{
    private static readonly ParamDefinition Strength = new("strength", "Strength", ParamKind.Double, "", 1.0, Min: 0, Max: 2);
    private static readonly ParamDefinition Seed = new(ModelBackedEffect.SeedParam, "Seed", ParamKind.Integer, "", 0L, Min: 0, Max: 1e6);
    private static readonly ParamDefinition Prompt = new(ModelBackedEffect.PromptParam, "Prompt", ParamKind.String, "", "");

    private static ModelRegistry Registry(TempDir dir) => new(new ModelRegistryOptions(dir.Path, 1 << 30, Watch: false));

    private static FloatImage Constant(int w, int h, float r, float g, float b, float a = 1f)
    {
        var image = new FloatImage(w, h);
        var px = image.Pixels;
        for (var i = 0; i < px.Length; i += 4)
        {
            px[i] = r;
            px[i + 1] = g;
            px[i + 2] = b;
            px[i + 3] = a;
        }
        return image;
    }

    private static EffectResult Render(ModelRegistry registry, EffectDefinition definition, FloatImage source, FloatImage output,
        double time = 0, string instance = "a", FloatImage? mask = null, IReadOnlyDictionary<string, object>? values = null,
        FloatImage? reference = null)
    {
        var effect = new ModelBackedEffect(new StubEngine(definition), registry);
        var p = ParamSet.Bind(definition, values ?? new Dictionary<string, object>());
        var frame = new EffectFrame(source, mask, output, p, time, 1, false, instance)
        {
            Clips = reference is null ? new Dictionary<string, FloatImage>() : new Dictionary<string, FloatImage> { [ModelContracts.ReferenceClip] = reference },
        };
        return effect.Render(frame, CancellationToken.None);
    }

    [Fact]
    public void Every_contract_fixture_validates_and_declares_its_contract()
    {
        foreach (var name in Fixtures.Contracts)
        {
            var report = PackValidator.Validate(Fixtures.Pack(name));
            Assert.True(report.Ok, $"{name}: {string.Join("; ", report.Problems)}");
            Assert.Contains(report.Pack!.Contract, ModelContracts.All);
            Assert.Equal(ModelContracts.EffectFor(report.Pack.Contract!), report.Pack.Effect);
        }
    }

    private static string Problems(string fixture, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Pack(fixture), ModelPack.ManifestName)))!.AsObject();
        edit(json);
        var e = Assert.Throws<PackException>(() => PackReader.Parse(json.ToJsonString(), Fixtures.Pack(fixture)));
        return string.Join("\n", e.Problems);
    }

    [Fact]
    public void Contract_mistakes_are_reported_precisely()
    {
        Assert.Contains("model.json: contract: the salient-matte contract needs an 'alpha' output (1 channel)",
            Problems(Fixtures.SalientMean, j => j["outputs"]![0]!["role"] = "image"));
        Assert.Contains("model.json: contract: the style-arbitrary contract needs a 'reference' input",
            Problems(Fixtures.StyleBlend, j => j["inputs"]![1]!["role"] = "image"));
        Assert.Contains("model.json: effect: the 'style-feedforward' contract serves com.runwayml.style-transfer, not 'com.runwayml.rotoscope'",
            Problems(Fixtures.StyleNegative, j => j["effect"] = "com.runwayml.rotoscope"));
        Assert.Contains("model.json: tiling: a recurrent pack cannot be tiled",
            Problems(Fixtures.VideoMattingAverage, j => j["tiling"] = new JsonObject { ["tile"] = 64, ["overlap"] = 8 }));
        Assert.Contains("model.json: inputs[3].elementType: a seed is int64, got float32",
            Problems(Fixtures.GenerativeFillReference, j => j["inputs"]![3]!["elementType"] = "float32"));
        Assert.Contains("model.json: contract: the video-matting contract needs at least one 'state' input",
            Problems(Fixtures.VideoMattingAverage, j =>
            {
                j["inputs"]!.AsArray().RemoveAt(1);
                j.Remove("recurrent");
            }));
        Assert.Contains("model.json: inputs[1].shape: points have shape [1, N, 2]",
            Problems(Fixtures.PromptablePoints, j => j["inputs"]![1]!["shape"] = new JsonArray(1, "n", 3)));
        Assert.Contains("model.json: contract: 'painting' is not one of inpaint, generative-fill, salient-matte, video-matting, promptable-segmentation, style-feedforward, style-arbitrary",
            Problems(Fixtures.StyleNegative, j => j["contract"] = "painting"));
    }

    [Fact]
    public void Salient_matte_pack_writes_its_matte_to_alpha_and_keeps_the_picture_unclipped()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.SalientMean);
        using var registry = Registry(dir);
        using var source = Fixtures.Picture(20, 12, gain: 1.5f);
        using var output = new FloatImage(20, 12);
        var result = Render(registry, StubEngine.For(ModelContracts.RotoscopeEffect), source, output);
        Assert.Equal("onnx/salient-mean@1.0.0 (cpu)", result.Engine);
        var s = source.Pixels;
        var o = output.Pixels;
        for (var i = 0; i < s.Length; i += 4)
        {
            Assert.Equal(s[i], o[i]);
            Assert.Equal(s[i + 2], o[i + 2]);
            Assert.Equal((s[i] + s[i + 1] + s[i + 2]) / 3f * s[i + 3], o[i + 3], 1e-5f);
        }
    }

    [Fact]
    public void Rotoscope_finishing_params_apply_to_the_model_matte()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.SalientMean);
        using var registry = Registry(dir);
        var definition = RotoscopeDefinition.Definition;
        using var source = Fixtures.Picture(24, 16);
        using var kept = new FloatImage(24, 16);
        using var held = new FloatImage(24, 16);
        var plain = Render(registry, definition, source, kept, values: new Dictionary<string, object> { [RotoscopeDefinition.ParamHoldOut] = false });
        var inverted = Render(registry, definition, source, held, values: new Dictionary<string, object> { [RotoscopeDefinition.ParamHoldOut] = true });
        Assert.Equal("onnx/salient-mean@1.0.0 (cpu)", plain.Engine);
        Assert.Contains(plain.Notes, n => n.StartsWith("model matte finished by the rotoscope refiner", StringComparison.Ordinal));
        Assert.Contains(inverted.Notes, n => n.Contains("hold-out", StringComparison.Ordinal));
        var s = source.Pixels;
        for (var i = 0; i < s.Length; i += 4)
        {
            // Hold-out inverts the same refined matte: the two alphas add up to the source's.
            Assert.Equal(s[i + 3], kept.Pixels[i + 3] + held.Pixels[i + 3], 1e-5f);
            Assert.Equal(s[i], kept.Pixels[i]);
        }
    }

    [Fact]
    public void Rotoscope_with_a_hint_mask_uses_the_classical_engine_which_follows_it()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.SalientMean);
        using var registry = Registry(dir);
        using var source = Fixtures.Picture(24, 16);
        using var hint = Constant(24, 16, 1f, 1f, 1f);
        using var output = new FloatImage(24, 16);
        var result = Render(registry, RotoscopeDefinition.Definition, source, output, mask: hint);
        Assert.Equal(StubEngine.Name, result.Engine);
        Assert.Contains(result.Notes, n => n.StartsWith("rotoscope hints given (mask clip)", StringComparison.Ordinal));
    }

    [Fact]
    public void Video_matting_state_flows_frame_to_frame_and_resets_on_a_jump_or_params_change()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.VideoMattingAverage);
        using var registry = Registry(dir);
        var definition = StubEngine.For(ModelContracts.RotoscopeEffect, Strength);
        using var source = Constant(8, 6, 0.4f, 0.4f, 0.4f);
        using var output = new FloatImage(8, 6);
        float Alpha(double time, double strength = 1.0)
        {
            Render(registry, definition, source, output, time, values: new Dictionary<string, object> { ["strength"] = strength });
            return output.Pixels[3];
        }
        // alpha = 0.5 * grey + 0.5 * previous alpha: 0.2, 0.3, 0.35 while the state carries.
        Assert.Equal(0.2f, Alpha(0), 5);
        Assert.Equal(0.3f, Alpha(1), 5);
        Assert.Equal(0.35f, Alpha(2), 5);
        Assert.Equal(0.2f, Alpha(7), 5);   // jump forward
        Assert.Equal(0.3f, Alpha(8), 5);
        Assert.Equal(0.2f, Alpha(7), 5);   // backwards
        Assert.Equal(0.2f, Alpha(8, strength: 0.5), 5);   // params changed
        // The foreground output (2 × image) is the picture.
        Assert.Equal(0.8f, output.Pixels[0], 5);
        var result = Render(registry, definition, source, output, 20, values: new Dictionary<string, object> { ["strength"] = 0.5 });
        Assert.Contains(result.Notes, n => n.Contains("recurrent state reset (time jumped from 8 to 20)", StringComparison.Ordinal));
    }

    [Fact]
    public void Recurrent_state_is_kept_per_instance_and_dropped_when_the_pack_is_unloaded()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.VideoMattingAverage);
        using var registry = Registry(dir);
        var definition = StubEngine.For(ModelContracts.RotoscopeEffect);
        using var source = Constant(8, 6, 0.4f, 0.4f, 0.4f);
        using var output = new FloatImage(8, 6);
        float Alpha(double time, string instance)
        {
            Render(registry, definition, source, output, time, instance);
            return output.Pixels[3];
        }
        Assert.Equal(0.2f, Alpha(0, "a"), 5);
        Assert.Equal(0.2f, Alpha(0, "b"), 5);
        Assert.Equal(0.3f, Alpha(1, "a"), 5);
        Assert.Equal(0.3f, Alpha(1, "b"), 5);
        Assert.True(registry.States.Has(Fixtures.VideoMattingAverage, "a"));
        Assert.True(registry.Unload(Fixtures.VideoMattingAverage));
        Assert.False(registry.States.Has(Fixtures.VideoMattingAverage, "a"));
        Assert.Equal(0.2f, Alpha(2, "a"), 5);
    }

    [Fact]
    public void Contract_less_recurrent_pack_carries_state_too()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.RecurrentAverage);
        using var registry = Registry(dir);
        var definition = StubEngine.For("com.runwayml.test-average");
        using var source = Constant(8, 6, 0.8f, 0.8f, 0.8f);
        using var output = new FloatImage(8, 6);
        Render(registry, definition, source, output, 0);
        Assert.Equal(0.4f, output.Pixels[0], 5);
        Render(registry, definition, source, output, 1);
        Assert.Equal(0.6f, output.Pixels[0], 5);
    }

    [Fact]
    public void Generative_fill_feeds_reference_seed_and_prompt_and_keeps_the_source_outside_the_hole()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.GenerativeFillReference);
        using var registry = Registry(dir);
        var definition = StubEngine.For(ModelContracts.GenerativeFillEffect, Seed, Prompt);
        using var source = Fixtures.Picture(16, 10, gain: 1.3f);
        using var mask = new FloatImage(16, 10);
        mask.Pixels.Clear();   // pooled: not zeroed on creation
        for (var y = 2; y < 6; y++) mask.Row(y).Slice(4 * 4, 6 * 4).Fill(1f);
        using var reference = Constant(5, 7, 0.6f, 0.6f, 0.6f);
        using var output = new FloatImage(16, 10);
        var result = Render(registry, definition, source, output, mask: mask, reference: reference,
            values: new Dictionary<string, object> { [ModelBackedEffect.SeedParam] = 7L, [ModelBackedEffect.PromptParam] = "a calm lake" });
        Assert.Equal("onnx/generative-fill-reference@1.0.0 (cpu)", result.Engine);
        for (var y = 0; y < 10; y++)
        {
            for (var x = 0; x < 16; x++)
            {
                var o = output.Row(y).Slice(x * 4, 4);
                var s = source.Row(y).Slice(x * 4, 4);
                if (mask.Row(y)[x * 4] > 0) Assert.True(Math.Abs(0.5f * 0.6f + 0.007f - o[0]) < 1e-5f, $"pixel {x},{y}: {o[0]} {o[1]} {o[2]}, source {s[0]} {s[1]} {s[2]}, notes {string.Join(" | ", result.Notes)}");
                else Assert.True(o.SequenceEqual(s), $"pixel {x},{y} outside the hole changed");
            }
        }
    }

    [Fact]
    public void Style_feedforward_pack_restyles_the_frame()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.StyleNegative);
        using var registry = Registry(dir);
        using var source = Constant(6, 4, 0.2f, 0.5f, 0.9f, 0.7f);
        using var output = new FloatImage(6, 4);
        var result = Render(registry, StubEngine.For(ModelContracts.StyleTransferEffect), source, output);
        Assert.Equal("onnx/style-negative@1.0.0 (cpu)", result.Engine);
        var expected = TensorCodec.SrgbToLinear(1f - TensorCodec.LinearToSrgb(0.2f));
        Assert.Equal(expected, output.Pixels[0], 4);
        Assert.Equal(0.7f, output.Pixels[3]);
    }

    [Fact]
    public void Style_arbitrary_pack_takes_the_style_from_the_reference_clip_and_falls_back_without_it()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.StyleBlend);
        using var registry = Registry(dir);
        var definition = StubEngine.For(ModelContracts.StyleTransferEffect);
        using var source = Constant(12, 8, 0.2f, 0.2f, 0.2f);
        using var style = Constant(30, 20, 1.0f, 0.0f, 0.5f);
        using var output = new FloatImage(12, 8);
        var result = Render(registry, definition, source, output, reference: style);
        Assert.Equal("onnx/style-blend@1.0.0 (cpu)", result.Engine);
        Assert.Equal(0.6f, output.Pixels[0], 5);
        Assert.Equal(0.1f, output.Pixels[1], 5);
        Assert.Equal(0.35f, output.Pixels[2], 5);

        var without = Render(registry, definition, source, output);
        Assert.Equal(StubEngine.Name, without.Engine);
        Assert.Contains(without.Notes, n => n.Contains("needs the Reference clip connected", StringComparison.Ordinal));
    }

    [Fact]
    public void Recurrent_states_beyond_the_instance_cap_drop_the_least_recently_used()
    {
        var states = new RecurrentStates { MaxInstances = 2 };
        foreach (var instance in new[] { "a", "b", "c" })
        {
            var slot = states.Take("p", instance, 0, "f");
            states.Return(slot, 0, "f");
        }
        Assert.Equal(2, states.Count);
        Assert.False(states.Has("p", "a"));
        Assert.True(states.Has("p", "c"));
    }
}
