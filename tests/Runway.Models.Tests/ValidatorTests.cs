using System.Text.Json.Nodes;
using Runway.Models.Packs;

namespace Runway.Models.Tests;

public class ValidatorTests
{
    private static void EditManifest(string dir, Action<JsonObject> edit)
    {
        var path = Path.Combine(dir, "model.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void Every_fixture_pack_validates_against_its_onnx_graph()
    {
        foreach (var name in Fixtures.All)
        {
            var report = PackValidator.Validate(Fixtures.Pack(name));
            Assert.True(report.Ok, $"{name}: {string.Join("; ", report.Problems)}");
        }
    }

    [Fact]
    public void Sha256_mismatch_is_reported_with_both_digests()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur);
        var pack = dir.Sub(Fixtures.ConvBlur);
        File.AppendAllText(Path.Combine(pack, "model.onnx"), "tampered");
        var problem = Assert.Single(PackValidator.Validate(pack).Problems);
        Assert.Contains("model.onnx: sha256 is ", problem);
        Assert.Contains("model.json says 97d73c12", problem);
    }

    [Fact]
    public void Missing_file_is_reported()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur);
        File.Delete(Path.Combine(dir.Sub(Fixtures.ConvBlur), "model.onnx"));
        Assert.Contains("model.onnx: listed in model.json but missing", Assert.Single(PackValidator.Validate(dir.Sub(Fixtures.ConvBlur)).Problems));
    }

    [Fact]
    public void Element_type_mismatch_names_both_types()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur);
        EditManifest(dir.Sub(Fixtures.ConvBlur), j => j["inputs"]![0]!["elementType"] = "float16");
        var problem = Assert.Single(PackValidator.Validate(dir.Sub(Fixtures.ConvBlur)).Problems);
        Assert.Equal("input 'image': element type is float32 in the model, model.json says float16", problem);
    }

    [Fact]
    public void Shape_mismatch_names_the_axis()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.FixedIdentity);
        EditManifest(dir.Sub(Fixtures.FixedIdentity), j =>
        {
            j["inputs"]![0]!["shape"] = new JsonArray(1, 3, 32, 32);
            j["outputs"]![0]!["shape"] = new JsonArray(1, 3, "height", "width");
            j["inputs"]![0]!["shape"] = new JsonArray(1, 3, "height", "width");
        });
        var problems = PackValidator.Validate(dir.Sub(Fixtures.FixedIdentity)).Problems;
        Assert.Contains("input 'x': axis 2 is fixed at 16 in the model, model.json declares it dynamic ('height')", problems);
        Assert.Contains("output 'y': axis 3 is fixed at 16 in the model, model.json declares it dynamic ('width')", problems);
    }

    [Fact]
    public void Wrong_fixed_size_and_wrong_channel_count_are_reported()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.FixedIdentity);
        EditManifest(dir.Sub(Fixtures.FixedIdentity), j =>
        {
            j["inputs"]![0]!["shape"] = new JsonArray(1, 4, 32, 32);
            j["outputs"]![0]!["shape"] = new JsonArray(1, 3, 32, 32);
        });
        var problems = PackValidator.Validate(dir.Sub(Fixtures.FixedIdentity)).Problems;
        Assert.Contains("input 'x': axis 1 is 3 in the model, model.json says 4", problems);
        Assert.Contains("input 'x': axis 2 is 16 in the model, model.json says 32", problems);
    }

    [Fact]
    public void Undeclared_and_unknown_tensor_names_are_reported()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur);
        EditManifest(dir.Sub(Fixtures.ConvBlur), j => j["inputs"]![0]!["name"] = "picture");
        var problems = PackValidator.Validate(dir.Sub(Fixtures.ConvBlur)).Problems;
        Assert.Contains("input 'picture': declared in model.json but the model has no such input (it has: image)", problems);
        Assert.Contains("input 'image': the model needs it but model.json does not declare it", problems);
    }

    [Fact]
    public void Corrupt_onnx_file_with_a_matching_sha256_is_reported_not_thrown()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur);
        var pack = dir.Sub(Fixtures.ConvBlur);
        File.WriteAllBytes(Path.Combine(pack, "model.onnx"), "this is not an onnx graph"u8.ToArray());
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(pack, "model.onnx"))));
        EditManifest(pack, j => j["files"]![0]!["sha256"] = sha);
        var problem = Assert.Single(PackValidator.Validate(pack).Problems);
        Assert.StartsWith("model.onnx: ONNX Runtime cannot load it:", problem);
    }

    [Fact]
    public void Unreadable_manifest_is_a_report_not_an_exception()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "model.json"), "{ not json");
        var report = PackValidator.Validate(dir.Path);
        Assert.Null(report.Pack);
        Assert.StartsWith("model.json is not valid JSON", Assert.Single(report.Problems));
    }
}
