using System.Text.Json.Nodes;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Pixels;
using Runway.Models.Effects;
using Runway.Models.Packs;
using Runway.Models.Runtime;
using R = Runway.Effects.Definitions.RotoscopeDefinition;

namespace Runway.Models.Tests;

/// <summary>
/// Promptable segmentation (points, labels, box fed in model-input pixels), the video-matting foreground, states at a
/// fraction of the frame, and the draft path of model packs. The fixtures' outputs are known exactly (make_fixtures.py):
/// promptable-points draws a disc of radius 6 model pixels around its first point (inverted for label 0),
/// promptable-box draws its box into a fixed 32x32 input.
/// </summary>
public class PromptTests
{
    private static ModelRegistry Registry(TempDir dir) => new(new ModelRegistryOptions(dir.Path, 1 << 30, Watch: false));

    private static FloatImage Grey(int w, int h, float v)
    {
        var image = new FloatImage(w, h);
        var px = image.Pixels;
        for (var i = 0; i < px.Length; i += 4)
        {
            px[i] = v;
            px[i + 1] = v;
            px[i + 2] = v;
            px[i + 3] = 1f;
        }
        return image;
    }

    /// <summary>Rotoscope params with hard edges (no guided filter), so the matte is the model's own.</summary>
    private static Dictionary<string, object> Hard(params (string Name, object Value)[] values)
    {
        var d = new Dictionary<string, object> { [R.ParamRefineRadius] = 0.0 };
        foreach (var (name, value) in values) d[name] = value;
        return d;
    }

    private static EffectResult Render(ModelRegistry registry, FloatImage source, FloatImage output, Dictionary<string, object> values,
        double renderScale = 1, bool interactive = false, FloatImage? mask = null, EffectDefinition? definition = null, double time = 0)
    {
        var def = definition ?? R.Definition;
        var effect = new ModelBackedEffect(new StubEngine(def), registry);
        var frame = new EffectFrame(source, mask, output, ParamSet.Bind(def, values), time, renderScale, interactive, "roto");
        return effect.Render(frame, CancellationToken.None);
    }

    private static void AssertEngine(string expected, EffectResult result) =>
        Assert.True(result.Engine == expected, $"engine {result.Engine}, expected {expected}; notes: {string.Join(" | ", result.Notes)}");

    /// <summary>Centroid and count of the pixels whose alpha is above one half.</summary>
    private static (double X, double Y, int Count) Centroid(FloatImage image)
    {
        double sx = 0, sy = 0;
        var n = 0;
        for (var y = 0; y < image.Height; y++)
        {
            var row = image.Row(y);
            for (var x = 0; x < image.Width; x++)
            {
                if (row[x * 4 + 3] <= 0.5f) continue;
                sx += x;
                sy += y;
                n++;
            }
        }
        return n == 0 ? (double.NaN, double.NaN, 0) : (sx / n, sy / n, n);
    }

    /// <summary>Bounding box (inclusive pixel indices) of the pixels whose alpha is above one half.</summary>
    private static (int X0, int Y0, int X1, int Y1) Bounds(FloatImage image)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (var y = 0; y < image.Height; y++)
        {
            var row = image.Row(y);
            for (var x = 0; x < image.Width; x++)
            {
                if (row[x * 4 + 3] <= 0.5f) continue;
                (x0, y0, x1, y1) = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
            }
        }
        return (x0, y0, x1, y1);
    }

    [Fact]
    public void Positive_point_puts_the_matte_around_the_point_and_the_matte_moves_with_it()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.PromptablePoints);
        using var registry = Registry(dir);
        using var source = Grey(64, 48, 0.5f);
        using var output = new FloatImage(64, 48);

        var first = Render(registry, source, output, Hard((R.ParamPositiveEnable(1), true), (R.ParamPositivePoint(1), new[] { 20.0, 30.0 })));
        AssertEngine("onnx/promptable-points@1.0.0 (cpu)", first);
        Assert.Contains(first.Notes, n => n.Contains("prompted with 1 subject and 0 background point(s)", StringComparison.Ordinal));
        var (x, y, count) = Centroid(output);
        // Pixel x covers x..x+1, so a disc centred on the point (20, 30) has its pixel-index centroid at (19.5, 29.5).
        Assert.InRange(x, 19.0, 20.0);
        Assert.InRange(y, 29.0, 30.0);
        Assert.InRange(count, 100, 125); // π·6² ≈ 113 pixels

        Render(registry, source, output, Hard((R.ParamPositiveEnable(1), true), (R.ParamPositivePoint(1), new[] { 44.0, 12.0 })));
        (x, y, _) = Centroid(output);
        Assert.InRange(x, 43.0, 44.0);
        Assert.InRange(y, 11.0, 12.0);
    }

    [Fact]
    public void Background_point_arrives_with_label_zero_and_subject_points_come_first()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.PromptablePoints);
        using var registry = Registry(dir);
        using var source = Grey(64, 48, 0.5f);
        using var output = new FloatImage(64, 48);

        // Only a background point: the fixture inverts its disc for label 0.
        var result = Render(registry, source, output, Hard((R.ParamNegativeEnable(1), true), (R.ParamNegativePoint(1), new[] { 20.0, 30.0 })));
        Assert.Contains(result.Notes, n => n.Contains("0 subject and 1 background point(s)", StringComparison.Ordinal));
        Assert.True(output.Row(29)[19 * 4 + 3] < 0.01f, "alpha at the background point");
        Assert.True(output.Row(5)[60 * 4 + 3] > 0.99f, "alpha far from the background point");

        // A subject point given after a background one in param order still goes first (label 1 at slot 0).
        Render(registry, source, output, Hard((R.ParamNegativeEnable(1), true), (R.ParamNegativePoint(1), new[] { 20.0, 30.0 }),
            (R.ParamPositiveEnable(3), true), (R.ParamPositivePoint(3), new[] { 50.0, 10.0 })));
        var (x, y, _) = Centroid(output);
        Assert.InRange(x, 49.0, 50.0);
        Assert.InRange(y, 9.0, 10.0);
    }

    [Fact]
    public void Box_prompt_is_scaled_into_a_fixed_size_input_on_a_non_square_frame_and_at_half_render_scale()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.PromptableBox);
        using var registry = Registry(dir);
        var rect = Hard((R.ParamUseRect, true), (R.ParamRectCentre, new[] { 48.0, 24.0 }), (R.ParamRectSize, new[] { 48.0, 24.0 }));

        // 96x48 into 32x32: x scales by 1/3, y by 2/3; the rectangle 24..72 x 12..36 must come back where it was.
        using (var source = Grey(96, 48, 0.5f))
        using (var output = new FloatImage(96, 48))
        {
            var result = Render(registry, source, output, rect);
            AssertEngine("onnx/promptable-box@1.0.0 (cpu)", result);
            Assert.Contains(result.Notes, n => n.Contains("the rectangle as a box", StringComparison.Ordinal));
            var (x0, y0, x1, y1) = Bounds(output);
            Assert.InRange(x0, 23, 25);
            Assert.InRange(x1, 70, 72);
            Assert.InRange(y0, 11, 13);
            Assert.InRange(y1, 34, 36);
        }

        // Half render scale: params stay in full-resolution pixels, the frame is 48x24, the box 12..36 x 6..18.
        using (var source = Grey(48, 24, 0.5f))
        using (var output = new FloatImage(48, 24))
        {
            Render(registry, source, output, rect, renderScale: 0.5);
            var (x0, y0, x1, y1) = Bounds(output);
            Assert.InRange(x0, 11, 13);
            Assert.InRange(x1, 34, 36);
            Assert.InRange(y0, 5, 7);
            Assert.InRange(y1, 16, 18);
        }
    }

    [Fact]
    public void Promptable_pack_leaves_hint_mattes_and_unprompted_frames_to_the_classical_engine_and_says_why()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.PromptablePoints);
        using var registry = Registry(dir);
        using var source = Grey(32, 24, 0.5f);
        using var output = new FloatImage(32, 24);
        using var mask = Grey(32, 24, 1f);

        var unprompted = Render(registry, source, output, Hard());
        Assert.Equal(StubEngine.Name, unprompted.Engine);
        Assert.Contains(unprompted.Notes, n => n.StartsWith("no rectangle or points enabled to prompt model pack 'promptable-points'", StringComparison.Ordinal));

        var hinted = Render(registry, source, output, Hard((R.ParamPositiveEnable(1), true)), mask: mask);
        Assert.Equal(StubEngine.Name, hinted.Engine);
        Assert.Contains(hinted.Notes, n => n.StartsWith("hint matte given at this frame", StringComparison.Ordinal));
    }

    [Fact]
    public void Video_matting_foreground_output_gives_the_colour_unless_held_out()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.VideoMattingAverage);
        using var registry = Registry(dir);
        // Grey 0.6: alpha = 0.3 on the first frame, foreground = 1.2 (above 1: not clipped, the tensor is linear).
        using var source = Grey(16, 12, 0.6f);
        using var output = new FloatImage(16, 12);

        var result = Render(registry, source, output, Hard());
        AssertEngine("onnx/video-matting-average@1.0.0 (cpu)", result);
        Assert.Contains(result.Notes, n => n.Contains("colour from the model's foreground", StringComparison.Ordinal));
        Assert.Equal(1.2f, output.Pixels[0], 4);
        Assert.Equal(0.3f, output.Pixels[3], 4);

        // Hold-out keeps the background, whose colour is the source's, not the subject's foreground.
        var held = Render(registry, source, output, Hard((R.ParamHoldOut, true)), time: 10);
        Assert.DoesNotContain(held.Notes, n => n.Contains("foreground", StringComparison.Ordinal));
        Assert.Equal(0.6f, output.Pixels[0], 4);
        Assert.Equal(0.7f, output.Pixels[3], 4);
    }

    [Fact]
    public void State_declared_at_a_quarter_of_the_frame_is_sized_from_the_padded_run_and_carries_over()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.VideoMattingStrided);
        using var registry = Registry(dir);
        var pack = PackReader.Read(Fixtures.Pack(Fixtures.VideoMattingStrided));
        Assert.Equal(4, pack.Inputs.Single(t => t.Role == TensorRole.State).Stride);
        // 18x10 pads to 20x12 (multipleOf 4); the state is 5x3. A full-size state would make the graph's Add fail.
        using var source = Grey(18, 10, 0.4f);
        using var output = new FloatImage(18, 10);
        var definition = StubEngine.For(ModelContracts.RotoscopeEffect);
        var expected = new[] { 0.2f, 0.3f, 0.35f };
        for (var t = 0; t < expected.Length; t++)
        {
            var result = Render(registry, source, output, [], definition: definition, time: t);
            AssertEngine("onnx/video-matting-strided@1.0.0 (cpu)", result);
            Assert.Equal(expected[t], output.Pixels[3], 4);
            Assert.Equal(expected[t], output.Row(9)[17 * 4 + 3], 4);
        }
    }

    private static string Problems(string fixture, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Pack(fixture), ModelPack.ManifestName)))!.AsObject();
        edit(json);
        using var temp = new TempDir();
        File.WriteAllText(Path.Combine(temp.Path, ModelPack.ManifestName), json.ToJsonString());
        var e = Assert.Throws<PackException>(() => PackReader.Read(temp.Path));
        return string.Join("\n", e.Problems);
    }

    [Fact]
    public void Stride_activation_and_labels_declarations_are_checked_with_precise_messages()
    {
        Assert.Contains("inputs[0].stride: only state tensors live at a fraction of the frame; a image has the run's size",
            Problems(Fixtures.VideoMattingStrided, j => j["inputs"]![0]!["stride"] = 2));
        Assert.Contains("recurrent[0]: output 'state_out' has stride 2 and input 'state' stride 4; a fed-back state keeps its size, declare the same stride",
            Problems(Fixtures.VideoMattingStrided, j => j["outputs"]![1]!["stride"] = 2));
        Assert.Contains("inputs[1].stride: a state at 1/4 of the frame needs dynamic height and width (its size follows the run's), got 8x8",
            Problems(Fixtures.VideoMattingStrided, j => j["inputs"]![1]!["shape"] = new JsonArray(1, 1, 8, 8)));
        Assert.Contains("inputs[0].activation: only an alpha output has an activation (mask logits), not a image",
            Problems(Fixtures.PromptablePoints, j => j["inputs"]![0]!["activation"] = "sigmoid"));
        Assert.Contains("outputs[0].activation: \"soft\" is not one of none, sigmoid, step",
            Problems(Fixtures.PromptablePoints, j => j["outputs"]![0]!["activation"] = "soft"));
        Assert.Contains("inputs: 'labels' has 5 labels but 'points' has n points; declare the same N",
            Problems(Fixtures.PromptablePoints, j => j["inputs"]![2]!["shape"] = new JsonArray(1, 5)));
        Assert.Contains("inputs: 'labels' has role 'labels' but no input has role 'points'",
            Problems(Fixtures.PromptablePoints, j => j["inputs"]!.AsArray().RemoveAt(1)));
    }

    [Fact]
    public void Interactive_frames_run_dynamic_packs_at_reduced_size_and_keep_the_prompt_in_place()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.PromptablePoints);
        using var registry = Registry(dir);
        using var source = Grey(1100, 620, 0.5f);
        using var output = new FloatImage(1100, 620);
        var point = Hard((R.ParamPositiveEnable(1), true), (R.ParamPositivePoint(1), new[] { 300.0, 200.0 }));

        var draft = Render(registry, source, output, point, interactive: true);
        AssertEngine("onnx/promptable-points@1.0.0 (cpu)", draft);
        // 1100x620 with the long side at 512: 512x289 (620 · 512 / 1100 = 288.6).
        Assert.Contains("draft: model run at 512x289", draft.Notes);
        var (x, y, count) = Centroid(output);
        Assert.InRange(x, 298.0, 301.0);
        Assert.InRange(y, 198.0, 201.0);
        // The disc's radius is 6 model pixels, 6 · 1100 / 512 ≈ 12.9 frame pixels: π · 12.9² ≈ 523 pixels.
        Assert.InRange(count, 470, 580);
        // The colour is the full-resolution source, untouched by the reduced run.
        Assert.Equal(0.5f, output.Pixels[0]);

        var final = Render(registry, source, output, point);
        Assert.DoesNotContain(final.Notes, n => n.StartsWith("draft:", StringComparison.Ordinal));
        (_, _, count) = Centroid(output);
        Assert.InRange(count, 100, 125);
    }

    [Fact]
    public void Fixed_size_packs_take_no_draft_reduction()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.PromptableBox);
        using var registry = Registry(dir);
        using var source = Grey(1100, 620, 0.5f);
        using var output = new FloatImage(1100, 620);
        var result = Render(registry, source, output, Hard((R.ParamUseRect, true)), interactive: true);
        AssertEngine("onnx/promptable-box@1.0.0 (cpu)", result);
        Assert.DoesNotContain(result.Notes, n => n.StartsWith("draft:", StringComparison.Ordinal));
    }

    [Fact]
    public void Interactive_image_pack_output_is_upsampled_close_to_the_full_size_run()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.StyleNegative);
        using var registry = Registry(dir);
        using var source = Fixtures.Picture(900, 300);
        // The fixture picture has a hard 17-step pattern in blue; keep red and green (smooth ramps) for the comparison.
        using var final = new FloatImage(900, 300);
        using var draft = new FloatImage(900, 300);
        var definition = StubEngine.For(ModelContracts.StyleTransferEffect);
        Render(registry, source, final, [], definition: definition);
        var result = Render(registry, source, draft, [], definition: definition, interactive: true);
        Assert.Contains("draft: model run at 512x171", result.Notes);
        var f = final.Pixels;
        var d = draft.Pixels;
        var worst = 0f;
        for (var y = 2; y < 298; y++)
        {
            for (var x = 2; x < 898; x++)
            {
                var i = (y * 900 + x) * 4;
                worst = Math.Max(worst, Math.Max(Math.Abs(f[i] - d[i]), Math.Abs(f[i + 1] - d[i + 1])));
                Assert.Equal(f[i + 3], d[i + 3]);
            }
        }
        // The ramps are linear in the picture; 1 − sRGB(x) decoded is not, so bilinear upsampling of the reduced
        // run departs from the full one by a little; 0.01 linear is well above what was measured and far below any
        // visible error.
        Assert.True(worst < 0.01f, $"worst difference {worst}");
    }
}
