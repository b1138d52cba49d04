using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using OpenCvSharp;
using Runway.Daemon.Errors;
using Runway.Looks;
using Runway.Protocol;
using Runway.Protocol.V1;
using LooksRpc = Runway.Protocol.V1.Looks;

namespace Runway.Daemon.Tests;

/// <summary>
/// Looks.Learn through a real daemon: a pair made at test time with a known colour transform is learned, progress
/// streams, and the written .cube reproduces the transform; a cancelled call stops promptly; bad input is answered
/// with InvalidArgument and a message that names the problem.
/// </summary>
public sealed class LookLearningTests(Xunit.Abstractions.ITestOutputHelper log)
{
    /// <summary>The known grade: a lift/gamma per channel plus a little cross-talk (smooth, inside 0..1).</summary>
    private static Rgb Grade(Rgb c) => new(
        MathF.Pow(c.R, 0.8f) * 0.9f + 0.05f * c.G + 0.02f,
        MathF.Pow(c.G, 1.1f) * 0.95f + 0.03f,
        MathF.Pow(c.B, 1.2f) * 0.85f + 0.1f * c.R);

    [Fact]
    public async Task Learn_streams_progress_and_writes_a_look_that_reproduces_a_known_grade()
    {
        await using var d = await DaemonFixture.StartAsync();
        var (before, after) = WritePair(d.Dir, "a", 96, 96);
        var output = d.Dir["learned.cube"];

        var messages = new List<LearnLookProgress>();
        using var call = Client(d).Learn(new LearnLookRequest { BeforePaths = { before }, AfterPaths = { after }, Size = 17, OutputPath = output });
        await foreach (var m in call.ResponseStream.ReadAllAsync()) messages.Add(m);

        Assert.True(messages.Count >= 3, $"only {messages.Count} progress messages");
        Assert.Contains(messages, m => m.Stage == "loading");
        Assert.Contains(messages, m => m.Stage == "fitting");
        for (var i = 1; i < messages.Count; i++) Assert.True(messages[i].Fraction >= messages[i - 1].Fraction, "progress went backwards");
        var result = messages[^1].Result;
        Assert.NotNull(result);
        Assert.Equal(1.0, messages[^1].Fraction);
        Assert.Equal(Path.GetFullPath(output), result.OutputPath);
        Assert.Equal(17u, result.Size);
        Assert.Equal("pairs", result.Kind);
        Assert.Equal(96ul * 96, result.Samples);
        // 16-bit pair of a smooth grade: measured fit error 0.008 ΔE2000 (worst on unseen colours 0.09); 1 is the
        // "invisible" bar, far below the ~10 ΔE2000 the grade moves colours by.
        Assert.InRange(result.MeanDeltaE2000, 0, 1);

        // The written file, read back, applies the grade to colours never in the pair.
        var look = CubeFormat.Read(output);
        Assert.Equal(17, look.Cube!.Size);
        var random = new Random(5);
        double worst = 0;
        for (var i = 0; i < 500; i++)
        {
            var c = new Rgb(0.1f + 0.8f * random.NextSingle(), 0.1f + 0.8f * random.NextSingle(), 0.1f + 0.8f * random.NextSingle());
            worst = Math.Max(worst, ColorSpaces.DeltaE2000(look.Apply(c), Grade(c)));
        }
        log.WriteLine($"{messages.Count} messages; fit mean ΔE2000 {result.MeanDeltaE2000:F3}, rms {result.RmsResidual:F5}, {result.Seconds:F2} s; worst ΔE2000 on unseen colours {worst:F3}");
        Assert.True(worst < 2, $"worst ΔE2000 {worst:F2} between the learned and the known grade");
    }

    [Fact]
    public async Task Generalising_job_cross_validates_over_the_pairs_then_writes_the_asked_size()
    {
        await using var d = await DaemonFixture.StartAsync();
        var (b1, a1) = WritePair(d.Dir, "g1", 48, 48);
        var (b2, a2) = WritePair(d.Dir, "g2", 40, 40);
        var output = d.Dir["general.cube"];
        var stages = new List<string>();
        LearnLookResult? result = null;
        using var call = Client(d).Learn(new LearnLookRequest
        {
            BeforePaths = { b1, b2 }, AfterPaths = { a1, a2 }, Size = 17, OutputPath = output, Generalise = true,
        });
        await foreach (var m in call.ResponseStream.ReadAllAsync())
        {
            stages.Add(m.Stage);
            result ??= m.Result;
        }
        Assert.Contains("cross-validating", stages);
        Assert.True(stages.IndexOf("cross-validating") < stages.LastIndexOf("fitting"), string.Join(",", stages));
        Assert.NotNull(result);
        Assert.Contains("generalised", result.Note);
        Assert.Equal(17, CubeFormat.Read(output).Cube!.Size);
        log.WriteLine($"generalised fit of a per-pixel grade: mean ΔE2000 {result.MeanDeltaE2000:F2} ({result.Note})");
        // The grade has cross-talk a per-channel curve cannot hold, and the candidate fits are deliberately stiff:
        // measured 0.42 with code-value candidates and 1.46 since they fit in Oklab (the 4-bin, ρ=0.1 candidate won
        // both times; a 9³ Oklab lattice is coarser over the sRGB gamut); 2 still fails a look that ignored the pairs
        // (~10 ΔE2000).
        Assert.InRange(result.MeanDeltaE2000, 0, 2);
    }

    [Fact]
    public async Task Mood_board_job_writes_a_look_that_moves_colours_toward_the_board()
    {
        await using var d = await DaemonFixture.StartAsync();
        var (neutral, warm) = WritePair(d.Dir, "board", 48, 48);
        var output = d.Dir["board.cube"];
        LearnLookResult? result = null;
        using var call = Client(d).Learn(new LearnLookRequest { MoodboardPaths = { warm }, SourcePaths = { neutral }, Size = 17, OutputPath = output });
        await foreach (var m in call.ResponseStream.ReadAllAsync()) result ??= m.Result;
        Assert.NotNull(result);
        Assert.Equal("moodboard", result.Kind);
        var look = CubeFormat.Read(output);
        var grey = Rgb.All(0.5f);
        var before = ColorSpaces.DeltaE2000(grey, Grade(grey));
        var after = ColorSpaces.DeltaE2000(look.Apply(grey), Grade(grey));
        log.WriteLine($"mid grey vs the graded grey: ΔE2000 {before:F2} untouched, {after:F2} through the board look");
        // Measured 10.98 → 3.66: a statistics transfer matches the board's mean and spread, not each colour.
        Assert.True(after < 0.5 * before, $"board look {after:F2} vs untouched {before:F2}");
    }

    [Fact]
    public async Task Cancelling_the_call_stops_the_fit_promptly_and_writes_nothing()
    {
        await using var d = await DaemonFixture.StartAsync();
        var (before, after) = WritePair(d.Dir, "big", 400, 400);
        var output = d.Dir["never.cube"];
        using var cts = new CancellationTokenSource();
        // 65³ from 160k pairs takes seconds of solver time: long enough to cancel in the middle of the fit.
        using var call = Client(d).Learn(new LearnLookRequest { BeforePaths = { before }, AfterPaths = { after }, Size = 65, OutputPath = output },
            cancellationToken: cts.Token);
        var clock = new Stopwatch();
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var m in call.ResponseStream.ReadAllAsync(cts.Token))
            {
                Assert.Null(m.Result);
                if (m.Stage == "fitting" && !clock.IsRunning)
                {
                    clock.Start();
                    await cts.CancelAsync();
                }
            }
        });
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        Assert.True(clock.IsRunning, "the call ended before the fit started");

        // The daemon's worker stops too (not only the client's view of the call): wait for it, and time it.
        while (Services.LooksService.RunningJobs > 0 && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(5);
        var latency = clock.Elapsed;
        Assert.Equal(0, Services.LooksService.RunningJobs);
        Assert.False(File.Exists(output), "a cancelled fit wrote its look");
        Assert.NotNull(await d.Daemon.HealthAsync(new HealthRequest()));
        log.WriteLine($"cancel → daemon worker stopped in {latency.TotalMilliseconds:F0} ms");
        // Measured ~tens of ms (the solver checks the token every 32 iterations); 5 s is the bar for a loaded 2-core CI.
        Assert.True(latency < TimeSpan.FromSeconds(5), $"cancellation took {latency.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Bad_input_is_answered_with_invalid_argument_naming_the_problem()
    {
        await using var d = await DaemonFixture.StartAsync();
        var (before, after) = WritePair(d.Dir, "ok", 32, 32);
        var (small, _) = WritePair(d.Dir, "small", 16, 16);
        var client = Client(d);
        var output = d.Dir["x.cube"];

        async Task<(StatusCode Code, string Reason, string Message)> Fail(LearnLookRequest r) => await Expect.FailureAsync(async () =>
        {
            using var call = client.Learn(r);
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        });

        var missing = d.Dir["nope.png"];
        var f = await Fail(new LearnLookRequest { BeforePaths = { missing }, AfterPaths = { after }, OutputPath = output });
        Assert.Equal((StatusCode.InvalidArgument, Reasons.InvalidArgument), (f.Code, f.Reason));
        Assert.Contains(missing, f.Message);
        Assert.Contains("does not exist", f.Message);

        f = await Fail(new LearnLookRequest { BeforePaths = { small }, AfterPaths = { after }, OutputPath = output });
        Assert.Equal(StatusCode.InvalidArgument, f.Code);
        Assert.Contains("16x16", f.Message);
        Assert.Contains("32x32", f.Message);

        f = await Fail(new LearnLookRequest { BeforePaths = { before }, AfterPaths = { after }, OutputPath = output, Shaper = "gamma:2.2" });
        Assert.Equal(StatusCode.InvalidArgument, f.Code);
        Assert.Contains("shaper", f.Message);
        Assert.Contains("gamma", f.Message);

        f = await Fail(new LearnLookRequest { BeforePaths = { before }, AfterPaths = { after }, OutputPath = output, Size = 1 });
        Assert.Equal(StatusCode.InvalidArgument, f.Code);
        Assert.Contains("size 1", f.Message);

        f = await Fail(new LearnLookRequest { BeforePaths = { before }, OutputPath = output });
        Assert.Equal(StatusCode.InvalidArgument, f.Code);
        Assert.Contains("1 before but 0 after", f.Message);

        f = await Fail(new LearnLookRequest { BeforePaths = { before }, AfterPaths = { after }, OutputPath = d.Dir["look.png"] });
        Assert.Equal(StatusCode.InvalidArgument, f.Code);
        Assert.Contains(".cube or .3dl", f.Message);
        Assert.False(File.Exists(output));
    }

    private static LooksRpc.LooksClient Client(DaemonFixture d) => new(d.Channel.Intercept(m =>
    {
        m.Add(ProtocolInfo.VersionHeader, ProtocolInfo.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return m;
    }));

    /// <summary>
    /// Writes a 16-bit PNG pair: a before still covering the colour cube (smooth ramps plus seeded noise) and its
    /// <see cref="Grade"/>d version. 16 bits keep quantisation far below the errors asserted.
    /// </summary>
    private static (string Before, string After) WritePair(TempDir dir, string name, int width, int height)
    {
        var random = new Random(width * 31 + height);
        using var b = new Mat(height, width, MatType.CV_16UC3);
        using var a = new Mat(height, width, MatType.CV_16UC3);
        for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
        {
            var c = new Rgb(
                Math.Clamp((float)x / (width - 1) + 0.1f * (random.NextSingle() - 0.5f), 0, 1),
                Math.Clamp((float)y / (height - 1) + 0.1f * (random.NextSingle() - 0.5f), 0, 1),
                random.NextSingle());
            var g = Grade(c);
            b.Set(y, x, new Vec3w(U16(c.B), U16(c.G), U16(c.R)));
            a.Set(y, x, new Vec3w(U16(g.B), U16(g.G), U16(g.R)));
        }
        var before = dir[$"{name}-before.png"];
        var after = dir[$"{name}-after.png"];
        Cv2.ImWrite(before, b);
        Cv2.ImWrite(after, a);
        return (before, after);

        static ushort U16(float v) => (ushort)Math.Round(Math.Clamp(v, 0, 1) * 65535);
    }
}
