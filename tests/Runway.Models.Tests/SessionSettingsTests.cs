using Runway.Models.Runtime;

namespace Runway.Models.Tests;

public class SessionSettingsTests
{
    [Fact]
    public void Zero_threads_means_one_per_logical_processor_and_explicit_counts_are_kept()
    {
        Assert.Equal(Environment.ProcessorCount, OrtSessionSettings.AutoIntraOpThreads);
        Assert.Equal(Environment.ProcessorCount, OrtSessionSettings.Default.EffectiveIntraOpThreads);
        Assert.Equal(3, (OrtSessionSettings.Default with { IntraOpThreads = 3 }).EffectiveIntraOpThreads);
        // ONNX Runtime's own choice stays reachable, for runway-bench's comparison.
        Assert.Equal(0, (OrtSessionSettings.Default with { IntraOpThreads = OrtSessionSettings.OrtDefaultThreads }).EffectiveIntraOpThreads);
        Assert.Contains($"auto ({Environment.ProcessorCount})", OrtSessionSettings.Default.Describe());
        Assert.Contains("ORT default", (OrtSessionSettings.Default with { IntraOpThreads = OrtSessionSettings.OrtDefaultThreads }).Describe());
    }
}
