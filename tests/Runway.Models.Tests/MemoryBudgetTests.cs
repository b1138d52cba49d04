using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Runway.Models.Runtime;
using Xunit.Abstractions;

namespace Runway.Models.Tests;

/// <summary>
/// The memory target: resident models stay within the configured budget ±10% while packs are loaded and
/// evicted in a loop. The packs are written at test time (not committed): a graph whose output is the input plus
/// 0 × one element gathered from a large float initializer, so the weights must stay resident (a Gather indexed by
/// a value computed from the input cannot be constant-folded away) while a run costs nothing. The C heap runs with
/// runwayd's settings (<see cref="NativeHeap.ConfigureForResidentRendering"/>: freed blocks below 32 MiB stay in the heap,
/// up to 256 MiB of free heap top kept), since those are what could make real memory outgrow the counted budget.
/// </summary>
[Collection(MemoryBudgetTests.Alone)]
public sealed class MemoryBudgetTests(ITestOutputHelper output)
{
    /// <summary>Process memory is shared: no other test class may run while this one measures it.</summary>
    public const string Alone = "process memory measurement";

    private const int WeightFloats = 2 << 20; // 8 MiB of weights per pack

    [Fact]
    public void Loading_and_evicting_in_a_loop_keeps_counted_and_real_memory_within_the_budget()
    {
        // As in runwayd (RenderPipeline sets it before the first frame). Process-wide and once per process: this class
        // runs alone, and tests after it in this assembly run with the daemon's heap too.
        var heap = NativeHeap.ConfigureForResidentRendering();
        output.WriteLine(heap);
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable(NativeHeap.DefaultSwitch) != "default")
            Assert.True(heap.Contains("kept for reuse", StringComparison.Ordinal) || heap.Contains("already set", StringComparison.Ordinal), heap);

        using var dir = new TempDir();
        var ids = Enumerable.Range(0, 4).Select(i => $"heavy-{i}").ToArray();
        for (var i = 0; i < ids.Length; i++) WriteHeavyPack(Path.Combine(dir.Path, ids[i]), ids[i], seed: i + 1);
        var estimate = ModelRegistry.Estimate(Packs.PackReader.Read(Path.Combine(dir.Path, ids[0])));
        // Room for two of the four: every third load evicts the least recently used one.
        var budget = 2 * estimate + estimate / 2;
        var evictions = 0;
        using var registry = new ModelRegistry(new ModelRegistryOptions(dir.Path, budget, Watch: false),
            line => { if (line.Contains("evicted", StringComparison.Ordinal)) Interlocked.Increment(ref evictions); });

        // ONNX Runtime's process-wide environment and thread pools are paid by the first session of any pack; a
        // throwaway load of a tiny pack takes that out of the measurement.
        using var tinyDir = Fixtures.ModelsDir(Fixtures.ConvBlur);
        using (var tiny = new ModelRegistry(new ModelRegistryOptions(tinyDir.Path, 1 << 30, Watch: false)))
        using (tiny.Acquire(Fixtures.ConvBlur, CancellationToken.None)) { }

        var baseline = SettledRss();
        long peakCounted = 0, peakReal = 0;
        var realAtTwo = new List<long>();
        for (var round = 0; round < 3; round++)
        {
            foreach (var id in ids)
            {
                using (registry.Acquire(id, CancellationToken.None)) peakCounted = Math.Max(peakCounted, registry.ResidentBytes);
                Assert.True(registry.ResidentBytes <= budget, $"counted {registry.ResidentBytes} B over the budget of {budget} B");
                var real = SettledRss() - baseline;
                peakReal = Math.Max(peakReal, real);
                if (registry.List().Count(m => m.State == ModelState.Loaded) == 2) realAtTwo.Add(real);
            }
        }
        var perModel = realAtTwo.Average() / 2;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"onnx file {WeightFloats * 4 / 1048576.0:F1} MiB, estimate {estimate / 1048576.0:F1} MiB, budget {budget / 1048576.0:F1} MiB; " +
            $"counted peak {peakCounted / 1048576.0:F1} MiB; real (VmRSS over baseline) peak {peakReal / 1048576.0:F1} MiB, " +
            $"with two resident {realAtTwo.Min() / 1048576.0:F1}..{realAtTwo.Max() / 1048576.0:F1} MiB = {perModel / 1048576.0:F1} MiB per model " +
            $"({perModel / estimate:P0} of the estimate); evictions {evictions}"));

        Assert.Equal(10, evictions); // 12 loads, two fit: every load after the first two evicts one
        // The target: what resident models really cost stays within the budget + 10%.
        Assert.True(peakReal <= budget * 1.1, $"real resident cost {peakReal} B exceeds the budget {budget} B by more than 10%");
        // And the estimate does not undercount this kind of pack (weights-dominated, tiny activations): measured 17.8 MiB
        // per model for a 16 MiB estimate with this class alone, 10.2 MiB when the whole assembly ran before it (the C
        // allocator then reuses memory earlier tests freed, which the baseline already holds). Only the upper side is
        // asserted, with room for allocator noise: an undercount is what would break the budget.
        Assert.True(perModel <= estimate * 1.35, $"a resident model really costs {perModel:F0} B, the estimate is {estimate} B");
    }

    /// <summary>Resident set size after a full collection, so freed managed buffers do not count.</summary>
    private static long SettledRss()
    {
        // Aggressive: the GC also gives freed segments back to the OS, so managed garbage does not blur VmRSS.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }

    private static void WriteHeavyPack(string folder, string id, int seed)
    {
        Directory.CreateDirectory(folder);
        var onnx = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(onnx, HeavyModel(seed));
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(onnx)));
        File.WriteAllText(Path.Combine(folder, "model.json"), $$"""
            {
              "id": "{{id}}", "effect": "com.runwayml.test-heavy", "version": "1.0.0",
              "licence": { "spdx": "MIT", "commercialUse": true },
              "files": [ { "path": "model.onnx", "sha256": "{{sha}}" } ],
              "inputs": [ { "name": "image", "role": "image", "elementType": "float32", "layout": "NCHW", "shape": [1, 3, "height", "width"], "encoding": { "kind": "linear" } } ],
              "outputs": [ { "name": "out", "role": "image", "elementType": "float32", "layout": "NCHW", "shape": [1, 3, "height", "width"], "encoding": { "kind": "linear" } } ]
            }
            """);
    }

    // ---- A minimal ONNX protobuf writer: just the fields this graph needs (field numbers from onnx.proto). ----

    private static byte[] HeavyModel(int seed)
    {
        var weights = new float[WeightFloats];
        var random = new Random(seed);
        for (var i = 0; i < weights.Length; i++) weights[i] = (float)random.NextDouble();
        var graph = new Proto()
            .Message(1, Node("ReduceMin", ["image"], ["mn"]))
            .Message(1, Node("Mul", ["mn", "zero"], ["z"]))
            .Message(1, Node("Cast", ["z"], ["idx"], ("to", 7)))
            .Message(1, Node("Gather", ["big", "idx"], ["g"]))
            .Message(1, Node("Mul", ["g", "zero"], ["g0"]))
            .Message(1, Node("Add", ["image", "g0"], ["out"]))
            .String(2, "heavy")
            .Message(5, Tensor("big", [WeightFloats], weights))
            .Message(5, Tensor("zero", [], [0f]))
            .Message(11, ValueInfo("image"))
            .Message(12, ValueInfo("out"));
        return new Proto()
            .Varint(1, 8)
            .String(2, "runway-tests")
            .Message(7, graph)
            .Message(8, new Proto().String(1, "").Varint(2, 17))
            .ToArray();
    }

    private static Proto Node(string op, string[] inputs, string[] outputs, (string Name, long Value)? attribute = null)
    {
        var node = new Proto();
        foreach (var i in inputs) node.String(1, i);
        foreach (var o in outputs) node.String(2, o);
        node.String(4, op);
        if (attribute is { } a) node.Message(5, new Proto().String(1, a.Name).Varint(3, a.Value).Varint(20, 2));
        return node;
    }

    private static Proto Tensor(string name, long[] dims, float[] values)
    {
        var tensor = new Proto();
        foreach (var d in dims) tensor.Varint(1, d);
        tensor.Varint(2, 1); // FLOAT
        tensor.String(8, name);
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        return tensor.Bytes(9, raw);
    }

    private static Proto ValueInfo(string name)
    {
        var shape = new Proto()
            .Message(1, new Proto().Varint(1, 1))
            .Message(1, new Proto().Varint(1, 3))
            .Message(1, new Proto().String(2, "height"))
            .Message(1, new Proto().String(2, "width"));
        var tensorType = new Proto().Varint(1, 1).Message(2, shape);
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType));
    }

    private sealed class Proto
    {
        private readonly MemoryStream _bytes = new();

        public Proto Varint(int field, long value) => Tag(field, 0).Raw((ulong)value);

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public Proto Bytes(int field, byte[] value)
        {
            Tag(field, 2).Raw((ulong)value.Length);
            _bytes.Write(value);
            return this;
        }

        public byte[] ToArray() => _bytes.ToArray();

        private Proto Tag(int field, int wire) => Raw((ulong)((field << 3) | wire));

        private Proto Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _bytes.WriteByte((byte)value);
            return this;
        }
    }
}

/// <summary>Runs <see cref="MemoryBudgetTests"/> with no other test class in parallel.</summary>
[CollectionDefinition(MemoryBudgetTests.Alone, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection;
