namespace Runway.Client.Tests;

/// <summary>
/// Drives the published NativeAOT library from C (native/abi_test.c, compiled here with gcc) against a real daemon:
/// the same path the OFX shim takes. RUNWAY_CLIENT_LIB may name an already published RunwayClient.so; otherwise the
/// test publishes one into this build's artifacts path.
/// </summary>
[Collection("native library")]
public sealed class NativeAbiTests
{
    private static readonly Lazy<string> s_library = new(PublishLibrary);
    private static readonly Lazy<string> s_program = new(CompileProgram);

    [Fact]
    public void Abi_exports_are_all_present_in_the_shared_library()
    {
        var (code, output) = TestPaths.Run("nm", ["-D", "--defined-only", s_library.Value], TimeSpan.FromMinutes(1));
        Assert.Equal(0, code);
        foreach (var name in new[] { "rw_abi_version", "rw_client_create", "rw_client_destroy", "rw_client_ping", "rw_client_render" })
            Assert.Matches($@"\bT {name}\b", output);
    }

    [Fact]
    public async Task C_program_pings_and_renders_through_the_library_from_several_threads()
    {
        await using var daemon = await InProcessDaemon.StartAsync();
        var (code, output) = RunProgram(daemon, "basic");
        Assert.True(code == 0, output);
        Assert.Contains("OK", output);
    }

    [Fact]
    public async Task C_program_abort_callback_cancels_a_slow_render_on_the_calling_thread()
    {
        await using var daemon = await InProcessDaemon.StartAsync(renderDelayMs: 10_000);
        var (code, output) = RunProgram(daemon, "abort");
        Assert.True(code == 0, output);
    }

    private static (int, string) RunProgram(InProcessDaemon daemon, string mode) =>
        TestPaths.Run(s_program.Value, [s_library.Value, mode], TimeSpan.FromMinutes(2),
            new Dictionary<string, string> { ["RUNWAY_SOCKET"] = daemon.SocketPath, ["RUNWAY_NO_AUTOSTART"] = "1" });

    private static string PublishLibrary()
    {
        if (Environment.GetEnvironmentVariable("RUNWAY_CLIENT_LIB") is { Length: > 0 } given && File.Exists(given)) return given;
        var artifacts = TestPaths.ArtifactsRoot() ?? Path.Combine(Path.GetTempPath(), "art-client-native");
        var project = Path.Combine(TestPaths.RepoRoot(), "src", "Runway.Client.Native");
        var (code, output) = TestPaths.Run("dotnet", ["publish", project, "-c", "Release", "--artifacts-path", artifacts],
            TimeSpan.FromMinutes(15));
        Assert.True(code == 0, output);
        var library = Path.Combine(artifacts, "publish", "Runway.Client.Native", "release_linux-x64", "RunwayClient.so");
        Assert.True(File.Exists(library), $"publish did not produce {library}\n{output}");
        return library;
    }

    private static string CompileProgram()
    {
        var root = TestPaths.RepoRoot();
        var dir = Directory.CreateTempSubdirectory("rw-abi-").FullName;
        var program = Path.Combine(dir, "abi_test");
        var (code, output) = TestPaths.Run("gcc",
        [
            "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror",
            "-I", Path.Combine(root, "src", "Runway.Client", "include"),
            Path.Combine(root, "tests", "Runway.Client.Tests", "native", "abi_test.c"),
            "-o", program, "-ldl", "-lpthread",
        ], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, output);
        return program;
    }
}
