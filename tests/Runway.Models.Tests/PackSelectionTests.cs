using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Pixels;
using Runway.Models.Effects;
using Runway.Models.Packs;
using Runway.Models.Runtime;
using R = Runway.Effects.Definitions.RotoscopeDefinition;

namespace Runway.Models.Tests;

/// <summary>
/// PackSelector: with a salient-matte pack (salient-mean) and a promptable pack (promptable-points) both serving the
/// rotoscope, each frame goes to the pack that can render it, whatever their priorities, and the notes say which and why.
/// </summary>
public class PackSelectionTests
{
    /// <summary>A models directory with copies of the packs, each given the priority named with it.</summary>
    private static TempDir Packs(params (string Name, int Priority)[] packs)
    {
        var dir = Fixtures.ModelsDir(packs.Select(p => p.Name).ToArray());
        foreach (var (name, priority) in packs)
        {
            var manifest = Path.Combine(dir.Path, name, ModelPack.ManifestName);
            var text = File.ReadAllText(manifest);
            File.WriteAllText(manifest, text.Insert(text.IndexOf('{') + 1, $"\"priority\": {priority},"));
        }
        return dir;
    }

    private static ModelRegistry Registry(TempDir dir) => new(new ModelRegistryOptions(dir.Path, 1 << 30, Watch: false));

    private static FloatImage Grey(int w, int h)
    {
        var image = new FloatImage(w, h);
        var px = image.Pixels;
        px.Fill(0.5f);
        for (var i = 3; i < px.Length; i += 4) px[i] = 1f; // opaque: the output's alpha is the matte itself
        return image;
    }

    private static EffectFrame Frame(FloatImage source, FloatImage output, FloatImage? mask, params (string Name, object Value)[] values)
    {
        var d = new Dictionary<string, object> { [R.ParamRefineRadius] = 0.0 };
        foreach (var (name, value) in values) d[name] = value;
        return new EffectFrame(source, mask, output, ParamSet.Bind(R.Definition, d), 0, 1, false, "roto");
    }

    private static readonly (string, object)[] OnePoint = [(R.ParamPositiveEnable(1), true), (R.ParamPositivePoint(1), new[] { 20.0, 12.0 })];

    [Fact]
    public void Rank_puts_the_promptable_pack_first_for_prompted_frames_and_the_salient_pack_first_otherwise()
    {
        var salient = PackReader.Read(Fixtures.Pack(Fixtures.SalientMean)) with { Priority = 10 };
        var promptable = PackReader.Read(Fixtures.Pack(Fixtures.PromptablePoints)) with { Priority = 1 };
        var video = PackReader.Read(Fixtures.Pack(Fixtures.VideoMattingAverage)) with { Priority = 5 };
        ModelPack[] byPriority = [salient, video, promptable];
        using var source = Grey(32, 24);
        using var output = new FloatImage(32, 24);
        using var mask = Grey(32, 24);

        var prompted = PackSelector.Rank(byPriority, Frame(source, output, null, OnePoint));
        Assert.Equal([promptable.Id, salient.Id, video.Id], prompted.Select(f => f.Pack.Id));
        Assert.Equal([true, false, false], prompted.Select(f => f.Fits));
        Assert.Equal("promptable segmentation for a frame with prompts (points)", prompted[0].Reason);
        Assert.Equal("it mattes hint-less frames only and this one has hints (points)", prompted[1].Reason);

        var rectangle = PackSelector.Rank(byPriority, Frame(source, output, null, (R.ParamUseRect, true)));
        Assert.Equal(promptable.Id, rectangle[0].Pack.Id);
        Assert.Contains("rectangle", rectangle[0].Reason, StringComparison.Ordinal);

        // No hint: both matting packs fit, by priority; the promptable pack has nothing to be prompted with.
        var plain = PackSelector.Rank(byPriority, Frame(source, output, null));
        Assert.Equal([salient.Id, video.Id, promptable.Id], plain.Select(f => f.Pack.Id));
        Assert.Equal([true, true, false], plain.Select(f => f.Fits));
        Assert.Equal("no rectangle or points to prompt it at this frame", plain[2].Reason);

        // A hint matte suits none of them: priority order stays, and the effect's own checks hand it to the classical engine.
        var matte = PackSelector.Rank(byPriority, Frame(source, output, mask, OnePoint));
        Assert.Equal([salient.Id, video.Id, promptable.Id], matte.Select(f => f.Pack.Id));
        Assert.All(matte, f => Assert.False(f.Fits));
    }

    [Fact]
    public void Style_arbitrary_pack_is_chosen_only_when_the_reference_clip_is_connected()
    {
        var arbitrary = PackReader.Read(Fixtures.Pack(Fixtures.StyleBlend)) with { Priority = 9 };
        var feedforward = PackReader.Read(Fixtures.Pack(Fixtures.StyleNegative)) with { Priority = 2 };
        Assert.Equal(ModelContracts.StyleArbitrary, arbitrary.Contract);
        Assert.Equal(ModelContracts.StyleFeedforward, feedforward.Contract);
        using var source = Grey(16, 16);
        using var output = new FloatImage(16, 16);
        var definition = StyleTransferDefinition.Definition;
        var without = new EffectFrame(source, null, output, ParamSet.Bind(definition, new Dictionary<string, object>()), 0, 1, false, "style");
        Assert.Equal(feedforward.Id, PackSelector.Rank([arbitrary, feedforward], without)[0].Pack.Id);
        var with = without with { Clips = new Dictionary<string, FloatImage> { [ModelContracts.ReferenceClip] = source } };
        Assert.Equal(arbitrary.Id, PackSelector.Rank([arbitrary, feedforward], with)[0].Pack.Id);
    }

    [Fact]
    public void Prompted_frames_render_with_the_promptable_pack_even_when_the_salient_pack_has_higher_priority()
    {
        using var dir = Packs((Fixtures.SalientMean, 10), (Fixtures.PromptablePoints, 1));
        using var registry = Registry(dir);
        var effect = new ModelBackedEffect(new StubEngine(R.Definition), registry);
        using var source = Grey(32, 24);
        using var output = new FloatImage(32, 24);

        var prompted = effect.Render(Frame(source, output, null, OnePoint), CancellationToken.None);
        Assert.True(prompted.Engine == "onnx/promptable-points@1.0.0 (cpu)", $"engine {prompted.Engine}; notes: {string.Join(" | ", prompted.Notes)}");
        Assert.Contains(prompted.Notes, n => n.StartsWith(
            "model pack 'promptable-points' (promptable-segmentation, priority 1) chosen for this frame: promptable segmentation for a frame with prompts (points); other candidates: 'salient-mean' (salient-matte, priority 10: it mattes hint-less frames only",
            StringComparison.Ordinal));
        // The promptable fixture draws a disc around its point: the matte really is that pack's.
        Assert.True(output.Pixels[(12 * 32 + 19) * 4 + 3] > 0.5f && output.Pixels[3] < 0.5f);

        var plain = effect.Render(Frame(source, output, null), CancellationToken.None);
        Assert.True(plain.Engine == "onnx/salient-mean@1.0.0 (cpu)", $"engine {plain.Engine}; notes: {string.Join(" | ", plain.Notes)}");
        Assert.Contains(plain.Notes, n => n.StartsWith("model pack 'salient-mean' (salient-matte, priority 10) chosen for this frame: salient-matte for a frame without hints", StringComparison.Ordinal));

        // The same holds with the priorities the other way round.
        using var swapped = Packs((Fixtures.SalientMean, 1), (Fixtures.PromptablePoints, 10));
        using var registry2 = Registry(swapped);
        var effect2 = new ModelBackedEffect(new StubEngine(R.Definition), registry2);
        Assert.StartsWith("onnx/salient-mean@", effect2.Render(Frame(source, output, null), CancellationToken.None).Engine, StringComparison.Ordinal);
        Assert.StartsWith("onnx/promptable-points@", effect2.Render(Frame(source, output, null, OnePoint), CancellationToken.None).Engine, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_pack_adds_no_selection_note_and_a_pack_that_cannot_load_gives_way_to_the_next_fitting_one()
    {
        using var one = Packs((Fixtures.PromptablePoints, 1));
        using var registry = Registry(one);
        var effect = new ModelBackedEffect(new StubEngine(R.Definition), registry);
        using var source = Grey(32, 24);
        using var output = new FloatImage(32, 24);
        var alone = effect.Render(Frame(source, output, null, OnePoint), CancellationToken.None);
        Assert.StartsWith("onnx/promptable-points@", alone.Engine, StringComparison.Ordinal);
        Assert.DoesNotContain(alone.Notes, n => n.Contains("chosen for this frame", StringComparison.Ordinal));

        // The preferred salient pack is corrupt (one byte of its weights flipped): the next hint-less pack renders.
        using var dir = Packs((Fixtures.SalientMean, 10), (Fixtures.VideoMattingAverage, 5));
        var onnx = Path.Combine(dir.Path, Fixtures.SalientMean, "model.onnx");
        var bytes = File.ReadAllBytes(onnx);
        bytes[^1] ^= 0x5a;
        File.WriteAllBytes(onnx, bytes);
        using var registry2 = Registry(dir);
        var effect2 = new ModelBackedEffect(new StubEngine(R.Definition), registry2);
        var result = effect2.Render(Frame(source, output, null), CancellationToken.None);
        Assert.StartsWith("onnx/video-matting-average@", result.Engine, StringComparison.Ordinal);
        Assert.Contains(result.Notes, n => n.StartsWith("model pack 'video-matting-average' (video-matting, priority 5) chosen for this frame", StringComparison.Ordinal)
            && n.Contains("'salient-mean' (salient-matte, priority 10: failed to load:", StringComparison.Ordinal) && n.Contains("sha256", StringComparison.Ordinal));
    }
}
