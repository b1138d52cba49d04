using System.Text.Json.Nodes;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Extend;
using Runway.Effects.Pixels;
using Runway.Models.Effects;
using Runway.Models.Packs;
using Runway.Models.Runtime;

namespace Runway.Models.Tests;

/// <summary>
/// The frame-extrapolation contract (extend shot's model-pack path) with the extrapolate-linear fixture, whose output
/// is exactly image + k·(image − previous): the pack must be chosen past the clip's end, get the right history frame
/// and step, keep the source's alpha, and leave frames it cannot serve to the classical engine with the reason.
/// </summary>
public class FrameExtrapolationTests
{
    private const string Pack = "extrapolate-linear";
    private const int Width = 20, Height = 12;

    private static ModelRegistry Registry(TempDir dir) => new(new ModelRegistryOptions(dir.Path, 1 << 30, Watch: false));

    private static ParamSet Params(long frames = 4) => ParamSet.Bind(ExtendShotDefinition.Definition,
        new Dictionary<string, object> { [ExtendShotDefinition.ParamFrames] = frames, [ExtendShotDefinition.ParamHistory] = 2L });

    /// <summary>Renders clip time <paramref name="time"/> of a clip whose frames 0…9 exist, frame 9 the source.</summary>
    private static EffectResult Render(ModelBackedEffect effect, FloatImage end, IReadOnlyList<TimedImage> neighbours, double time, FloatImage output) =>
        effect.Render(new EffectFrame(end, null, output, Params(), time, 1.0, false, "extrapolation-test")
        {
            Neighbours = neighbours,
            SourceRange = new ClipRange(0, 9),
        }, CancellationToken.None);

    [Fact]
    public void Pack_predicts_tail_frames_from_the_end_frame_the_previous_frame_and_the_step()
    {
        using var dir = Fixtures.ModelsDir(Pack);
        using var registry = Registry(dir);
        using var end = Fixtures.Picture(Width, Height);
        using var previous = Fixtures.Picture(Width, Height, gain: 0.5f);
        using var older = Fixtures.Picture(Width, Height, gain: 0.25f);
        // Alpha below 1 somewhere, to see that the source's alpha is kept.
        end.Row(3)[4 * 5 + 3] = 0.5f;
        using var output = new FloatImage(Width, Height);
        var effect = new ModelBackedEffect(new ExtendShotEngine(), registry);
        TimedImage[] neighbours = [new(7, older, null), new(8, previous, null)];

        for (var k = 1; k <= 3; k++)
        {
            var result = Render(effect, end, neighbours, 9 + k, output);
            Assert.Equal("onnx/extrapolate-linear@1.0.0 (cpu)", result.Engine);
            Assert.Contains($"model extrapolated frame {k} from the end frame and 1 history frame(s)", result.Notes);
            var e = end.Pixels;
            var p = previous.Pixels;
            var o = output.Pixels;
            for (var i = 0; i < o.Length; i += 4)
            {
                for (var c = 0; c < 3; c++)
                    Assert.Equal(e[i + c] + k * (e[i + c] - p[i + c]), o[i + c], 5);
                Assert.Equal(e[i + 3], o[i + 3]);
            }
        }
        // Values above 1 in the source (the picture's bright edge) go through unclipped: the pack is linear.
        Assert.True(output.Pixels.ToArray().Max() > 1f);
    }

    [Fact]
    public void Frames_the_pack_cannot_serve_fall_back_to_the_classical_engine_with_the_reason()
    {
        using var dir = Fixtures.ModelsDir(Pack);
        using var registry = Registry(dir);
        using var end = Fixtures.Picture(Width, Height);
        using var older = Fixtures.Picture(Width, Height, gain: 0.25f);
        using var output = new FloatImage(Width, Height);
        var effect = new ModelBackedEffect(new ExtendShotEngine(), registry);

        // The frame just before the end (time 8) is missing: the pack's history input cannot be fed.
        var missing = Render(effect, end, [new TimedImage(7, older, null)], 10, output);
        Assert.Equal(ExtendShotEngine.Name, missing.Engine);
        Assert.Contains(missing.Notes, n => n.StartsWith("model pack 'extrapolate-linear' needs 1 history frame(s); the frame at time 8 was not given", StringComparison.Ordinal)
            && n.EndsWith("classical engine used", StringComparison.Ordinal));

        // Inside the source range the effect is the identity, which the classical engine gives.
        var inside = Render(effect, end, [new TimedImage(8, older, null)], 5, output);
        Assert.Equal(ExtendShotEngine.Name, inside.Engine);
        Assert.Contains(ExtendShotEngine.NoteInside, inside.Notes);
        Assert.True(output.Pixels.SequenceEqual(end.Pixels));
    }

    [Fact]
    public void Fixture_validates_and_serves_extend_shot()
    {
        var report = PackValidator.Validate(Fixtures.Pack(Pack));
        Assert.True(report.Ok, string.Join("; ", report.Problems));
        Assert.Equal(ModelContracts.FrameExtrapolation, report.Pack!.Contract);
        Assert.Equal(ExtendShotDefinition.Id, ModelContracts.EffectFor(ModelContracts.FrameExtrapolation));
        Assert.Equal(1, FrameExtrapolationContract.HistoryFrames(report.Pack));
        Assert.True(FrameExtrapolationContract.TakesStep(report.Pack));
    }

    private static string Problems(Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Pack(Pack), ModelPack.ManifestName)))!.AsObject();
        edit(json);
        var e = Assert.Throws<PackException>(() => PackReader.Parse(json.ToJsonString(), Fixtures.Pack(Pack)));
        return string.Join("\n", e.Problems);
    }

    [Fact]
    public void Frame_extrapolation_mistakes_are_reported_precisely()
    {
        Assert.Contains("model.json: contract: the frame-extrapolation contract needs at least one 'history' input",
            Problems(j => j["inputs"]!.AsArray().RemoveAt(1)));
        Assert.Contains("model.json: inputs[2].elementType: a step is float32 (frames past the end frame), got int64",
            Problems(j => j["inputs"]![2]!["elementType"] = "int64"));
        Assert.Contains("model.json: inputs[2].shape: a step has shape [] or [1]",
            Problems(j => j["inputs"]![2]!["shape"] = new JsonArray(1, 2)));
        Assert.Contains("model.json: contract: history input 'previous' has 1 channels, the image input 'image' 3; they must match",
            Problems(j => j["inputs"]![1]!["shape"] = new JsonArray(1, 1, "height", "width")));
        Assert.Contains("model.json: contract: the frame-extrapolation contract takes no input with role 'reference' ('previous')",
            Problems(j => j["inputs"]![1]!["role"] = "reference"));
        Assert.Contains("model.json: effect: the 'frame-extrapolation' contract serves com.runwayml.extend-shot, not 'com.runwayml.inpaint'",
            Problems(j => j["effect"] = "com.runwayml.inpaint"));
    }
}
