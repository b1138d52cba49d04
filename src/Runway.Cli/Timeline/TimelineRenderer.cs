using System.Globalization;
using System.Text;
using OpenCvSharp;
using Runway.Cli.Media;
using Runway.Client;
using Runway.Protocol.V1;
using Runway.Timeline.Schema;

namespace Runway.Cli.Timeline;

/// <summary>Where and how results are written.</summary>
/// <param name="OutputDirectory">Folder that receives one folder per rendered clip.</param>
/// <param name="Format">Image sequence or video.</param>
/// <param name="MaskPath">A still mask image used for every frame of every clip (e.g. inpaint); null = none.</param>
/// <param name="Force">Render even when a cached result exists.</param>
/// <param name="ReferenceKey">Media reference key of the result in the output timeline.</param>
public sealed record BatchSettings(string OutputDirectory, OutputFormat Format = OutputFormat.Png16, string? MaskPath = null,
    bool Force = false, string ReferenceKey = TimelineRenderer.DefaultReferenceKey);

/// <summary>How a clip ended.</summary>
public enum ClipStatus { Rendered, Cached, Failed }

/// <summary>One clip's result.</summary>
/// <param name="Plan">The planned work.</param>
/// <param name="Status">Rendered now, reused from the cache, or failed.</param>
/// <param name="Output">The clip's result folder (sequences) or video file; null when failed.</param>
/// <param name="Key">Its cache key.</param>
/// <param name="Reference">The media reference to the result, for the output timeline; null when failed.</param>
/// <param name="Engine">Engine the daemon reported.</param>
/// <param name="Notes">Distinct engine notes.</param>
/// <param name="Error">Why it failed.</param>
public sealed record ClipOutcome(ClipPlan Plan, ClipStatus Status, string? Output, string Key, MediaReference? Reference,
    string Engine, IReadOnlyList<string> Notes, string? Error);

/// <summary>Receives progress of a batch (a progress bar, plain lines, or nothing).</summary>
public interface IBatchProgress
{
    /// <summary>A clip starts rendering (not called for cached clips).</summary>
    void ClipStarted(ClipPlan plan);

    /// <summary><paramref name="done"/> frames of the clip are written.</summary>
    void FrameDone(ClipPlan plan, long done);

    /// <summary>A clip finished, was reused or failed.</summary>
    void ClipFinished(ClipOutcome outcome);
}

/// <summary>
/// Renders planned clips through the daemon, one folder per clip written under a temporary name and renamed when
/// complete, reusing complete folders whose cache key matches; then points the timeline's clips at the results.
/// </summary>
/// <param name="clientFactory">Makes the daemon client, only once a clip actually needs rendering.</param>
public sealed class TimelineRenderer(Func<RunwayClient> clientFactory) : IAsyncDisposable
{
    /// <summary>The media reference key results are stored under.</summary>
    public const string DefaultReferenceKey = "runway";

    private RunwayClient? _client;

    /// <summary>True once the daemon client was created (some clip was not cached).</summary>
    public bool ContactedDaemon => _client is not null;

    /// <summary>Renders (or reuses) every planned clip. Cancellation stops at the next frame and leaves no partial folder.</summary>
    public async Task<IReadOnlyList<ClipOutcome>> RenderAsync(IReadOnlyList<ClipPlan> plans, PlanOptions options, BatchSettings settings,
        IBatchProgress? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(settings.OutputDirectory);
        using var mask = settings.MaskPath is null ? null : FrameReader.ReadImage(settings.MaskPath);
        var outcomes = new List<ClipOutcome>(plans.Count);
        foreach (var plan in plans)
        {
            ct.ThrowIfCancellationRequested();
            var key = RenderCache.Key(plan, options, settings.Format, settings.MaskPath);
            var folder = Path.GetFullPath(Path.Combine(settings.OutputDirectory, $"{Slug(plan.Clip.Name, plan.Number)}-{key[..12]}"));
            ClipOutcome outcome;
            if (!settings.Force && RenderCache.Find(folder, key) is { } cached)
            {
                outcome = new ClipOutcome(plan, ClipStatus.Cached, OutputOf(folder, plan, settings), key,
                    ReferenceFor(folder, plan, settings.Format), cached.Engine, cached.Notes, null);
            }
            else
            {
                progress?.ClipStarted(plan);
                try
                {
                    var (engine, notes) = await RenderClipAsync(plan, options, settings, mask, key, folder, progress, ct);
                    outcome = new ClipOutcome(plan, ClipStatus.Rendered, OutputOf(folder, plan, settings), key,
                        ReferenceFor(folder, plan, settings.Format), engine, notes, null);
                }
                catch (Exception e) when (e is not OperationCanceledException && !ct.IsCancellationRequested)
                {
                    outcome = new ClipOutcome(plan, ClipStatus.Failed, null, key, null, "", [], e.Message);
                }
            }
            outcomes.Add(outcome);
            progress?.ClipFinished(outcome);
        }
        return outcomes;
    }

    /// <summary>
    /// Gives each rendered or cached clip the result as a second media reference under <see cref="BatchSettings.ReferenceKey"/>,
    /// made active, with the original kept under its key; an extending effect also lengthens the clip's source range.
    /// </summary>
    public static void ApplyToTimeline(IEnumerable<ClipOutcome> outcomes, PlanOptions options, string referenceKey)
    {
        foreach (var outcome in outcomes)
        {
            if (outcome.Reference is null) continue;
            var clip = outcome.Plan.Clip.Clip;
            clip.SetMediaReference(referenceKey, outcome.Reference);
            clip.SetActiveMediaReferenceKey(referenceKey);
            if (options.Effect.Extends is { } extends && options.Params.Integer(extends.FramesParam) is var frames and > 0)
            {
                var rate = outcome.Plan.Rate;
                var source = FrameSpan.FromTimeRange(clip.TrimmedRange(), rate);
                var after = options.Params.Choice(extends.DirectionParam) != Runway.Effects.Definitions.TimeExtension.Before;
                var longer = after
                    ? FrameSpan.FromBounds(source.Start, Math.Min(outcome.Plan.Render.End, source.End + frames))
                    : FrameSpan.FromBounds(Math.Max(outcome.Plan.Render.Start, source.Start - frames), source.End);
                clip.SourceRange = longer.ToTimeRange(rate);
            }
        }
    }

    private async Task<(string Engine, IReadOnlyList<string> Notes)> RenderClipAsync(ClipPlan plan, PlanOptions options,
        BatchSettings settings, Mat? mask, string key, string folder, IBatchProgress? progress, CancellationToken ct)
    {
        var temp = Path.Combine(Path.GetDirectoryName(folder)!, $".{Path.GetFileName(folder)}.partial-{Environment.ProcessId}");
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        try
        {
            _client ??= clientFactory();
            var request = new RenderRequest(options.Effect.Id)
            {
                // One instance per clip result: temporal state never leaks between clips or parameter sets.
                InstanceId = $"timeline-{key[..16]}",
                Interactive = options.Interactive,
                Params = options.Params.All.ToDictionary(kv => kv.Key, kv => RunwayParams.From(kv.Value)),
                // The media's frames, so an extending effect knows which requested times lie past the real footage.
                SourceRange = plan.Media.Available is { } media ? new ClipFrameRange(media.Start, media.End - 1) : null,
            };
            var reference = ReferenceFor(temp, plan, settings.Format);
            var video = settings.Format == OutputFormat.Video
                ? new FrameWriter(Path.Combine(temp, VideoName(plan)), MediaKind.Video, plan.Rate)
                : null;
            var notes = new List<string>();
            var engine = "";
            using (video)
            using (var frames = new ClipFrames(plan))
            {
                var outputType = settings.Format switch { OutputFormat.Exr => MatType.CV_32FC4, OutputFormat.Png16 => MatType.CV_16UC4, _ => MatType.CV_8UC4 };
                Mat? output = null;
                Mat? clipMask = null;
                try
                {
                    var done = 0L;
                    for (var t = plan.Render.Start; t < plan.Render.End; t++)
                    {
                        ct.ThrowIfCancellationRequested();
                        var (sourceFrame, neighbourFrames) = Inputs(plan, t);
                        var source = frames.Get(sourceFrame);
                        // One still mask serves clips of any size: it is scaled (nearest, so it stays hard-edged) to each.
                        if (mask is not null && clipMask is null)
                        {
                            clipMask = new Mat();
                            if (mask.Size() == source.Size()) mask.CopyTo(clipMask);
                            else Cv2.Resize(mask, clipMask, source.Size(), 0, 0, InterpolationFlags.Nearest);
                        }
                        output ??= new Mat(source.Size(), outputType);
                        var neighbours = new List<NeighbourFrame>(neighbourFrames.Count);
                        foreach (var n in neighbourFrames)
                            neighbours.Add(new NeighbourFrame(n, MatImages.View(frames.Get(n)), clipMask is null ? null : MatImages.MaskView(clipMask)));
                        var rendered = await _client.RenderAsync(request with { Time = t, Neighbours = neighbours }, MatImages.View(source),
                            clipMask is null ? null : MatImages.MaskView(clipMask), MatImages.View(output), ct);
                        engine = rendered.Info.Engine;
                        foreach (var note in rendered.Info.Notes)
                            if (notes.Count < 8 && !notes.Contains(note)) notes.Add(note);
                        if (video is not null) video.Write(output);
                        else FrameWriter.WriteImage(FileFor(reference, plan, t, temp), output);
                        frames.ReleaseBefore(Math.Min(sourceFrame, neighbourFrames.Count > 0 ? neighbourFrames.Min() : sourceFrame));
                        progress?.FrameDone(plan, ++done);
                    }
                }
                finally
                {
                    output?.Dispose();
                    clipMask?.Dispose();
                }
                video?.Complete();
            }
            await RenderCache.WriteAsync(temp, new ClipManifest(key, options.Effect.Id, plan.Render.Start, plan.Render.Count, plan.Rate, engine, notes), ct);
            // The finished folder appears in one rename; an old result for the same key (with --force) goes first.
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            Directory.Move(temp, folder);
            return (engine, notes);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    // The media frames a render at t takes: inside the media, t and its neighbours; outside it (an extending effect),
    // the frame at the nearest end and the frames leading up to that end.
    private static (long Source, List<long> Neighbours) Inputs(ClipPlan plan, long t)
    {
        var neighbours = new List<long>(plan.Before + plan.After);
        if (!plan.IsGenerated(t))
        {
            for (var d = -plan.Before; d <= plan.After; d++)
                if (d != 0 && plan.Read.Contains(t + d)) neighbours.Add(t + d);
            return (t, neighbours);
        }
        var available = plan.Media.Available!.Value;
        if (t >= available.End)
        {
            var last = available.End - 1;
            for (var f = last - plan.Before; f < last; f++) if (plan.Read.Contains(f)) neighbours.Add(f);
            return (last, neighbours);
        }
        var first = available.Start;
        for (var f = first + 1; f <= first + plan.After; f++) if (plan.Read.Contains(f)) neighbours.Add(f);
        return (first, neighbours);
    }

    private static MediaReference ReferenceFor(string folder, ClipPlan plan, OutputFormat format)
    {
        var range = plan.Render.ToTimeRange(plan.Rate);
        if (format == OutputFormat.Video)
            return new ExternalReference { TargetUrl = Path.Combine(folder, VideoName(plan)), AvailableRange = range, Name = plan.Clip.Name };
        // Image file numbers are the media frame numbers, so the result lines up with the source's timecode.
        return new ImageSequenceReference
        {
            Name = plan.Clip.Name,
            TargetUrlBase = folder + "/",
            NamePrefix = $"{Slug(plan.Clip.Name, plan.Number)}.",
            NameSuffix = format == OutputFormat.Exr ? ".exr" : ".png",
            StartFrame = plan.Render.Start,
            FrameStep = 1,
            Rate = plan.Rate,
            FrameZeroPadding = 4,
            AvailableRange = range,
        };
    }

    private static string FileFor(MediaReference reference, ClipPlan plan, long frame, string folder) =>
        reference is ImageSequenceReference sequence
            ? Path.Combine(folder, Path.GetFileName(sequence.TargetUrlForImageNumber(frame - plan.Render.Start)))
            : throw new InvalidOperationException("not a sequence");

    private static string OutputOf(string folder, ClipPlan plan, BatchSettings settings) =>
        settings.Format == OutputFormat.Video ? Path.Combine(folder, VideoName(plan)) : folder;

    private static string VideoName(ClipPlan plan) => $"{Slug(plan.Clip.Name, plan.Number)}.mp4";

    /// <summary>A file-name-safe form of a clip name (letters, digits, '-', '_'; "clipN" when nothing is left).</summary>
    public static string Slug(string name, int number)
    {
        var text = new StringBuilder(Math.Min(name.Length, 48));
        foreach (var c in name)
        {
            if (text.Length >= 48) break;
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }
        var slug = text.ToString().Trim('_');
        return slug.Length == 0 ? string.Create(CultureInfo.InvariantCulture, $"clip{number}") : slug;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
    }

    /// <summary>
    /// The media frames of one clip, decoded once each and kept while a render may still use them. Videos are read
    /// in order (frames before the read range are decoded and dropped, which is exact where seeking is not);
    /// sequences load each image on demand; a still is read once.
    /// </summary>
    private sealed class ClipFrames(ClipPlan plan) : IDisposable
    {
        private readonly Dictionary<long, Mat> _frames = [];
        private FrameReader? _video;
        private long? _nextVideoFrame;
        private Mat? _still;

        public Mat Get(long frame)
        {
            if (_frames.TryGetValue(frame, out var kept)) return kept;
            switch (plan.Media.Kind)
            {
                case ClipMediaKind.Image:
                    return _still ??= FrameReader.ReadImage(plan.Media.Path);
                case ClipMediaKind.Sequence:
                    return _frames[frame] = FrameReader.ReadImage(plan.Media.SequenceFile(frame, plan.Rate));
                default:
                    _video ??= new FrameReader(plan.Media.Path);
                    var start = plan.Media.Available!.Value.Start;
                    var next = _nextVideoFrame ?? start;
                    if (frame < next)
                        throw new InvalidOperationException($"frame {frame} of '{plan.Media.Path}' was released before its last use");
                    for (; next <= frame; next++)
                    {
                        var image = _video.ReadNext() ?? throw new InvalidDataException(
                            $"'{plan.Media.Path}' ended at frame {next - start}, before media frame {frame} of clip '{plan.Clip.Name}'");
                        if (next >= plan.Read.Start) _frames[next] = image;
                        else image.Dispose();
                    }
                    _nextVideoFrame = next;
                    return _frames[frame];
            }
        }

        public void ReleaseBefore(long frame)
        {
            foreach (var key in _frames.Keys.Where(k => k < frame).ToList())
            {
                _frames[key].Dispose();
                _frames.Remove(key);
            }
        }

        public void Dispose()
        {
            ReleaseBefore(long.MaxValue);
            _still?.Dispose();
            _video?.Dispose();
        }
    }
}
