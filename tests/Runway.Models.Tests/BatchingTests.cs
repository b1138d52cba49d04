using Runway.Effects.Pixels;
using Runway.Models.Packs;
using Runway.Models.Runtime;

namespace Runway.Models.Tests;

/// <summary>
/// RunBatcher on the batch-blur fixture (conv-blur's graph with a dynamic batch axis "N" and maxBatch 4). The window is
/// widened or closed by the tests so that who shares a run is decided by the test, not by thread timing.
/// </summary>
public class BatchingTests
{
    private const string BatchBlur = "batch-blur";
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(2);

    private static ModelPack Pack(string name) => PackReader.Read(Fixtures.Pack(name));

    private static ResidentModel Load(string name)
    {
        var pack = Pack(name);
        return ResidentModel.Load(pack, ModelRegistry.Estimate(pack));
    }

    private static FloatImage Expected(ResidentModel reference, FloatImage source)
    {
        var output = new FloatImage(source.Width, source.Height);
        reference.Run(source, null, output, CancellationToken.None);
        return output;
    }

    private static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Long;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the batcher never reached the expected state");
            Thread.Sleep(2);
        }
    }

    [Fact]
    public void Pack_reader_reads_max_batch_and_defaults_to_one()
    {
        Assert.Equal(4, Pack(BatchBlur).MaxBatch);
        Assert.Equal(1, Pack(Fixtures.ConvBlur).MaxBatch);
        using var batched = Load(BatchBlur);
        using var plain = Load(Fixtures.ConvBlur);
        Assert.NotNull(batched.Batcher);
        Assert.Null(plain.Batcher);
    }

    [Fact]
    public void Max_batch_on_a_recurrent_or_fixed_batch_pack_is_refused_with_the_reason()
    {
        using var temp = Fixtures.ModelsDir(Fixtures.RecurrentAverage, Fixtures.ConvBlur);
        foreach (var name in new[] { Fixtures.RecurrentAverage, Fixtures.ConvBlur })
        {
            var manifest = Path.Combine(temp.Path, name, ModelPack.ManifestName);
            var text = File.ReadAllText(manifest);
            File.WriteAllText(manifest, text.Insert(text.IndexOf('{') + 1, "\"maxBatch\": 2,"));
        }
        var recurrent = Assert.Throws<PackException>(() => PackReader.Read(Path.Combine(temp.Path, Fixtures.RecurrentAverage)));
        Assert.Contains("maxBatch: a recurrent pack cannot batch", recurrent.Message);
        var fixedBatch = Assert.Throws<PackException>(() => PackReader.Read(Path.Combine(temp.Path, Fixtures.ConvBlur)));
        Assert.Contains("maxBatch: tensor 'image' has a fixed batch axis (1)", fixedBatch.Message);
    }

    [Fact]
    public void Four_concurrent_tiled_runs_share_session_runs_and_match_separate_runs_exactly()
    {
        using var model = Load(BatchBlur);
        using var reference = Load(Fixtures.ConvBlur);
        var batcher = model.Batcher!;
        // Wide window: the four callers always meet; the fourth fills the group, which starts at once.
        batcher.Window = Long;
        var sources = Enumerable.Range(0, 4).Select(i => Fixtures.Picture(72, 56, gain: 1f + i * 0.75f)).ToArray();
        var outputs = sources.Select(s => new FloatImage(s.Width, s.Height)).ToArray();
        var runsBefore = batcher.SessionRuns;
        var threads = Enumerable.Range(0, 4).Select(i => new Thread(() => model.Run(sources[i], null, outputs[i], CancellationToken.None))).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) Assert.True(t.Join(Long));

        // 72x56 at tile 32 / overlap 8 is 3x2 windows per frame; each window is one session run for all four callers.
        Assert.Equal(6, batcher.SessionRuns - runsBefore);
        Assert.Equal(24, batcher.BatchedRequests);
        Assert.Equal(4, batcher.LargestBatch);
        for (var i = 0; i < 4; i++)
        {
            using var expected = Expected(reference, sources[i]);
            Assert.True(expected.Pixels.SequenceEqual(outputs[i].Pixels), $"caller {i}: batched output differs from its separate run");
            // Values above 1 survive (linear model, gains 1.75 to 3.25 for callers 1-3): no clipping in the stacked run.
            if (i > 0) Assert.True(outputs[i].Pixels.ToArray().Max() > 1.5f, $"caller {i}: values above 1 were lost");
        }
        foreach (var image in sources.Concat(outputs)) image.Dispose();
    }

    [Fact]
    public void A_lone_run_goes_alone_once_the_window_closes()
    {
        using var model = Load(BatchBlur);
        using var reference = Load(Fixtures.ConvBlur);
        var batcher = model.Batcher!;
        using var source = Fixtures.Picture(24, 24);
        using var output = new FloatImage(24, 24);
        var before = batcher.SessionRuns;
        model.Run(source, null, output, CancellationToken.None);
        Assert.Equal(1, batcher.SessionRuns - before);
        Assert.Equal(0, batcher.BatchedRequests);
        using var expected = Expected(reference, source);
        Assert.True(expected.Pixels.SequenceEqual(output.Pixels));
    }

    [Fact]
    public void Different_shapes_are_never_stacked()
    {
        using var model = Load(BatchBlur);
        var batcher = model.Batcher!;
        batcher.Window = Long;
        using var small = Fixtures.Picture(16, 16);
        using var large = Fixtures.Picture(24, 16);
        using var smallOut = new FloatImage(16, 16);
        using var largeOut = new FloatImage(24, 16);
        var a = new Thread(() => model.Run(small, null, smallOut, CancellationToken.None));
        var b = new Thread(() => model.Run(large, null, largeOut, CancellationToken.None));
        a.Start();
        b.Start();
        WaitFor(() => batcher.Waiting == 2);
        batcher.Window = TimeSpan.Zero;
        Assert.True(a.Join(Long) && b.Join(Long));
        Assert.Equal(0, batcher.BatchedRequests);
        Assert.Equal(1, batcher.LargestBatch);
    }

    [Fact]
    public void A_caller_cancelled_while_waiting_loses_its_slot_and_the_others_complete()
    {
        using var model = Load(BatchBlur);
        using var reference = Load(Fixtures.ConvBlur);
        var batcher = model.Batcher!;
        batcher.Window = Long;
        var sources = Enumerable.Range(0, 3).Select(i => Fixtures.Picture(16, 16, gain: 1f + i)).ToArray();
        var outputs = sources.Select(s => new FloatImage(s.Width, s.Height)).ToArray();
        using var cancel = new CancellationTokenSource();
        Exception? cancelled = null;
        var threads = new[]
        {
            new Thread(() => model.Run(sources[0], null, outputs[0], CancellationToken.None)),
            new Thread(() => model.Run(sources[1], null, outputs[1], CancellationToken.None)),
            new Thread(() =>
            {
                try
                {
                    model.Run(sources[2], null, outputs[2], cancel.Token);
                }
                catch (Exception e)
                {
                    cancelled = e;
                }
            }),
        };
        foreach (var t in threads) t.Start();
        WaitFor(() => batcher.Waiting == 3);
        cancel.Cancel();
        Assert.True(threads[2].Join(Long));
        Assert.IsAssignableFrom<OperationCanceledException>(cancelled);
        Assert.Equal(2, batcher.Waiting);

        batcher.Window = TimeSpan.Zero;
        Assert.True(threads[0].Join(Long) && threads[1].Join(Long));
        Assert.Equal(2, batcher.LargestBatch);
        Assert.Equal(2, batcher.BatchedRequests);
        for (var i = 0; i < 2; i++)
        {
            using var expected = Expected(reference, sources[i]);
            Assert.True(expected.Pixels.SequenceEqual(outputs[i].Pixels), $"caller {i}");
        }
        foreach (var image in sources.Concat(outputs)) image.Dispose();
    }
}
