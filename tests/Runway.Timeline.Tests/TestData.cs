using System.Runtime.CompilerServices;

namespace Runway.Timeline.Tests;

/// <summary>
/// Finds the shared real test data (<c>shared/testdata</c>, kept beside the repository and never copied into it).
/// Missing data fails the test that asked for it, loudly.
/// </summary>
internal static class TestData
{
    private static readonly Lazy<string?> Located = new(Locate);

    /// <summary>The testdata directory; throws (failing the calling test) when it cannot be found.</summary>
    public static string Root => Located.Value ?? throw new DirectoryNotFoundException(
        "real test data not found: looked for 'shared/testdata' above the test assembly " +
        $"({AppContext.BaseDirectory}) and above the test sources ({SourceDirectory()}), and for '../shared/testdata' next " +
        "to the repository root (the directory holding Runway.Plugins.sln). Set RUNWAY_TESTDATA to its path.");

    /// <summary>A path inside the testdata directory, which must exist.</summary>
    public static string File(string relative)
    {
        var path = Path.Combine(Root, relative);
        if (!System.IO.File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"test data file missing: {path}", path);
        return path;
    }

    /// <summary>The OTIO sample timelines (every *.otio in testdata/otio); fails when there are none.</summary>
    public static IReadOnlyList<string> OtioSamples()
    {
        var files = Directory.GetFiles(File("otio"), "*.otio").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (files.Count < 12) throw new FileNotFoundException($"expected the 12 OTIO samples in {File("otio")}, found {files.Count}");
        return files;
    }

    private static string? Locate()
    {
        if (Environment.GetEnvironmentVariable("RUNWAY_TESTDATA") is { Length: > 0 } fromEnv && Directory.Exists(fromEnv))
            return Path.GetFullPath(fromEnv);
        foreach (var start in new[] { AppContext.BaseDirectory, SourceDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var inside = Path.Combine(dir.FullName, "shared", "testdata");
                if (Directory.Exists(inside)) return inside;
                if (System.IO.File.Exists(Path.Combine(dir.FullName, "Runway.Plugins.sln")))
                {
                    var beside = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata"));
                    if (Directory.Exists(beside)) return beside;
                }
            }
        }
        return null;
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? ".";
}
