using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>An edit: a stack of tracks plus the time its first frame is shown at (OTIO <c>Timeline.1</c>).</summary>
public sealed class Timeline : OtioObjectWithMetadata
{
    /// <summary>Schema name.</summary>
    public const string Schema = "Timeline";
    /// <summary>Schema version written.</summary>
    public const int Version = 1;

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <summary>The time of the first frame (e.g. 01:00:00:00), or null.</summary>
    public RationalTime? GlobalStartTime { get; set; }

    /// <summary>The tracks, bottom first.</summary>
    public Stack Tracks { get; set; } = new() { Name = "tracks" };

    /// <summary>The tracks' duration.</summary>
    public RationalTime Duration() => Tracks.Duration();

    /// <summary>Tracks of kind Video, bottom first.</summary>
    public IEnumerable<Track> VideoTracks() => Tracks.Children.OfType<Track>().Where(t => t.Kind == Track.VideoKind);

    /// <summary>Tracks of kind Audio, bottom first.</summary>
    public IEnumerable<Track> AudioTracks() => Tracks.Children.OfType<Track>().Where(t => t.Kind == Track.AudioKind);

    /// <summary>All clips, track by track, depth first.</summary>
    public IEnumerable<Clip> FindClips() => Tracks.FindClips();

    /// <summary>
    /// Every clip with what a batch planner needs: the top-level track it is on (index among the stack's children,
    /// 0 = bottom), the media range it uses, where it sits in the timeline and the handles transitions need around it.
    /// </summary>
    public IEnumerable<TimelineClip> EnumerateClips()
    {
        for (var index = 0; index < Tracks.Children.Count; index++)
        {
            var top = Tracks.Children[index];
            var track = top as Track;
            var clips = top switch
            {
                Clip single => [single],
                Composition composition => composition.FindClips(),
                _ => Enumerable.Empty<Clip>(),
            };
            foreach (var clip in clips)
            {
                yield return new TimelineClip(
                    clip, index, track, track?.Kind ?? "", clip.TrimmedRange(), clip.VisibleRange(),
                    Tracks.RangeOfChild(clip), clip.Markers);
            }
        }
    }

    /// <summary>
    /// Every marker in the timeline — on the tracks stack (where Resolve puts timeline markers), on tracks, on clips and
    /// on nested items — with its range mapped into the tracks stack's time frame, so a planner can select the clips
    /// under markers of a colour by intersecting with <see cref="TimelineClip.RangeInTimeline"/>.
    /// </summary>
    public IEnumerable<TimelineMarker> EnumerateMarkers()
    {
        var pending = new Stack<Item>();
        pending.Push(Tracks);
        while (pending.Count > 0)
        {
            var item = pending.Pop();
            foreach (var marker in item.Markers)
            {
                var range = ReferenceEquals(item, Tracks) ? marker.MarkedRange : item.TransformedTimeRange(marker.MarkedRange, Tracks);
                yield return new TimelineMarker(marker, item, range);
            }
            if (item is Composition composition)
                for (var i = composition.Children.Count - 1; i >= 0; i--)
                    if (composition.Children[i] is Item child) pending.Push(child);
        }
    }

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        GlobalStartTime = reader.OptionalTime("global_start_time");
        Tracks = reader.Object<Stack>("tracks") ?? new Stack { Name = "tracks" };
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.Time("global_start_time", GlobalStartTime);
        writer.Object("tracks", Tracks);
    }
}

/// <summary>A marker with the item that owns it and its range in the timeline's tracks stack.</summary>
/// <param name="Marker">The marker (name, colour, comment, range in the owner's frame).</param>
/// <param name="Owner">The item the marker is attached to.</param>
/// <param name="RangeInTimeline">The marked range mapped into the tracks stack's time frame.</param>
public sealed record TimelineMarker(Marker Marker, Item Owner, TimeRange RangeInTimeline);

/// <summary>A clip as placed in a timeline, for planning work per clip.</summary>
/// <param name="Clip">The clip (its name, media references and metadata).</param>
/// <param name="TrackIndex">Index of the top-level track among the timeline's tracks (0 = bottom).</param>
/// <param name="Track">That track, or null when the top-level child is a nested stack.</param>
/// <param name="TrackKind"><c>Video</c>/<c>Audio</c>, or "" when not on a track.</param>
/// <param name="SourceRange">The media range the clip uses (its trimmed range, in media time).</param>
/// <param name="VisibleRange">The source range plus the handles adjacent transitions need.</param>
/// <param name="RangeInTimeline">Where the clip sits in the timeline's tracks stack.</param>
/// <param name="Markers">The clip's markers (ranges in media time).</param>
public sealed record TimelineClip(
    Clip Clip, int TrackIndex, Track? Track, string TrackKind, TimeRange SourceRange, TimeRange VisibleRange,
    TimeRange RangeInTimeline, IReadOnlyList<Marker> Markers)
{
    /// <summary>The clip's name.</summary>
    public string Name => Clip.Name;
}
