using System.Text.Json;
using Runway.Effects.Definitions;

namespace Runway.Effects.Tests;

public sealed class EffectCatalogTests
{
    private static JsonElement Effects()
    {
        using var doc = JsonDocument.Parse(EffectCatalog.ToJson());
        Assert.Equal(1, doc.RootElement.GetProperty("schemaVersion").GetInt32());
        return doc.RootElement.GetProperty("effects").Clone();
    }

    private static JsonElement Inpaint() =>
        Assert.Single(Effects().EnumerateArray(), e => e.GetProperty("id").GetString() == "com.runwayml.inpaint");

    [Fact]
    public void Effects_json_lists_inpaint_and_omits_hidden_effects()
    {
        var ids = Effects().EnumerateArray().Select(e => e.GetProperty("id").GetString()).ToList();
        Assert.Contains("com.runwayml.inpaint", ids);
        Assert.DoesNotContain("com.runwayml.passthrough", ids);
        Assert.NotNull(EffectCatalog.Find("com.runwayml.passthrough"));
    }

    [Fact]
    public void Effects_json_inpaint_has_the_schema_fields()
    {
        var e = Inpaint();
        Assert.Equal("Inpaint", e.GetProperty("label").GetString());
        Assert.Equal("Runway", e.GetProperty("group").GetString());
        Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("description").GetString()));
        Assert.Equal(1, e.GetProperty("version").GetProperty("major").GetInt32());
        Assert.Equal(1, e.GetProperty("version").GetProperty("minor").GetInt32());
        Assert.Equal(["Filter", "General"], e.GetProperty("contexts").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("FullySafe", e.GetProperty("threadSafety").GetString());
        Assert.Equal(InpaintDefinition.MaxTemporalWindow, e.GetProperty("framesNeeded").GetProperty("before").GetInt32());
        Assert.Equal(InpaintDefinition.MaxTemporalWindow, e.GetProperty("framesNeeded").GetProperty("after").GetInt32());

        var clips = e.GetProperty("clips").EnumerateArray().ToList();
        Assert.Equal(["Source", "Mask"], clips.Select(c => c.GetProperty("name").GetString()));
        var mask = clips[1];
        Assert.True(mask.GetProperty("optional").GetBoolean());
        Assert.True(mask.GetProperty("isMask").GetBoolean());
        Assert.Equal(["RGBA", "Alpha"], mask.GetProperty("components").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("white/opaque = remove", mask.GetProperty("hint").GetString());
        Assert.False(clips[0].GetProperty("optional").GetBoolean());
    }

    [Fact]
    public void Effects_json_params_carry_kind_default_ranges_and_options()
    {
        var ps = Inpaint().GetProperty("params").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(["method", "radius", "maskChannel", "maskThreshold", "dilate", "feather", "invertMask", "temporalWindow", "flowQuality"], ps.Keys);

        var radius = ps["radius"];
        Assert.Equal("double", radius.GetProperty("kind").GetString());
        Assert.Equal(5, radius.GetProperty("default").GetDouble());
        Assert.Equal(0.5, radius.GetProperty("min").GetDouble());
        Assert.Equal(100, radius.GetProperty("max").GetDouble());
        Assert.Equal(1, radius.GetProperty("displayMin").GetDouble());
        Assert.Equal(25, radius.GetProperty("displayMax").GetDouble());
        Assert.True(radius.GetProperty("spatial").GetBoolean());
        Assert.True(radius.GetProperty("animates").GetBoolean());
        Assert.Equal("Controls", radius.GetProperty("page").GetString());
        Assert.False(string.IsNullOrWhiteSpace(radius.GetProperty("hint").GetString()));
        Assert.False(radius.TryGetProperty("options", out _));

        var method = ps["method"];
        Assert.Equal("choice", method.GetProperty("kind").GetString());
        Assert.Equal("telea", method.GetProperty("default").GetString());
        Assert.Equal(["telea", "navier-stokes", "fsr-fast", "fsr-best"],
            method.GetProperty("options").EnumerateArray().Select(o => o.GetProperty("value").GetString()));
        Assert.Equal("Navier-Stokes", method.GetProperty("options")[1].GetProperty("label").GetString());
        Assert.False(method.TryGetProperty("min", out _));

        var invert = ps["invertMask"];
        Assert.Equal("boolean", invert.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.False, invert.GetProperty("default").ValueKind);
        Assert.False(invert.TryGetProperty("displayMax", out _));

        Assert.True(ps["dilate"].GetProperty("spatial").GetBoolean());
        Assert.True(ps["feather"].GetProperty("spatial").GetBoolean());
        Assert.False(ps["maskThreshold"].GetProperty("spatial").GetBoolean());
        Assert.Equal(["auto", "alpha", "luminance"],
            ps["maskChannel"].GetProperty("options").EnumerateArray().Select(o => o.GetProperty("value").GetString()));
    }

    private static Dictionary<string, JsonElement> ParamsOf(string id) =>
        Assert.Single(Effects().EnumerateArray(), e => e.GetProperty("id").GetString() == id)
            .GetProperty("params").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);

    [Fact]
    public void Effects_json_marks_generative_fill_centre_as_position_and_size_as_size_with_normalised_defaults()
    {
        var ps = ParamsOf(GenerativeFillDefinition.Id);
        var centre = ps[GenerativeFillDefinition.ParamCenter];
        Assert.Equal("position", centre.GetProperty("coordinates").GetString());
        // 960,540 top-left pixels of the 1920x1080 default frame = the middle of any frame.
        Assert.Equal([0.5, 0.5], centre.GetProperty("defaultNormalised").EnumerateArray().Select(v => v.GetDouble()));
        var size = ps[GenerativeFillDefinition.ParamSize];
        Assert.Equal("size", size.GetProperty("coordinates").GetString());
        Assert.Equal([320.0 / 1920, 240.0 / 1080], size.GetProperty("defaultNormalised").EnumerateArray().Select(v => v.GetDouble()));
    }

    [Fact]
    public void Effects_json_marks_rotoscope_rectangle_and_points_as_positions_and_sizes()
    {
        var ps = ParamsOf(RotoscopeDefinition.Id);
        Assert.Equal("position", ps[RotoscopeDefinition.ParamRectCentre].GetProperty("coordinates").GetString());
        Assert.Equal("size", ps[RotoscopeDefinition.ParamRectSize].GetProperty("coordinates").GetString());
        for (var i = 1; i <= RotoscopeDefinition.PointCount; i++)
        {
            Assert.Equal("position", ps[RotoscopeDefinition.ParamPositivePoint(i)].GetProperty("coordinates").GetString());
            Assert.Equal("position", ps[RotoscopeDefinition.ParamNegativePoint(i)].GetProperty("coordinates").GetString());
        }
        var negative = ps[RotoscopeDefinition.ParamNegativePoint(1)].GetProperty("defaultNormalised").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(100.0 / 1920, negative[0], 12);
        Assert.Equal(100.0 / 1080, negative[1], 12);
    }

    [Fact]
    public void Effects_json_gives_coordinates_only_to_double2d_params_and_normalised_defaults_only_to_positions_and_sizes()
    {
        foreach (var effect in Effects().EnumerateArray())
        foreach (var p in effect.GetProperty("params").EnumerateArray())
        {
            var name = $"{effect.GetProperty("id").GetString()}/{p.GetProperty("name").GetString()}";
            var isDouble2D = p.GetProperty("kind").GetString() == "double2d";
            Assert.True(isDouble2D == p.TryGetProperty("coordinates", out var c), $"{name}: coordinates on a non-double2d param or missing");
            var spatial = isDouble2D && c.GetString() is "position" or "size";
            Assert.True(!isDouble2D || c.GetString() is "plain" or "position" or "size", $"{name}: unknown coordinates {c}");
            Assert.True(spatial == p.TryGetProperty("defaultNormalised", out _), $"{name}: defaultNormalised present iff position/size");
        }
    }

    [Fact]
    public void Normalised_default_divides_by_the_default_frame_and_is_null_for_plain_numbers()
    {
        var position = new ParamDefinition("p", "P", ParamKind.Double2D, "h", new[] { 480.0, 270.0 }, Coordinates: ParamCoordinates.Position);
        Assert.Equal([0.25, 0.25], position.NormalisedDefault!);
        Assert.Null((position with { Coordinates = ParamCoordinates.Plain }).NormalisedDefault);
        Assert.Null(new ParamDefinition("d", "D", ParamKind.Double, "h", 1.0, Coordinates: ParamCoordinates.Size).NormalisedDefault);
        Assert.Equal("plain", EffectCatalog.CoordinatesName(ParamCoordinates.Plain));
    }

    [Fact]
    public void Effects_json_is_stable_between_calls()
    {
        Assert.Equal(EffectCatalog.ToJson(), EffectCatalog.ToJson());
        Assert.Contains("\n  \"effects\"", EffectCatalog.ToJson());
    }

    [Fact]
    public void Find_and_Create_resolve_ids_and_reject_unknown_ones()
    {
        Assert.Same(InpaintDefinition.Definition, EffectCatalog.Find("com.runwayml.inpaint"));
        Assert.Null(EffectCatalog.Find("com.runwayml.nope"));
        Assert.Same(EffectCatalog.Create("com.runwayml.inpaint"), EffectCatalog.Create("com.runwayml.inpaint"));
        Assert.Equal("com.runwayml.passthrough", EffectCatalog.Create("com.runwayml.passthrough").Definition.Id);
        var e = Assert.Throws<ArgumentException>(() => EffectCatalog.Create("com.runwayml.nope"));
        Assert.Contains("com.runwayml.inpaint", e.Message);
        Assert.Equal(EffectCatalog.All.Count, EffectCatalog.All.Select(d => d.Id).Distinct().Count());
    }

    [Fact]
    public void Passthrough_copies_source_to_output()
    {
        using var source = Images.Filled(5, 3, (x, y) => (x, y, 4f, 0.5f));
        using var output = new Pixels.FloatImage(5, 3);
        var effect = EffectCatalog.Create("com.runwayml.passthrough");
        var p = ParamSet.Bind(effect.Definition, new Dictionary<string, object>());
        effect.Render(Images.Frame(source, null, output, p), CancellationToken.None);
        Assert.True(Images.BitEqual(source, output));
    }
}
