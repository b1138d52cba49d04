using OpenCvSharp;
using Runway.Cli.Commands;
using Runway.Client;
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

    public async Task InitializeAsync()
    {
        var models = Directory.CreateDirectory(Path.Combine(_dir, "models")).FullName; // no packs: the classical engine
        _daemon = await DaemonHost.StartAsync(new DaemonOptions
        {
            SocketPath = Path.Combine(_dir, "runwayd.sock"),
            LogDirectory = _dir,
            ModelsDirectory = models,
            ShutdownTimeout = TimeSpan.FromSeconds(2),
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
}
