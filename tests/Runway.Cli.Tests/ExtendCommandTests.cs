using OpenCvSharp;
using Runway.Cli.Commands;
using Runway.Cli.Media;
using Runway.Client;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Extend;
using Runway.Protocol.V1;
using Runway.Daemon;
using Runway.Testing;
using Xunit.Abstractions;

namespace Runway.Cli.Tests;

/// <summary>
/// <c>runway extend</c> end to end through a real in-process daemon: the last frames of a real clip, extracted at
/// 160×90 as a PNG sequence, are extended by a few frames and the written tail is checked.
/// </summary>
public sealed class ExtendCommandTests(ITestOutputHelper log) : IAsyncLifetime
{
    private const int SourceFrames = 8;
    private const int Width = 160, Height = 90;
    private readonly string _dir = Directory.CreateTempSubdirectory("rw-extend-").FullName;
    private DaemonHost? _daemon;

    public async Task InitializeAsync() => _daemon = await StartDaemonAsync();

    /// <summary>
    /// An in-process daemon on this test's folder, its tail cache files in <c>tails/</c> (never the user's cache folder:
    /// a frame left there by an earlier run would turn a miss this class expects into a hit).
    /// </summary>
    private Task<DaemonHost> StartDaemonAsync(int tailCacheMb = 1536)
    {
        var models = Directory.CreateDirectory(Path.Combine(_dir, "models")).FullName; // no packs: the classical engine
        return DaemonHost.StartAsync(new DaemonOptions
        {
            SocketPath = Path.Combine(_dir, "runwayd.sock"),
            LogDirectory = _dir,
            ModelsDirectory = models,
            ShutdownTimeout = TimeSpan.FromSeconds(2),
            TailCacheDirectory = Path.Combine(_dir, "tails"),
            TailCacheMb = tailCacheMb,
        });
    }

    public async Task DisposeAsync()
    {
        if (_daemon is not null) await _daemon.StopAsync(cancelInFlight: true);
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private RunwayClient Connect(bool inline) => new(new RunwayClientOptions
    {
        SocketPath = _daemon!.SocketPath,
        AutoStart = false,
        ClientName = "cli-extend-tests",
        Transport = inline ? FrameTransport.Inline : FrameTransport.SharedMemory,
    });

    /// <summary>Frames 0…7 of 01_dog.mp4 (the dog walks) at 160×90 as in/frame_0000.png…; returns the input folder.</summary>
    private string WriteInput()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "in")).FullName;
        using var capture = new VideoCapture(SharedTestData.File("clips/01_dog.mp4"));
        using var bgr = new Mat();
        using var small = new Mat();
        for (var i = 0; i < SourceFrames; i++)
        {
            Assert.True(capture.Read(bgr) && !bgr.Empty(), $"01_dog.mp4 should have {SourceFrames} frames");
            Cv2.Resize(bgr, small, new Size(Width, Height), 0, 0, InterpolationFlags.Area);
            Cv2.ImWrite(Path.Combine(folder, $"frame_{i:D4}.png"), small);
        }
        return folder;
    }

    private async Task<IReadOnlyList<string>> ExtendAsync(string input, string name, params string[] args)
    {
        var output = Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;
        var command = ExtendCommand.Create(Connect);
        var exit = await command.Parse([input, "--output", Path.Combine(output, "tail_%04d.png"), "--json", .. args]).InvokeAsync();
        Assert.Equal(0, exit);
        return Directory.EnumerateFiles(output, "*.png").Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task Extend_writes_the_requested_tail_continuing_from_the_last_frame()
    {
        var input = WriteInput();
        var tail = await ExtendAsync(input, "extrapolate", "--frames", "3", "--set", "history=4");

        Assert.Equal(3, tail.Count);
        using var last = Cv2.ImRead(Path.Combine(input, $"frame_{SourceFrames - 1:D4}.png"));
        using var first = Cv2.ImRead(tail[0]);
        Assert.Equal(new Size(Width, Height), first.Size());
        // The first new frame is the last frame moved on by under a frame of motion: close to it (measured 34.6 dB on
        // this clip at this size), yet not a plain copy (the dog walks, so the extrapolation moves pixels).
        var psnr = Cv2.PSNR(last, first);
        log.WriteLine($"first extended frame vs last source frame: {psnr:0.00} dB");
        Assert.True(psnr > 24, $"first extended frame is {psnr:0.0} dB from the last source frame");
        Assert.True(psnr < 60, "first extended frame should not be an exact copy of the last source frame");
    }

    [Fact]
    public async Task Loop_mode_repeats_the_history_window_in_order()
    {
        var input = WriteInput();
        // History 2: the window is the last three frames (5, 6, 7), repeated in playback order.
        var tail = await ExtendAsync(input, "loop", "--frames", "4", "--set", "mode=loop", "--set", "history=2", "--inline");

        Assert.Equal(4, tail.Count);
        int[] expected = [5, 6, 7, 5];
        for (var k = 0; k < tail.Count; k++)
        {
            using var want = Cv2.ImRead(Path.Combine(input, $"frame_{expected[k]:D4}.png"));
            using var got = Cv2.ImRead(tail[k]);
            using var diff = new Mat();
            Cv2.Absdiff(want, got, diff);
            Cv2.MinMaxLoc(diff.Reshape(1), out _, out double max);
            // 8-bit in, float through the daemon, 8-bit out: at most one code value of rounding.
            Assert.True(max <= 1, $"loop frame {k + 1} differs from source frame {expected[k]} by {max} code values");
        }
    }

    /// <summary>
    /// What the OFX plugin sends for tail frame <paramref name="k"/> of the sequence in <paramref name="input"/>: its own
    /// connection, the instance id, the end frame as source (8-bit RGBA, as an 8-bit host hands it over), the history
    /// frames as neighbours and the clip's source range. Returns the result frame and the render notes.
    /// </summary>
    private async Task<(Mat Frame, IReadOnlyList<string> Notes)> PluginRenderAsync(string input, string instance, int k, int history,
        double? damping = null)
    {
        var files = Directory.EnumerateFiles(input, "*.png").Order(StringComparer.Ordinal).ToList();
        var frames = files.Select(f =>
        {
            using var bgr = Cv2.ImRead(f);
            var rgba = new Mat();
            Cv2.CvtColor(bgr, rgba, ColorConversionCodes.BGR2RGBA);
            return rgba;
        }).ToList();
        try
        {
            var endTime = frames.Count - 1;
            var neighbours = Enumerable.Range(endTime - history, history)
                .Select(t => new NeighbourFrame(t, MatImages.View(frames[t]), null)).ToList();
            var parameters = new Dictionary<string, ParamValue>
            {
                [ExtendShotDefinition.ParamFrames] = RunwayParams.From(3L),
                [ExtendShotDefinition.ParamDirection] = RunwayParams.From(TimeExtension.After),
                [ExtendShotDefinition.ParamHistory] = RunwayParams.From((long)history),
            };
            if (damping is { } d) parameters[ExtendShotDefinition.ParamDamping] = RunwayParams.From(d);
            var request = new RenderRequest(ExtendShotDefinition.Definition.Id)
            {
                InstanceId = instance,
                Time = endTime + k,
                SourceRange = new ClipFrameRange(0, endTime),
                Neighbours = neighbours,
                Params = parameters,
            };
            var result = new Mat(frames[0].Size(), MatType.CV_8UC4, Scalar.All(0));
            await using var client = Connect(inline: false);
            var rendered = await client.RenderAsync(request, MatImages.View(frames[endTime]), null, MatImages.View(result), CancellationToken.None);
            return (result, rendered.Info.Notes);
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
        }
    }

    private static double MaxDifference(string writtenPng, Mat rgba)
    {
        using var written = Cv2.ImRead(writtenPng);
        using var bgr = new Mat();
        Cv2.CvtColor(rgba, bgr, ColorConversionCodes.RGBA2BGR);
        using var diff = new Mat();
        Cv2.Absdiff(written, bgr, diff);
        Cv2.MinMaxLoc(diff.Reshape(1), out _, out double max);
        return max;
    }

    // The OFX plugin is served the tail a `runway extend` job rendered ahead of time without knowing the job: the job
    // runs with its own instance id (none given), the plugin asks with its own, on its own connection and in its own pixel
    // format, and the daemon answers from the tail cache, keyed by the frames' content and the params, with the job's
    // frame. A different damping is the control: the tail misses (so the "tail cached" note is a real signal) while the
    // motion, which damping does not change, is still reused.
    [Fact]
    public async Task Plugin_request_after_an_extend_job_is_served_from_the_tail_cache_whatever_the_instance_ids()
    {
        const int history = 4;
        var input = WriteInput();
        var tail = await ExtendAsync(input, "cached", "--frames", "3", "--set", $"history={history}");
        Assert.Equal(3, tail.Count);

        var (frame, notes) = await PluginRenderAsync(input, "ofx-extend-instance-1", 2, history);
        using (frame)
        {
            log.WriteLine($"plugin, same params: {string.Join("; ", notes)}");
            Assert.Contains(notes, n => n.StartsWith(ExtendShotEngine.NoteTailCached, StringComparison.Ordinal));
            var max = MaxDifference(tail[1], frame);
            log.WriteLine($"plugin frame vs the CLI's tail frame 2: max difference {max} code values");
            // The job's own frame, 8-bit out on both paths: identical.
            Assert.Equal(0, max);
        }

        var (damped, dampedNotes) = await PluginRenderAsync(input, "ofx-extend-instance-1", 2, history, damping: 0.9);
        using (damped)
        {
            log.WriteLine($"plugin, damping 0.9: {string.Join("; ", dampedNotes)}");
            Assert.DoesNotContain(dampedNotes, n => n.StartsWith(ExtendShotEngine.NoteTailCached, StringComparison.Ordinal));
            Assert.Contains(dampedNotes, n => n.Contains("motion cached", StringComparison.Ordinal));
            // Damping 0.9 moves frame 2 by 0.99 steps instead of 2 (the dog walks): a visibly different frame.
            Assert.True(MaxDifference(tail[1], damped) > 0, "a different damping should render a different frame");
        }
    }

    // --instance still names the requests (kept for scripts that pass it); it no longer decides what is cached.
    [Fact]
    public async Task Extend_with_an_explicit_instance_id_serves_a_plugin_with_another_id()
    {
        const int history = 4;
        var input = WriteInput();
        var tail = await ExtendAsync(input, "instance", "--frames", "3", "--set", $"history={history}", "--instance", "job-7");
        var (frame, notes) = await PluginRenderAsync(input, "ofx-extend-instance-9", 3, history);
        using (frame)
        {
            Assert.Contains(notes, n => n.StartsWith(ExtendShotEngine.NoteTailCached, StringComparison.Ordinal));
            Assert.Equal(0, MaxDifference(tail[2], frame));
        }
    }

    // The tail a job rendered is on disk: a new daemon (nothing in memory) serves the plugin's request from the file, with
    // the job's frame. The restarted daemon keeps no frame in memory (tail cache 0 MiB), so a second request is read
    // from disk again: the memory budget option reaches the engine.
    [Fact]
    public async Task Tail_rendered_by_extend_survives_a_daemon_restart()
    {
        const int history = 4;
        var input = WriteInput();
        var tail = await ExtendAsync(input, "restart", "--frames", "3", "--set", $"history={history}");
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_dir, "tails"), "*" + TailCache.FileExtension).Length);

        await _daemon!.StopAsync(cancelInFlight: true);
        _daemon = null;
        _daemon = await StartDaemonAsync(tailCacheMb: 0);

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var (frame, notes) = await PluginRenderAsync(input, "ofx-after-restart", 3, history);
            using (frame)
            {
                log.WriteLine($"after restart, request {attempt + 1}: {string.Join("; ", notes)}");
                Assert.Contains(notes, n => n.StartsWith(ExtendShotEngine.NoteTailCached + " (disk)", StringComparison.Ordinal));
                Assert.Equal(0, MaxDifference(tail[2], frame));
            }
        }
    }

    [Fact]
    public void Tail_cache_options_come_from_the_cache_home_variables_and_flags()
    {
        var env = new System.Collections.Hashtable
        {
            ["HOME"] = Path.Combine(_dir, "home"),
            ["XDG_CONFIG_HOME"] = Path.Combine(_dir, "config"), // no runwayd.json there
            ["XDG_CACHE_HOME"] = Path.Combine(_dir, "cache"),
        };
        var defaults = DaemonOptions.Load([], env);
        Assert.Equal(Path.Combine(_dir, "cache", "runway", "extend-tails"), defaults.TailCacheDirectory);
        Assert.Equal(1536, defaults.TailCacheMb);
        Assert.Equal(4096, defaults.TailCacheDiskMb);

        env["RUNWAY_TAIL_CACHE_MB"] = "64";
        env["RUNWAY_TAIL_CACHE_DIR"] = "/var/tmp/tails-from-env";
        var set = DaemonOptions.Load(["--tail-cache-disk-mb", "0", "--tail-cache-dir=/var/tmp/tails-from-flag"], env);
        Assert.Equal(64, set.TailCacheMb);
        Assert.Equal(0, set.TailCacheDiskMb);
        Assert.Equal("/var/tmp/tails-from-flag", set.TailCacheDirectory);

        Assert.Throws<DaemonConfigException>(() => DaemonOptions.Load(["--tail-cache-mb", "-1"], env));
        foreach (var name in new[] { "--tail-cache-mb", "--tail-cache-dir", "--tail-cache-disk-mb", "RUNWAY_TAIL_CACHE_MB", "RUNWAY_TAIL_CACHE_DIR", "RUNWAY_TAIL_CACHE_DISK_MB" })
            Assert.Contains(name, DaemonOptions.Usage, StringComparison.Ordinal);
    }
}
