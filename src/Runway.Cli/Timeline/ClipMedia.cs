using OpenCvSharp;
using Runway.Cli.Media;
using Runway.Timeline.Schema;

namespace Runway.Cli.Timeline;

/// <summary>How a clip's media is stored.</summary>
public enum ClipMediaKind { Video, Image, Sequence }

/// <summary>
/// A clip's media resolved to local files, with the frames it offers in the clip's media time (whole frames at the
/// clip's rate). Still images offer every frame (<see cref="Available"/> null).
/// </summary>
/// <param name="Kind">Video file, still image or numbered images.</param>
/// <param name="Path">The video or image file; for sequences the folder of the first image.</param>
/// <param name="Available">Frames the media has, in media time; null = unbounded (a still).</param>
/// <param name="Sequence">The reference that names each image of a sequence; null otherwise.</param>
/// <param name="BaseDirectory">Folder relative URLs are resolved against (the .otio's folder).</param>
public sealed record ClipMedia(ClipMediaKind Kind, string Path, FrameSpan? Available, ImageSequenceReference? Sequence, string BaseDirectory)
{
    /// <summary>The image file of a sequence for media frame <paramref name="frame"/> at <paramref name="rate"/>.</summary>
    public string SequenceFile(long frame, double rate)
    {
        var reference = Sequence ?? throw new InvalidOperationException("not an image sequence");
        var offset = frame - Available!.Value.Start;
        // Image numbers count in steps of frame_step at the sequence's own rate.
        var imageNumber = (long)Math.Round(new Runway.Timeline.Opentime.RationalTime(offset, rate).ValueRescaledTo(reference.Rate / reference.FrameStep));
        return MediaResolver.ToLocalPath(reference.TargetUrlForImageNumber(imageNumber), BaseDirectory, "image sequence");
    }

    /// <summary>Every file whose size and time identify the frames of <paramref name="span"/>, for the cache key.</summary>
    public IEnumerable<string> FilesFor(FrameSpan span, double rate)
    {
        if (Kind != ClipMediaKind.Sequence)
        {
            yield return Path;
            yield break;
        }
        for (var f = span.Start; f < span.End; f++) yield return SequenceFile(f, rate);
    }
}

/// <summary>Turns a clip's active media reference into local files, or a message naming the clip and the path.</summary>
public static class MediaResolver
{
    /// <summary>Resolves <paramref name="clip"/>'s active reference; frames in media time at <paramref name="rate"/>.</summary>
    /// <exception cref="TimelinePlanException">Missing media, an unsupported reference or URL scheme, undecodable video.</exception>
    public static ClipMedia Resolve(TimelineClip clip, double rate, string baseDirectory)
    {
        var reference = clip.Clip.MediaReference;
        var key = clip.Clip.ActiveMediaReferenceKey;
        switch (reference)
        {
            case ExternalReference external:
            {
                var path = ToLocalPath(external.TargetUrl, baseDirectory, $"clip '{clip.Name}'");
                if (!File.Exists(path))
                    throw new TimelinePlanException($"clip '{clip.Name}': media '{path}' does not exist (target_url '{external.TargetUrl}')");
                var available = external.AvailableRange is { } r ? FrameSpan.FromTimeRange(r, rate) : (FrameSpan?)null;
                if (MediaPaths.IsImageFile(path)) return new ClipMedia(ClipMediaKind.Image, path, null, null, baseDirectory);
                if (MediaPaths.Classify(path) != MediaKind.Video)
                    throw new TimelinePlanException($"clip '{clip.Name}': '{path}' is neither a video nor an image file this tool reads");
                // The container's frame count bounds what can be read, whatever the reference claims.
                using var capture = new VideoCapture(path);
                if (!capture.IsOpened()) throw new TimelinePlanException($"clip '{clip.Name}': cannot decode video '{path}'");
                var frames = Math.Max(0, capture.FrameCount);
                var span = available is { } a ? new FrameSpan(a.Start, Math.Min(a.Count, frames)) : new FrameSpan(0, frames);
                return new ClipMedia(ClipMediaKind.Video, path, span, null, baseDirectory);
            }
            case ImageSequenceReference sequence:
            {
                if (sequence.AvailableRange is not { } range || range.Duration.Value <= 0)
                    throw new TimelinePlanException($"clip '{clip.Name}': the image sequence has no available_range, so its frames are unknown");
                var folder = ToLocalPath(sequence.TargetUrlBase.Length == 0 ? "." : sequence.TargetUrlBase, baseDirectory, $"clip '{clip.Name}'");
                var available = new FrameSpan(FrameSpan.FromTimeRange(range, rate).Start,
                    (long)Math.Round(range.Duration.ValueRescaledTo(rate)));
                return new ClipMedia(ClipMediaKind.Sequence, folder, available, sequence, baseDirectory);
            }
            case MissingReference:
                throw new TimelinePlanException($"clip '{clip.Name}': media reference '{key}' is a MissingReference (the media is offline); relink it first");
            default:
                throw new TimelinePlanException(
                    $"clip '{clip.Name}': media reference '{key}' is a {reference.SchemaName}, which has no frames to process; " +
                    "ExternalReference (a video or image file) and ImageSequenceReference are supported");
        }
    }

    /// <summary>
    /// A local path from an OTIO URL: <c>file://</c> URLs are unescaped, plain paths (as Resolve writes them) are taken
    /// as they are, relative ones against <paramref name="baseDirectory"/>; other schemes are refused.
    /// </summary>
    public static string ToLocalPath(string url, string baseDirectory, string owner)
    {
        if (url.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.IsFile)
                throw new TimelinePlanException($"{owner}: '{url}' is not a valid file URL");
            return uri.LocalPath;
        }
        var colon = url.IndexOf("://", StringComparison.Ordinal);
        if (colon > 0)
            throw new TimelinePlanException($"{owner}: '{url}' is a {url[..colon]} URL; only local files (plain paths or file:// URLs) can be rendered");
        return System.IO.Path.GetFullPath(url, baseDirectory);
    }
}
