using System.Text.RegularExpressions;
using Runway.Timeline.Opentime;
using Runway.Timeline.Schema;
using OtioTrack = Runway.Timeline.Schema.Track;

namespace Runway.Cli.Timeline;

/// <summary>A timeline batch request that cannot be planned: a bad selector, missing or unsupported media.</summary>
public sealed class TimelinePlanException(string message) : Exception(message);

/// <summary>
/// Which clips of a timeline a batch render processes: video clips, optionally on one video track, whose name matches a
/// glob or which lie under markers of one colour. Disabled clips are never selected.
/// </summary>
/// <param name="Track">Video track number, 1 = bottom (Resolve's V1); null = every video track.</param>
/// <param name="NamePattern">Glob on the clip name (<c>*</c>, <c>?</c>, case-insensitive; several separated by commas);
/// null = any name.</param>
/// <param name="MarkerColor">Marker colour (<see cref="Marker.ColorNames"/>): clips overlapped by such a marker on the clip
/// itself or on a track/stack containing it; null = no marker filter.</param>
public sealed record ClipSelector(int? Track = null, string? NamePattern = null, string? MarkerColor = null)
{
    /// <summary>The selected clips in timeline order (track by track, bottom first).</summary>
    /// <exception cref="TimelinePlanException">A selector that names nothing that exists, or nothing matched.</exception>
    public IReadOnlyList<TimelineClip> Select(Runway.Timeline.Schema.Timeline timeline)
    {
        if (NamePattern is not null && MarkerColor is not null)
            throw new TimelinePlanException("--clips and --markers select clips in different ways; give one of them");
        var videoTracks = new List<int>();
        for (var i = 0; i < timeline.Tracks.Children.Count; i++)
            if (timeline.Tracks.Children[i] is OtioTrack { Kind: OtioTrack.VideoKind }) videoTracks.Add(i);
        if (videoTracks.Count == 0) throw new TimelinePlanException("the timeline has no video tracks");
        int? trackIndex = null;
        if (Track is { } n)
        {
            if (n < 1 || n > videoTracks.Count)
                throw new TimelinePlanException($"--track {n}: the timeline has {videoTracks.Count} video track(s), numbered 1..{videoTracks.Count} from the bottom");
            trackIndex = videoTracks[n - 1];
        }
        var name = NamePattern is null ? null : GlobToRegex(NamePattern);
        string? color = null;
        if (MarkerColor is not null)
        {
            color = Marker.ColorNames.FirstOrDefault(c => c.Equals(MarkerColor.Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new TimelinePlanException($"--markers {MarkerColor}: unknown marker colour; known: {string.Join(", ", Marker.ColorNames)}");
        }
        var markers = color is null ? [] : timeline.EnumerateMarkers()
            .Where(m => string.Equals(m.Marker.Color, color, StringComparison.OrdinalIgnoreCase)).ToList();

        var selected = timeline.EnumerateClips()
            .Where(c => c.TrackKind == OtioTrack.VideoKind && c.Clip.Enabled && (c.Track?.Enabled ?? true))
            .Where(c => trackIndex is null || c.TrackIndex == trackIndex)
            .Where(c => name is null || name.IsMatch(c.Name))
            .Where(c => color is null || markers.Any(m => Covers(m, c)))
            .ToList();
        if (selected.Count == 0)
            throw new TimelinePlanException($"no video clips match {Describe()}");
        return selected;
    }

    /// <summary>The selector as the command line gives it, for messages.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Track is { } t) parts.Add($"--track {t}");
        if (NamePattern is { } p) parts.Add($"--clips '{p}'");
        if (MarkerColor is { } c) parts.Add($"--markers {c}");
        return parts.Count == 0 ? "(all video clips)" : string.Join(" ", parts);
    }

    // A marker selects a clip when it is on that clip or on one of its ancestors (track, nested stack, the timeline's
    // stack) and its range overlaps the clip's place in the timeline; a marker on another clip does not.
    private static bool Covers(TimelineMarker marker, TimelineClip clip)
    {
        var owned = false;
        for (Item? item = clip.Clip; item is not null; item = item.Parent)
            if (ReferenceEquals(item, marker.Owner)) { owned = true; break; }
        if (!owned) return false;
        var range = marker.RangeInTimeline;
        var place = clip.RangeInTimeline;
        // Point markers (zero duration, what Resolve writes for a single-frame marker) select the clip they sit on.
        if (range.Duration.Value <= 0) return place.Contains(range.StartTime);
        return range.StartTime < place.EndTimeExclusive && place.StartTime < range.EndTimeExclusive;
    }

    private static Regex GlobToRegex(string glob)
    {
        // Several patterns may be given separated by commas (A001,B*), as the Resolve bridge passes them.
        var globs = glob.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (globs.Length == 0) throw new TimelinePlanException("--clips wants a name pattern such as 'shot_*'");
        var alternatives = globs.Select(g => Regex.Escape(g).Replace("\\*", ".*").Replace("\\?", "."));
        return new Regex("^(?:" + string.Join("|", alternatives) + ")$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }
}

/// <summary>A span of whole frames in media time at one rate (end exclusive).</summary>
/// <param name="Start">First frame number.</param>
/// <param name="Count">Number of frames.</param>
public readonly record struct FrameSpan(long Start, long Count)
{
    /// <summary>One past the last frame.</summary>
    public long End => Start + Count;

    /// <summary>Spans from <paramref name="start"/> to <paramref name="end"/> (exclusive); empty when end ≤ start.</summary>
    public static FrameSpan FromBounds(long start, long end) => new(start, Math.Max(0, end - start));

    /// <summary>Whether frame <paramref name="frame"/> is inside.</summary>
    public bool Contains(long frame) => frame >= Start && frame < End;

    /// <summary>This span limited to <paramref name="other"/>.</summary>
    public FrameSpan ClampedTo(FrameSpan other) => FromBounds(Math.Max(Start, other.Start), Math.Min(End, other.End));

    /// <summary>As an OTIO time range at <paramref name="rate"/>.</summary>
    public TimeRange ToTimeRange(double rate) => TimeRange.FromValues(Start, Count, rate);

    /// <summary>The whole frames a time range covers at <paramref name="rate"/>.</summary>
    public static FrameSpan FromTimeRange(TimeRange range, double rate)
    {
        var start = (long)Math.Round(range.StartTime.ValueRescaledTo(rate));
        var count = (long)Math.Round(range.Duration.ValueRescaledTo(rate));
        return new FrameSpan(start, count);
    }

    /// <inheritdoc />
    public override string ToString() => $"[{Start}, {End})";
}
