using System.Text.Json.Nodes;
using Runway.Effects.Pixels;
using Runway.Models.Packs;
using Runway.Models.Runtime;

namespace Runway.Models.Tests;

public class RegistryTests
{
    private static ModelRegistry Registry(TempDir dir, long budget = 1 << 30, bool watch = false) =>
        new(new ModelRegistryOptions(dir.Path, budget, Watch: watch));

    private static void Tamper(string packDir) => File.AppendAllText(Path.Combine(packDir, "model.onnx"), "tampered");

    private static long Estimate(string name) => ModelRegistry.Estimate(PackReader.Read(Fixtures.Pack(name)));

    [Fact]
    public void Packs_in_the_models_directory_are_listed_as_available()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.All);
        using var registry = Registry(dir);
        var list = registry.List();
        Assert.Equal(Fixtures.All.Order(StringComparer.Ordinal), list.Select(m => m.Id));
        Assert.All(list, m => Assert.Equal(ModelState.Available, m.State));
        Assert.Equal("CC-BY-NC-4.0", list.Single(m => m.Id == Fixtures.NhwcDouble).Licence!.Spdx);
    }

    [Fact]
    public void Packs_added_and_removed_while_running_are_noticed()
    {
        using var dir = new TempDir();
        using var registry = Registry(dir, watch: true);
        Assert.Empty(registry.List());
        Fixtures.CopyPack(Fixtures.ConvBlur, dir.Sub("blur"));
        Assert.True(SpinWait.SpinUntil(() => registry.List().Count == 1, TimeSpan.FromSeconds(10)), "added pack not noticed");
        using (var lease = registry.Acquire(Fixtures.ConvBlur, CancellationToken.None)) Assert.NotNull(lease.Model);
        Directory.Delete(dir.Sub("blur"), recursive: true);
        Assert.True(SpinWait.SpinUntil(() => registry.List().Count == 0, TimeSpan.FromSeconds(10)), "removed pack not noticed");
        Assert.Equal(0, registry.ResidentBytes);
    }

    [Fact]
    public async Task Load_warms_up_and_unload_releases_the_budget()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur);
        using var registry = Registry(dir);
        var status = await registry.LoadAsync(Fixtures.ConvBlur);
        Assert.Equal(ModelState.Loaded, status.State);
        Assert.Equal(ExecutionProviders.Cpu, status.Provider);
        Assert.True(status.LoadMillis > 0 && status.WarmupMillis > 0);
        Assert.Equal(Estimate(Fixtures.ConvBlur), registry.ResidentBytes);
        Assert.True(registry.Unload(Fixtures.ConvBlur));
        Assert.False(registry.Unload(Fixtures.ConvBlur));
        Assert.Equal(ModelState.Available, registry.Find(Fixtures.ConvBlur)!.State);
        Assert.Equal(0, registry.ResidentBytes);
    }

    [Fact]
    public async Task Least_recently_used_model_is_evicted_to_stay_within_the_budget()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur, Fixtures.NhwcDouble, Fixtures.FixedIdentity);
        // Room for conv-blur and nhwc-double together, not for a third.
        var budget = Estimate(Fixtures.ConvBlur) + Estimate(Fixtures.NhwcDouble) + 10;
        using var registry = Registry(dir, budget);
        await registry.LoadAsync(Fixtures.ConvBlur);
        await registry.LoadAsync(Fixtures.NhwcDouble);
        await registry.LoadAsync(Fixtures.FixedIdentity);
        Assert.Equal(ModelState.Available, registry.Find(Fixtures.ConvBlur)!.State);
        Assert.Equal(ModelState.Loaded, registry.Find(Fixtures.NhwcDouble)!.State);
        Assert.Equal(ModelState.Loaded, registry.Find(Fixtures.FixedIdentity)!.State);
        Assert.True(registry.ResidentBytes <= budget);

        registry.Acquire(Fixtures.NhwcDouble, CancellationToken.None).Dispose(); // now fixed-identity is the oldest
        await registry.LoadAsync(Fixtures.ConvBlur);
        Assert.Equal(ModelState.Available, registry.Find(Fixtures.FixedIdentity)!.State);
        Assert.Equal(ModelState.Loaded, registry.Find(Fixtures.NhwcDouble)!.State);
        Assert.True(registry.ResidentBytes <= budget);
    }

    [Fact]
    public async Task A_model_in_use_is_not_evicted_and_a_full_budget_is_reported()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur, Fixtures.NhwcDouble);
        using var registry = Registry(dir, Estimate(Fixtures.ConvBlur) + 10);
        using var lease = registry.Acquire(Fixtures.ConvBlur, CancellationToken.None);
        var e = await Assert.ThrowsAsync<ModelException>(() => registry.LoadAsync(Fixtures.NhwcDouble));
        Assert.Equal(ModelErrorKind.OverBudget, e.Kind);
        Assert.Contains("the rest is in use", e.Message);
        Assert.Equal(ModelState.Loaded, registry.Find(Fixtures.ConvBlur)!.State);
    }

    [Fact]
    public async Task A_pack_bigger_than_the_whole_budget_is_refused()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur);
        using var registry = Registry(dir, 100);
        var e = await Assert.ThrowsAsync<ModelException>(() => registry.LoadAsync(Fixtures.ConvBlur));
        Assert.Equal(ModelErrorKind.OverBudget, e.Kind);
        Assert.Contains("more than the whole memory budget", e.Message);
    }

    [Fact]
    public async Task Sha256_mismatch_marks_the_pack_unusable_without_crashing()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur, Fixtures.NhwcDouble);
        Tamper(dir.Sub(Fixtures.ConvBlur));
        using var registry = Registry(dir);
        var e = await Assert.ThrowsAsync<ModelException>(() => registry.LoadAsync(Fixtures.ConvBlur));
        Assert.Equal(ModelErrorKind.Unusable, e.Kind);
        Assert.Contains("sha256 is", e.Message);
        var status = registry.Find(Fixtures.ConvBlur)!;
        Assert.Equal(ModelState.Unusable, status.State);
        Assert.Contains("sha256", status.Error);
        Assert.Equal(0, registry.ResidentBytes);
        Assert.Equal(ModelState.Loaded, (await registry.LoadAsync(Fixtures.NhwcDouble)).State);
    }

    [Fact]
    public void Corrupt_manifest_and_dtype_mismatch_are_listed_unusable_with_their_reason()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur, Fixtures.FixedIdentity);
        Directory.CreateDirectory(dir.Sub("junk"));
        File.WriteAllText(Path.Combine(dir.Sub("junk"), "model.json"), "{ \"id\": ");
        var manifest = Path.Combine(dir.Sub(Fixtures.FixedIdentity), "model.json");
        var json = JsonNode.Parse(File.ReadAllText(manifest))!;
        json["inputs"]![0]!["elementType"] = "uint8";
        File.WriteAllText(manifest, json.ToJsonString());
        using var registry = Registry(dir);
        var junk = registry.Find("junk")!;
        Assert.Equal(ModelState.Unusable, junk.State);
        Assert.Contains("not valid JSON", junk.Error);
        var dtype = registry.Find(Fixtures.FixedIdentity)!;
        Assert.Equal(ModelState.Unusable, dtype.State);
        Assert.Contains("tensor 'x' is uint8; this runtime feeds and reads float32 tensors only", dtype.Error);
        Assert.Equal(ModelState.Available, registry.Find(Fixtures.ConvBlur)!.State);
    }

    [Fact]
    public void Best_pack_for_an_effect_is_the_highest_priority_usable_one()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur);
        // A second pack for the same effect with a higher priority, whose model file is corrupt.
        Fixtures.CopyPack(Fixtures.ConvBlur, dir.Sub("better"));
        var manifest = Path.Combine(dir.Sub("better"), "model.json");
        var json = JsonNode.Parse(File.ReadAllText(manifest))!;
        json["id"] = "conv-blur-better";
        json["priority"] = 50;
        File.WriteAllText(manifest, json.ToJsonString());
        Tamper(dir.Sub("better"));
        using var registry = Registry(dir);
        var failures = new List<string>();
        using var lease = registry.AcquireBest("com.runwayml.test-blur", failures, CancellationToken.None);
        Assert.Equal(Fixtures.ConvBlur, lease!.Pack.Id);
        Assert.Contains("conv-blur-better", Assert.Single(failures));
        Assert.Null(registry.AcquireBest("com.runwayml.nothing", null, CancellationToken.None));
    }

    [Fact]
    public async Task One_session_serves_concurrent_runs_with_identical_results()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur);
        using var registry = Registry(dir);
        using var lease = registry.Acquire(Fixtures.ConvBlur, CancellationToken.None);
        using var source = Fixtures.Picture(96, 64, gain: 2f);
        using var expected = new FloatImage(96, 64);
        lease.Model.Run(source, null, expected, CancellationToken.None);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            using var output = new FloatImage(96, 64);
            for (var i = 0; i < 5; i++) lease.Model.Run(source, null, output, CancellationToken.None);
            return output.Pixels.SequenceEqual(expected.Pixels);
        })));
        Assert.All(results, Assert.True);
        Assert.Equal(41, lease.Model.Runs);
    }

    [Fact]
    public void Unloading_a_model_in_use_lets_the_running_lease_finish()
    {
        using var dir = Fixtures.ModelsDir(Fixtures.ConvBlur);
        using var registry = Registry(dir);
        var lease = registry.Acquire(Fixtures.ConvBlur, CancellationToken.None);
        Assert.True(registry.Unload(Fixtures.ConvBlur));
        using var source = Fixtures.Picture(32, 32);
        using var output = new FloatImage(32, 32);
        lease.Model.Run(source, null, output, CancellationToken.None);
        lease.Dispose();
        Assert.Equal(ModelState.Available, registry.Find(Fixtures.ConvBlur)!.State);
    }
}
