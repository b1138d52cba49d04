using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Rotoscope;
using Runway.Effects.Pixels;
using Runway.Models.Effects;
using Runway.Models.Runtime;
using R = Runway.Effects.Definitions.RotoscopeDefinition;

namespace Runway.Models.Tests;

/// <summary>
/// Salient-matte pack mattes carried to interactive frames by the classical propagation (<see cref="CarriedMattes"/>),
/// with the salient-mean fixture (matte = mean of the linear RGB) on a bright textured disc moving over a dark textured
/// background: a draft near a frame the model matted does not run the model and follows the motion; a draft with
/// nothing in reach, another instance, and every final render run it.
/// </summary>
public class RotoscopeCarryTests
{
    private const int W = 160, H = 120, Radius = 24;

    private static ModelRegistry Registry(TempDir dir) => new(new ModelRegistryOptions(dir.Path, 1 << 30, Watch: false));

    /// <summary>Disc centre at time t: 3 px per frame to the right.</summary>
    private static double Cx(double t) => 50 + 3 * t;

    private static FloatImage Scene(double t)
    {
        var image = new FloatImage(W, H);
        var cx = Cx(t);
        for (var y = 0; y < H; y++)
        {
            var row = image.Row(y);
            for (var x = 0; x < W; x++)
            {
                var inside = (x - cx) * (x - cx) + (y - 60) * (y - 60) <= Radius * Radius;
                // Texture that moves with its surface, so the flow has something to follow.
                var v = inside ? 0.85f + 0.15f * MathF.Sin((float)(x - cx) * 0.7f) * MathF.Cos((y - 60) * 0.6f)
                    : 0.06f + 0.04f * MathF.Sin(x * 0.5f) * MathF.Cos(y * 0.43f);
                row[x * 4] = row[x * 4 + 1] = row[x * 4 + 2] = v;
                row[x * 4 + 3] = 1f;
            }
        }
        return image;
    }

    private static long Runs(ModelRegistry registry) =>
        registry.RunStatistics().Single(s => s.Id == Fixtures.SalientMean).Counts.Runs;

    private static EffectResult Render(ModelBackedEffect effect, FloatImage source, FloatImage output, double t, bool interactive,
        string instance = "carry", IReadOnlyList<TimedImage>? neighbours = null)
    {
        var p = ParamSet.Bind(R.Definition, new Dictionary<string, object>());
        return effect.Render(new EffectFrame(source, null, output, p, t, 1, interactive, instance) { Neighbours = neighbours ?? [] },
            CancellationToken.None);
    }

    /// <summary>Centre of mass of the output's alpha along x.</summary>
    private static double CentroidX(FloatImage output)
    {
        double sum = 0, sx = 0;
        for (var y = 0; y < H; y++)
        {
            var row = output.Row(y);
            for (var x = 0; x < W; x++)
            {
                sum += row[x * 4 + 3];
                sx += x * row[x * 4 + 3];
            }
        }
        return sx / sum;
    }

    [Fact]
    public void Draft_near_a_model_matte_is_carried_by_flow_without_running_the_model()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.SalientMean);
        using var registry = Registry(dir);
        var effect = new ModelBackedEffect(new RotoscopeEngine(), registry);
        using var f0 = Scene(0);
        using var f2 = Scene(2);
        using var output = new FloatImage(W, H);

        var first = Render(effect, f0, output, 0, interactive: false);
        Assert.StartsWith("onnx/salient-mean@", first.Engine, StringComparison.Ordinal);
        var runs = Runs(registry);
        Assert.Equal(1, runs);

        var carried = Render(effect, f2, output, 2, interactive: true);
        Assert.Equal(runs, Runs(registry));
        Assert.StartsWith("onnx/salient-mean@", carried.Engine, StringComparison.Ordinal);
        Assert.Contains(carried.Notes, n => n.StartsWith("draft: model not run; carried by optical flow from t=0", StringComparison.Ordinal));
        // The carried matte sits on the disc where it is now (moved 6 px), not where the model saw it.
        Assert.InRange(CentroidX(output), Cx(2) - 1.5, Cx(2) + 1.5);
        // Colour above the matte is the source's, untouched.
        Assert.Equal(f2.Pixels[(60 * W + 40) * 4], output.Pixels[(60 * W + 40) * 4]);

        // The next draft steps from the carried one, and a re-render of the model's own frame reuses its matte.
        using var f3 = Scene(3);
        var next = Render(effect, f3, output, 3, interactive: true);
        Assert.Contains(next.Notes, n => n.Contains("carried by optical flow from t=2", StringComparison.Ordinal));
        Assert.InRange(CentroidX(output), Cx(3) - 1.5, Cx(3) + 1.5);
        var again = Render(effect, f0, output, 0, interactive: true);
        Assert.Contains(again.Notes, n => n.Contains("model matte of this frame reused", StringComparison.Ordinal));
        Assert.Equal(runs, Runs(registry));
    }

    [Fact]
    public void Model_runs_when_nothing_is_in_reach_for_another_instance_and_for_every_final_render()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.SalientMean);
        using var registry = Registry(dir);
        var effect = new ModelBackedEffect(new RotoscopeEngine(), registry);
        using var f0 = Scene(0);
        using var f1 = Scene(1);
        using var output = new FloatImage(W, H);

        var cold = Render(effect, f0, output, 0, interactive: true);
        Assert.Contains(cold.Notes, n => n.StartsWith("draft: no matte of model pack 'salient-mean' for this instance within", StringComparison.Ordinal));
        Assert.Equal(1, Runs(registry));

        Render(effect, f1, output, 1, interactive: true);
        Assert.Equal(1, Runs(registry));
        Render(effect, f1, output, 1, interactive: true, instance: "other");
        Assert.Equal(2, Runs(registry));
        Render(effect, f1, output, 1 + CarriedMattes.Reach + 1, interactive: true);
        Assert.Equal(3, Runs(registry));
        var final = Render(effect, f1, output, 1, interactive: false);
        Assert.DoesNotContain(final.Notes, n => n.Contains("model not run", StringComparison.Ordinal));
        Assert.Equal(4, Runs(registry));
    }

    [Fact]
    public void A_remembered_matte_whose_frame_changed_is_not_carried()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.SalientMean);
        using var registry = Registry(dir);
        var effect = new ModelBackedEffect(new RotoscopeEngine(), registry);
        using var f0 = Scene(0);
        using var f1 = Scene(1);
        using var changed = Scene(30);
        using var output = new FloatImage(W, H);
        Render(effect, f0, output, 0, interactive: false);

        // The host now shows a different picture at t = 0 (an upstream edit): the old matte belongs to the old one.
        var result = Render(effect, f1, output, 1, interactive: true, neighbours: [new TimedImage(0, changed, null)]);
        Assert.Contains(result.Notes, n => n.Contains("model run", StringComparison.Ordinal));
        Assert.Equal(2, Runs(registry));
    }
}
