
namespace Runway.Timeline.Tests;

/// <summary>
/// Finds the shared real test data (<c>shared/testdata</c>, kept beside the repository and never copied into it).
/// Missing data fails the test that asked for it, loudly.
/// </summary>
internal static class TestData
{
    /// <summary>The testdata directory; throws (failing the calling test) when it cannot be found.</summary>
    public static string Root => Runway.Testing.SharedTestData.Root;

    /// <summary>A path inside the testdata directory, which must exist.</summary>
    public static string File(string relative) => Runway.Testing.SharedTestData.File(relative);

    /// <summary>The OTIO sample timelines (every *.otio in testdata/otio); fails when there are none.</summary>
    public static IReadOnlyList<string> OtioSamples()
    {
        var files = Directory.GetFiles(File("otio"), "*.otio").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (files.Count < 12) throw new FileNotFoundException($"expected the 12 OTIO samples in {File("otio")}, found {files.Count}");
        return files;
    }
}
