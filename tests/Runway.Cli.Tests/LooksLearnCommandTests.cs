using System.CommandLine;
using OpenCvSharp;
using Runway.Cli.Commands;
using Runway.Cli.Media;
using Runway.Looks;

namespace Runway.Cli.Tests;

/// <summary>
/// <c>runway looks learn</c> in this process (no daemon): the same learner as the daemon's Looks.Learn job, fed by the
/// command line's own image reader. A pair made at test time with a known grade is learned and the written file checked.
/// </summary>
public sealed class LooksLearnCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rw-looks-learn-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>A smooth known grade (lift/gamma per channel and a little cross-talk), inside 0..1.</summary>
    private static Rgb Grade(Rgb c) => new(
        MathF.Pow(c.R, 0.8f) * 0.9f + 0.05f * c.G + 0.02f,
        MathF.Pow(c.G, 1.1f) * 0.95f + 0.03f,
        MathF.Pow(c.B, 1.2f) * 0.85f + 0.1f * c.R);

    private static Task<int> Learn(params string[] args) =>
        new RootCommand { LooksCommands.Create() }.Parse(["looks", "learn", .. args, "--json"]).InvokeAsync();

    /// <summary>A 16-bit RGBA pair (before, graded) covering the colour cube, written as PNG or PAM.</summary>
    private (string Before, string After) WritePair(string name, string extension, int size = 64)
    {
        var random = new Random(size);
        using var b = new Mat(size, size, MatType.CV_16UC4);
        using var a = new Mat(size, size, MatType.CV_16UC4);
        for (var y = 0; y < size; y++)
        for (var x = 0; x < size; x++)
        {
            var c = new Rgb((float)x / (size - 1), (float)y / (size - 1), random.NextSingle());
            var g = Grade(c);
            // PamFile takes RGBA order; OpenCV's PNG writer takes BGRA.
            b.Set(y, x, extension == ".pam" ? new Vec4w(U16(c.R), U16(c.G), U16(c.B), 65535) : new Vec4w(U16(c.B), U16(c.G), U16(c.R), 65535));
            a.Set(y, x, extension == ".pam" ? new Vec4w(U16(g.R), U16(g.G), U16(g.B), 65535) : new Vec4w(U16(g.B), U16(g.G), U16(g.R), 65535));
        }
        var before = Path.Combine(_dir, $"{name}-before{extension}");
        var after = Path.Combine(_dir, $"{name}-after{extension}");
        if (extension == ".pam")
        {
            PamFile.Write(before, b);
            PamFile.Write(after, a);
        }
        else
        {
            Cv2.ImWrite(before, b);
            Cv2.ImWrite(after, a);
        }
        return (before, after);

        static ushort U16(float v) => (ushort)Math.Round(Math.Clamp(v, 0, 1) * 65535);
    }

    private static double WorstDeltaE(Look look)
    {
        var random = new Random(5);
        double worst = 0;
        for (var i = 0; i < 300; i++)
        {
            var c = new Rgb(0.1f + 0.8f * random.NextSingle(), 0.1f + 0.8f * random.NextSingle(), 0.1f + 0.8f * random.NextSingle());
            worst = Math.Max(worst, ColorSpaces.DeltaE2000(look.Apply(c), Grade(c)));
        }
        return worst;
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".pam")]
    public async Task Learn_in_process_writes_a_look_that_reproduces_a_known_grade(string extension)
    {
        var (before, after) = WritePair("a", extension);
        var output = Path.Combine(_dir, "learned.cube");
        Assert.Equal(0, await Learn("--before", before, "--after", after, "--size", "17", "--output", output));
        var look = CubeFormat.Read(output);
        Assert.Equal(17, look.Cube!.Size);
        Assert.Contains(look.Comments, c => c.StartsWith("runway looks learn: learned from 1 before/after pair", StringComparison.Ordinal));
        // The daemon test's bar for the same grade (measured there: worst 0.09 ΔE2000 on unseen colours); 1 = invisible.
        Assert.InRange(WorstDeltaE(look), 0, 1);
    }

    [Fact]
    public async Task Learn_in_process_writes_the_adobe_dialect_and_3dl_when_asked()
    {
        var (before, after) = WritePair("b", ".png", 32);
        // With a shaper the dialects differ: Resolve keeps the 1D shaper table, Adobe (one table per file) bakes it in.
        var resolve = Path.Combine(_dir, "resolve.cube");
        Assert.Equal(0, await Learn("--before", before, "--after", after, "--size", "17", "--shaper", "linear:0:2", "--output", resolve));
        Assert.Contains("LUT_1D_SIZE", File.ReadAllText(resolve));
        var adobe = Path.Combine(_dir, "adobe.cube");
        Assert.Equal(0, await Learn("--before", before, "--after", after, "--size", "17", "--shaper", "linear:0:2", "--output", adobe, "--dialect", "adobe"));
        var text = File.ReadAllText(adobe);
        Assert.Contains("1D shaper baked", text);
        Assert.DoesNotContain("LUT_1D_SIZE", text);
        var threeDl = Path.Combine(_dir, "look.3dl");
        Assert.Equal(0, await Learn("--before", before, "--after", after, "--size", "17", "--output", threeDl));
        Assert.Equal(17, ThreeDlFormat.Read(threeDl).Cube!.Size);
    }

    [Fact]
    public async Task Learn_in_process_refuses_bad_input_with_exit_code_2_and_writes_nothing()
    {
        var (before, _) = WritePair("c", ".png", 32);
        var (_, otherSize) = WritePair("d", ".png", 16);
        var output = Path.Combine(_dir, "bad.cube");
        Assert.Equal(2, await Learn("--before", before, "--after", otherSize, "--output", output));
        Assert.Equal(2, await Learn("--before", before, "--after", Path.Combine(_dir, "missing.png"), "--output", output));
        Assert.Equal(2, await Learn("--before", before, "--output", output));
        Assert.Equal(2, await Learn("--before", before, "--after", before, "--size", "1", "--output", output));
        Assert.False(File.Exists(output));
    }
}
