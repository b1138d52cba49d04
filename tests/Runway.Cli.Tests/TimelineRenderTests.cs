using System.Diagnostics;
using OpenCvSharp;
using Runway.Cli.Timeline;
using Runway.Client;
using Runway.Daemon;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Testing;
using Runway.Timeline.Opentime;
using Runway.Timeline.Schema;
using Runway.Timeline.Serialization;
using Xunit.Abstractions;
using OtioTimeline = Runway.Timeline.Schema.Timeline;

namespace Runway.Cli.Tests;

/// <summary>
/// End to end through a real daemon: a small timeline whose clips point at real footage (a video used in place and
/// frames extracted at reduced size from another), inpainted under a mask, written as a timeline that reads back.
/// </summary>
public sealed class TimelineRenderTests(ITestOutputHelper log) : IAsyncLifetime
{
    private const double Rate = 24;
    private readonly string _dir = Directory.CreateTempSubdirectory("rw-timeline-").FullName;
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
            TailCacheDirectory = Path.Combine(_dir, "tails"), // never the user's own cache folder
        });
    }

    public async Task DisposeAsync()
    {
        if (_daemon is not null) await _daemon.StopAsync(cancelInFlight: true);
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private RunwayClient Client() => new(new RunwayClientOptions
    {
        SocketPath = _daemon!.SocketPath,
        AutoStart = false,
        ClientName = "cli-timeline-tests",
    });

    /// <summary>
    /// V1: "dog" = 01_dog.mp4 frame 10 used in place; a gap; "cups" = frames 0..11 of 02_cups.mp4 extracted at
    /// 320x180 as cups.1001.png…, clip uses [4,8). V2: "title" on a second track that is not selected.
    /// </summary>
    private async Task<string> WriteTimelineAsync()
    {
        var frames = Directory.CreateDirectory(Path.Combine(_dir, "media", "cups")).FullName;
        using (var capture = new VideoCapture(SharedTestData.File("clips/02_cups.mp4")))
        {
            using var bgr = new Mat();
            using var small = new Mat();
            for (var i = 0; i < 12; i++)
            {
                Assert.True(capture.Read(bgr) && !bgr.Empty(), "02_cups.mp4 should have 12 frames");
                Cv2.Resize(bgr, small, new Size(320, 180), 0, 0, InterpolationFlags.Area);
                Cv2.ImWrite(Path.Combine(frames, $"cups.{1001 + i}.png"), small);
            }
        }
        using (var mask = new Mat(180, 320, MatType.CV_8UC1, Scalar.All(0)))
        {
            Cv2.Rectangle(mask, new Rect(140, 70, 40, 40), Scalar.All(255), -1);
            Cv2.ImWrite(Path.Combine(_dir, "mask.png"), mask);
        }

        var dog = new Clip { Name = "dog", SourceRange = TimeRange.FromValues(10, 1, Rate) };
        dog.MediaReference = new ExternalReference { TargetUrl = SharedTestData.File("clips/01_dog.mp4") };
        var cups = new Clip { Name = "cups", SourceRange = TimeRange.FromValues(4, 4, Rate) };
        cups.MediaReference = new ImageSequenceReference
        {
            TargetUrlBase = "media/cups/", // relative to the .otio
            NamePrefix = "cups.", NameSuffix = ".png", StartFrame = 1001, Rate = Rate,
            AvailableRange = TimeRange.FromValues(0, 12, Rate),
        };
        var title = new Clip { Name = "title", SourceRange = TimeRange.FromValues(0, 2, Rate) };
        title.MediaReference = new MissingReference();
        var v1 = new Track { Name = "V1", Kind = Track.VideoKind };
        v1.Children.Add(dog);
        v1.Children.Add(new Gap { SourceRange = TimeRange.FromValues(0, 5, Rate) });
        v1.Children.Add(cups);
        var v2 = new Track { Name = "V2", Kind = Track.VideoKind };
        v2.Children.Add(title);
        var timeline = new OtioTimeline { Name = "batch test" };
        timeline.Tracks.Children.Add(v1);
        timeline.Tracks.Children.Add(v2);
        var path = Path.Combine(_dir, "in.otio");
        await OtioJson.WriteFileAsync(timeline, path);
        return path;
    }

    private static PlanOptions Options(string otio, long temporalWindow = 1)
    {
        var inpaint = EffectCatalog.Find(InpaintDefinition.Id)!;
        // Fast flow keeps the test quick; the temporal path (neighbours read beyond the rendered frames) is still used.
        var bound = ParamSet.Bind(inpaint, new Dictionary<string, object>
        {
            [InpaintDefinition.ParamTemporalWindow] = temporalWindow,
            [InpaintDefinition.ParamFlowQuality] = InpaintDefinition.FlowFast,
        });
        return new PlanOptions(inpaint, bound, new ClipSelector(Track: 1), Handles: 1, BaseDirectory: Path.GetDirectoryName(otio)!);
    }

    private sealed class Recorder(Action<long>? onFrame = null) : IBatchProgress
    {
        public int Started;
        public long Frames;
        public void ClipStarted(ClipPlan plan) => Started++;
        public void FrameDone(ClipPlan plan, long done) { Frames++; onFrame?.Invoke(done); }
        public void ClipFinished(ClipOutcome outcome) { }
    }

    [Fact]
    public async Task Render_writes_results_and_a_timeline_that_switches_to_them_then_reuses_the_cache()
    {
        var clock = Stopwatch.StartNew();
        var otio = await WriteTimelineAsync();
        log.WriteLine($"timeline and media written: {clock.ElapsedMilliseconds} ms");
        var settings = new BatchSettings(Path.Combine(_dir, "renders"), OutputFormat.Png16, Path.Combine(_dir, "mask.png"));

        // First run: both V1 clips rendered through the daemon.
        var timeline = await OtioJson.ReadFileAsync<OtioTimeline>(otio);
        var options = Options(otio);
        var plans = TimelinePlanner.Plan(timeline, options);
        Assert.Equal(new[] { "dog", "cups" }, plans.Select(p => p.Clip.Name));
        Assert.Equal(new FrameSpan(9, 3), plans[0].Render);   // frame 10 + 1 handle each side
        Assert.Equal(new FrameSpan(3, 6), plans[1].Render);   // [4,8) + 1 handle each side
        Assert.Equal(FrameSpan.FromBounds(2, 10), plans[1].Read); // + the temporal window of 1
        var recorder = new Recorder();
        IReadOnlyList<ClipOutcome> first;
        await using (var renderer = new TimelineRenderer(Client))
        {
            first = await renderer.RenderAsync(plans, options, settings, recorder, CancellationToken.None);
            Assert.True(renderer.ContactedDaemon);
        }
        Assert.All(first, o => Assert.True(o.Status == ClipStatus.Rendered, $"{o.Plan.Clip.Name}: {o.Status} {o.Error}"));
        log.WriteLine($"first run (9 frames, 3 at 1280x720, 6 at 320x180): {clock.ElapsedMilliseconds} ms");
        Assert.Equal(9, recorder.Frames);
        Assert.All(first, o => Assert.False(string.IsNullOrEmpty(o.Engine)));

        TimelineRenderer.ApplyToTimeline(first, options, TimelineRenderer.DefaultReferenceKey);
        var outPath = Path.Combine(_dir, "out.otio");
        await OtioJson.WriteFileAsync(timeline, outPath);

        // The written timeline reads back; each processed clip has the result active and the original kept.
        var written = await OtioJson.ReadFileAsync<OtioTimeline>(outPath);
        foreach (var name in new[] { "dog", "cups" })
        {
            var clip = written.FindClips().Single(c => c.Name == name);
            Assert.Equal(TimelineRenderer.DefaultReferenceKey, clip.ActiveMediaReferenceKey);
            Assert.Equal(new[] { Clip.DefaultMediaKey, TimelineRenderer.DefaultReferenceKey }, clip.MediaReferences.Keys.ToArray());
            var result = Assert.IsType<ImageSequenceReference>(clip.MediaReference);
            var plan = plans.Single(p => p.Clip.Name == name);
            Assert.Equal(plan.Render.ToTimeRange(Rate), result.AvailableRange);
            Assert.True(result.AvailableRange!.Value.Contains(clip.TrimmedRange()), "the clip's range must lie inside the result");
            for (var i = 0; i < result.NumberOfImagesInSequence(); i++)
                Assert.True(File.Exists(result.TargetUrlForImageNumber(i)), $"missing {result.TargetUrlForImageNumber(i)}");
            // The frame shown at the clip's first frame is the source frame with the hole filled: 16-bit, same size,
            // unchanged outside the mask (8-bit source widened exactly: v * 257) and changed inside it.
            using var output = Cv2.ImRead(result.TargetUrlForImageNumber(result.FrameForTime(clip.TrimmedRange().StartTime) - result.StartFrame), ImreadModes.Unchanged);
            Assert.Equal(MatType.CV_16UC4, output.Type());
            using var source = SourceFrame(name, (long)clip.TrimmedRange().StartTime.Value);
            Assert.Equal(source.Size(), output.Size());
            var (outsideMax, insideMean) = Differences(source, output);
            log.WriteLine($"{name}: outside the mask max diff {outsideMax}, inside mean diff {insideMean:F0} (16-bit levels)");
            Assert.True(outsideMax <= 1, $"{name}: outside the mask the result differs by up to {outsideMax} (16-bit levels)");
            // Measured 7077 (dog) and 8601 (cups) levels on first writing; 1000 (~4 8-bit levels) only asks that the
            // hole was really filled, not how well (fill quality is the inpaint engine's own tests' business).
            Assert.True(insideMean > 1000, $"{name}: inside the mask the mean change is only {insideMean} (16-bit levels)");
        }
        Assert.Equal(Clip.DefaultMediaKey, written.FindClips().Single(c => c.Name == "title").ActiveMediaReferenceKey);

        log.WriteLine($"output checked: {clock.ElapsedMilliseconds} ms");
        // Second run from the original timeline: everything cached, and the daemon is never contacted.
        var again = await OtioJson.ReadFileAsync<OtioTimeline>(otio);
        var againPlans = TimelinePlanner.Plan(again, Options(otio));
        await using (var offline = new TimelineRenderer(() => throw new InvalidOperationException("the daemon must not be contacted")))
        {
            var second = await offline.RenderAsync(againPlans, Options(otio), settings, recorder, CancellationToken.None);
            Assert.All(second, o => Assert.Equal(ClipStatus.Cached, o.Status));
            Assert.Equal(first.Select(o => o.Output), second.Select(o => o.Output));
            Assert.False(offline.ContactedDaemon);

            // A changed param is a different key: it must render (and here fails, proving it tried to).
            var changed = Options(otio, temporalWindow: 2);
            var third = await offline.RenderAsync(TimelinePlanner.Plan(again, changed), changed, settings, null, CancellationToken.None);
            Assert.All(third, o => Assert.Equal(ClipStatus.Failed, o.Status));
            Assert.All(third, o => Assert.Contains("must not be contacted", o.Error));
        }
        Assert.Equal(9, recorder.Frames);
        Assert.Equal(2, recorder.Started);

        // --force with a cancel after the first frame: the old result stays whole and nothing partial is left.
        using var cts = new CancellationTokenSource();
        await using (var renderer = new TimelineRenderer(Client))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => renderer.RenderAsync(againPlans, Options(otio),
                settings with { Force = true }, new Recorder(_ => cts.Cancel()), cts.Token));
        }
        log.WriteLine($"cached run and cancelled run: {clock.ElapsedMilliseconds} ms");
        Assert.Empty(Directory.EnumerateDirectories(settings.OutputDirectory, ".*partial*"));
        Assert.NotNull(RenderCache.Find(first[0].Output!, first[0].Key));
        Assert.Equal(3, Directory.EnumerateFiles(first[0].Output!, "*.png").Count());
    }

    [Fact]
    public async Task Extend_shot_lengthens_a_clip_past_its_media_with_generated_frames_through_the_daemon()
    {
        var otio = await WriteTimelineAsync();
        var timeline = await OtioJson.ReadFileAsync<OtioTimeline>(otio);
        var extend = EffectCatalog.Find(ExtendShotDefinition.Id)!;
        // "cups" shows [4,8) of 12 frames: 6 more frames run through the real frames 8..11, then past the media (12, 13).
        var bound = ParamSet.Bind(extend, new Dictionary<string, object>
        {
            [ExtendShotDefinition.ParamFrames] = 6L,
            [ExtendShotDefinition.ParamDirection] = TimeExtension.After,
        });
        var options = new PlanOptions(extend, bound, new ClipSelector(NamePattern: "cups"), BaseDirectory: _dir);
        var plan = TimelinePlanner.Plan(timeline, options).Single();
        Assert.Equal(FrameSpan.FromBounds(4, 14), plan.Render);
        Assert.True(plan.IsGenerated(12) && !plan.IsGenerated(11));

        var settings = new BatchSettings(Path.Combine(_dir, "renders"), OutputFormat.Png16, null);
        IReadOnlyList<ClipOutcome> outcomes;
        await using (var renderer = new TimelineRenderer(Client))
            outcomes = await renderer.RenderAsync([plan], options, settings, null, CancellationToken.None);
        var outcome = Assert.Single(outcomes);
        Assert.True(outcome.Status == ClipStatus.Rendered, $"{outcome.Status} {outcome.Error}");

        TimelineRenderer.ApplyToTimeline(outcomes, options, TimelineRenderer.DefaultReferenceKey);
        var outPath = Path.Combine(_dir, "extended.otio");
        await OtioJson.WriteFileAsync(timeline, outPath);
        var clip = (await OtioJson.ReadFileAsync<OtioTimeline>(outPath)).FindClips().Single(c => c.Name == "cups");
        Assert.Equal(TimeRange.FromValues(4, 10, Rate), clip.SourceRange);
        var result = Assert.IsType<ImageSequenceReference>(clip.MediaReference);
        Assert.Equal(10, result.NumberOfImagesInSequence());

        // Inside the media the effect is the identity; the generated frames continue the shot: close to the last real
        // frame (a 320x180 clip moves little in two frames), but made, not missing or black. 25 dB is far below what the
        // extrapolation reaches on this clip and far above a wrong or empty frame (under 10 dB).
        using var last = SourceFrame("cups", 11);
        using var lastOut = Cv2.ImRead(result.TargetUrlForImageNumber(11 - 4), ImreadModes.Unchanged);
        var (identityMax, _) = Differences(last, lastOut);
        Assert.True(identityMax <= 1, $"frame 11 lies inside the media and must pass through; differs by {identityMax}");
        foreach (var frame in new[] { 12, 13 })
        {
            using var generated = Cv2.ImRead(result.TargetUrlForImageNumber(frame - 4), ImreadModes.Unchanged);
            using var generated8 = new Mat();
            generated.ConvertTo(generated8, MatType.CV_8UC4, 1.0 / 257);
            var psnr = Cv2.PSNR(last, generated8);
            log.WriteLine($"generated frame {frame}: PSNR against the last real frame {psnr:F1} dB");
            Assert.True(psnr > 25, $"generated frame {frame} is {psnr:F1} dB from the last real frame");
        }
    }

    private Mat SourceFrame(string clip, long frame)
    {
        Mat bgr;
        if (clip == "cups")
        {
            bgr = Cv2.ImRead(Path.Combine(_dir, "media", "cups", $"cups.{1001 + frame}.png"), ImreadModes.Color);
        }
        else
        {
            using var capture = new VideoCapture(SharedTestData.File("clips/01_dog.mp4"));
            bgr = new Mat();
            for (var i = 0; i <= frame; i++) Assert.True(capture.Read(bgr));
        }
        using (bgr)
        {
            var bgra = new Mat();
            Cv2.CvtColor(bgr, bgra, ColorConversionCodes.BGR2BGRA);
            return bgra;
        }
    }

    // Largest per-channel colour difference outside the mask and the mean inside it, in 16-bit levels, with the mask
    // scaled to the frame as the renderer does.
    private (double OutsideMax, double InsideMean) Differences(Mat source8, Mat output16)
    {
        using var mask = Cv2.ImRead(Path.Combine(_dir, "mask.png"), ImreadModes.Grayscale);
        using var scaledMask = new Mat();
        Cv2.Resize(mask, scaledMask, source8.Size(), 0, 0, InterpolationFlags.Nearest);
        using var wide = new Mat();
        source8.ConvertTo(wide, MatType.CV_32FC4, 257);
        using var result = new Mat();
        output16.ConvertTo(result, MatType.CV_32FC4);
        using var diff = new Mat();
        Cv2.Absdiff(wide, result, diff);
        using var rgbDiff = new Mat();
        Cv2.CvtColor(diff, rgbDiff, ColorConversionCodes.BGRA2BGR);
        using var outside = new Mat();
        Cv2.BitwiseNot(scaledMask, outside);
        // Keep away from the hole's edge, where a fill may blend a pixel or two.
        using var farOutside = new Mat();
        Cv2.Erode(outside, farOutside, Cv2.GetStructuringElement(MorphShapes.Rect, new Size(9, 9)));
        double outsideMax = 0;
        for (var c = 0; c < 3; c++)
        {
            using var plane = new Mat();
            Cv2.ExtractChannel(rgbDiff, plane, c);
            Cv2.MinMaxLoc(plane, out _, out var max, out _, out _, farOutside);
            outsideMax = Math.Max(outsideMax, max);
        }
        var inside = Cv2.Mean(rgbDiff, scaledMask);
        return (outsideMax, (inside.Val0 + inside.Val1 + inside.Val2) / 3);
    }
}
