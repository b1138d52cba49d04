using System.Runtime.CompilerServices;

namespace Runway.Testing;

/// <summary>
/// Finds the shared real test data (<c>shared/testdata</c>, kept beside the repository and never copied into it) for
/// every test project (linked into each). Missing data fails the test that asked for it, loudly.
/// </summary>
internal static class SharedTestData
{
    private static readonly Lazy<string?> Located = new(Locate);

    /// <summary>The testdata directory; throws (failing the calling test) when it cannot be found.</summary>
    public static string Root => Located.Value ?? throw new DirectoryNotFoundException(
        "real test data not found: looked for 'shared/testdata' in every directory above the test assembly " +
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

    // Builds may put the test assembly far from the repository (e.g. --artifacts-path /tmp/...), so also start from
    // where this source file was compiled.
    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? ".";
}
