using System.Text.Json;
using System.Text.Json.Nodes;
using Runway.Models.Packs;

namespace Runway.Models.Tests;

public class PackFormatTests
{
    private static ModelPack Read(string name) => PackReader.Read(Fixtures.Pack(name));

    /// <summary>Parses a fixture's model.json after an edit, expecting failure; returns the problems.</summary>
    private static IReadOnlyList<string> Problems(string fixture, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Pack(fixture), "model.json")))!.AsObject();
        edit(json);
        var e = Assert.Throws<PackException>(() => PackReader.Parse(json.ToJsonString(), Fixtures.Pack(fixture)));
        return e.Problems;
    }

    private static JsonObject Input(JsonObject pack, int i = 0) => pack["inputs"]![i]!.AsObject();

    [Fact]
    public void Every_fixture_pack_reads()
    {
        foreach (var name in Fixtures.All) Assert.Equal(name, Read(name).Id);
    }

    [Fact]
    public void Effect_version_licence_priority_and_files_are_read()
    {
        var pack = Read(Fixtures.ConvBlur);
        Assert.Equal("com.runwayml.test-blur", pack.Effect);
        Assert.Equal("1.0.0", pack.Version);
        Assert.Equal(new PackLicence("MIT", true, null), pack.Licence);
        Assert.Equal(10, pack.Priority);
        Assert.Equal("model.onnx", pack.Model);
        Assert.Equal(64, Assert.Single(pack.Files).Sha256.Length);
        Assert.False(Read(Fixtures.NhwcDouble).Licence.CommercialUse);
    }

    [Fact]
    public void Tensor_declarations_carry_layout_type_shape_and_multiple()
    {
        var blur = Read(Fixtures.ConvBlur).Inputs[0];
        Assert.Equal(TensorLayout.Nchw, blur.Layout);
        Assert.Equal(TensorElement.Float32, blur.ElementType);
        Assert.Equal([TensorDim.Of(1), TensorDim.Of(3), TensorDim.Dynamic("height"), TensorDim.Dynamic("width")], blur.Shape);
        Assert.Equal(8, blur.MultipleOf);
        Assert.False(blur.FixedSpatial);
        Assert.False(blur.Clip);

        var nhwc = Read(Fixtures.NhwcDouble).Inputs[0];
        Assert.Equal(TensorLayout.Nhwc, nhwc.Layout);
        Assert.Equal(3, nhwc.Channels);
        Assert.Equal(3, nhwc.ChannelAxis);

        var fixedSize = Read(Fixtures.FixedIdentity).Inputs[0];
        Assert.True(fixedSize.FixedSpatial);
        Assert.Equal(16, fixedSize.Shape[2].Fixed);
    }

    [Fact]
    public void Colour_encodings_linear_srgb_and_normalised_are_read()
    {
        Assert.Equal(ColourKind.Linear, Read(Fixtures.ConvBlur).Inputs[0].Encoding.Kind);
        var srgb = Read(Fixtures.InpaintFill).Inputs[0];
        Assert.Equal(ColourKind.Srgb, srgb.Encoding.Kind);
        Assert.True(srgb.Clip);
        var norm = Read(Fixtures.NhwcDouble).Inputs[0].Encoding;
        Assert.Equal(ColourKind.Normalised, norm.Kind);
        Assert.Equal(ColourKind.Srgb, norm.Transfer);
        Assert.Equal([0.5f, 0.25f, 0f], norm.Mean);
        Assert.Equal([0.5f, 0.25f, 1f], norm.Std);
    }

    [Fact]
    public void Value_range_defaults_to_unit_and_is_read_when_given()
    {
        Assert.Equal(ValueRange.Unit, Read(Fixtures.ConvBlur).Inputs[0].Range);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Pack(Fixtures.ConvBlur), "model.json")))!.AsObject();
        Input(json)["range"] = new JsonArray(-1, 1);
        Assert.Equal(new ValueRange(-1, 1), PackReader.Parse(json.ToJsonString(), Fixtures.Pack(Fixtures.ConvBlur)).Inputs[0].Range);
    }

    [Fact]
    public void Tiling_recurrent_links_and_contract_are_read()
    {
        Assert.Equal(new TilingDeclaration(32, 8, TileBlend.Feather), Read(Fixtures.ConvBlur).Tiling);
        Assert.Null(Read(Fixtures.InpaintFill).Tiling);
        Assert.Equal([new RecurrentLink("state_out", "state")], Read(Fixtures.RecurrentAverage).Recurrent);
        Assert.Equal(TensorRole.State, Read(Fixtures.RecurrentAverage).Inputs[1].Role);
        Assert.Equal("inpaint", Read(Fixtures.InpaintFill).Contract);
        Assert.Equal(TensorRole.Mask, Read(Fixtures.InpaintFill).Inputs[1].Role);
    }

    [Fact]
    public void Problems_name_the_json_path_and_all_are_reported_at_once()
    {
        var problems = Problems(Fixtures.ConvBlur, j =>
        {
            Input(j)["layout"] = "NCWH";
            Input(j)["elementType"] = "float64";
            j["licence"]!.AsObject().Remove("commercialUse");
            j["colour"] = "x";
        });
        Assert.Contains(problems, p => p.Contains("inputs[0].layout: \"NCWH\" is not one of NCHW, NHWC"));
        Assert.Contains(problems, p => p.Contains("inputs[0].elementType: \"float64\" is not one of"));
        Assert.Contains(problems, p => p.Contains("licence.commercialUse: is required"));
        Assert.Contains(problems, p => p.Contains("colour: unknown key"));
    }

    [Fact]
    public void Normalised_encoding_needs_one_mean_and_std_per_channel()
    {
        var problems = Problems(Fixtures.NhwcDouble, j => Input(j)["encoding"]!["std"] = new JsonArray(0.5, 0.5));
        Assert.Contains(problems, p => p.Contains("inputs[0].encoding: mean and std need 3 values each"));
        Assert.Contains(Problems(Fixtures.NhwcDouble, j => Input(j)["encoding"]!.AsObject().Remove("mean")),
            p => p.Contains("a normalised encoding needs mean and std"));
    }

    [Fact]
    public void Tile_must_respect_the_multiple_and_overlap_must_be_under_half()
    {
        Assert.Contains(Problems(Fixtures.ConvBlur, j => j["tiling"]!["tile"] = 36), p => p.Contains("tiling.tile: 36 is not a multiple of image's multipleOf 8"));
        Assert.Contains(Problems(Fixtures.ConvBlur, j => j["tiling"]!["overlap"] = 16), p => p.Contains("tiling.overlap: 16 must be less than half the tile (32)"));
    }

    [Fact]
    public void Shapes_must_be_rank_four_with_a_fixed_channel_axis()
    {
        Assert.Contains(Problems(Fixtures.ConvBlur, j => Input(j)["shape"] = new JsonArray(1, 3, "height")), p => p.Contains("has 3 axes"));
        Assert.Contains(Problems(Fixtures.ConvBlur, j => Input(j)["shape"] = new JsonArray(1, "c", "height", "width")),
            p => p.Contains("inputs[0].shape[1]: the channel axis of a NCHW tensor must be fixed at 1, 3 or 4"));
        Assert.Contains(Problems(Fixtures.ConvBlur, j => Input(j)["shape"] = new JsonArray(1, 3, 16, "width")),
            p => p.Contains("height and width must both be fixed or both dynamic"));
    }

    [Fact]
    public void Recurrent_links_must_join_a_declared_output_to_a_state_input_of_the_same_shape()
    {
        Assert.Contains(Problems(Fixtures.RecurrentAverage, j => j["recurrent"]![0]!["output"] = "nope"),
            p => p.Contains("recurrent[0].output: 'nope' is not a declared output"));
        Assert.Contains(Problems(Fixtures.RecurrentAverage, j => j["recurrent"] = new JsonArray()),
            p => p.Contains("state input 'state' is fed by no output"));
        Assert.Contains(Problems(Fixtures.RecurrentAverage, j => j["outputs"]![1]!["shape"] = new JsonArray(1, 1, "height", "width")),
            p => p.Contains("must have the same type, layout and shape"));
    }

    [Fact]
    public void Inpaint_contract_needs_an_image_and_a_mask_input()
    {
        Assert.Contains(Problems(Fixtures.InpaintFill, j => j["inputs"]![1]!["role"] = "image"),
            p => p.Contains("the inpaint contract needs exactly one 'image' and one 'mask' input"));
    }

    [Fact]
    public void File_paths_may_not_leave_the_pack_folder()
    {
        Assert.Contains(Problems(Fixtures.ConvBlur, j => j["files"]![0]!["path"] = "../inpaint-fill/model.onnx"),
            p => p.Contains("must be a relative path inside the pack folder"));
    }

    [Fact]
    public void Schema_is_valid_json_and_requires_what_the_reader_requires()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "model-pack.schema.json");
        using var schema = JsonDocument.Parse(File.ReadAllText(path));
        var required = schema.RootElement.GetProperty("required").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(["id", "effect", "version", "licence", "files", "inputs", "outputs"], required);
        foreach (var key in required)
            Assert.Contains(Problems(Fixtures.ConvBlur, j => j.Remove(key!)), p => p.Contains($"{key}: is required"));
    }
}
