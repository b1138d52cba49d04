using Runway.Timeline.Schema;
using Runway.Timeline.Serialization;
using OtioTimeline = Runway.Timeline.Schema.Timeline;

namespace Runway.Timeline.Tests;

public class RangeTests
{
    private static OtioTimeline Sample(string name) =>
        OtioJson.Read<OtioTimeline>(File.ReadAllBytes(TestData.File(Path.Combine("otio", name))));

    private static Clip ClipOf(double frames, string name) => new()
    {
        Name = name,
        MediaReference = new ExternalReference { TargetUrl = name, AvailableRange = TimeRange.FromValues(0, frames, 24) },
    };

    [Fact]
    public void Reference_example_gap_clip_transition_clip()
    {
        // ../shared/reference/otio.md: Gap 12 + Clip 48 + Transition 6/6 + Clip 30.
        var track = new Track();
        var gap = new Gap(new RationalTime(12, 24));
        var first = ClipOf(48, "first");
        var transition = new Transition { InOffset = new RationalTime(6, 24), OutOffset = new RationalTime(6, 24), TransitionType = Transition.SmpteDissolve };
        var second = ClipOf(30, "second");
        foreach (var child in new Composable[] { gap, first, transition, second }) track.Children.Add(child);

        Assert.Equal(TimeRange.FromValues(12, 48, 24), first.RangeInParent());
        Assert.Equal(TimeRange.FromValues(54, 12, 24), transition.RangeInParent());
        Assert.Equal(TimeRange.FromValues(60, 30, 24), second.RangeInParent());
        Assert.Equal(new RationalTime(90, 24), track.Duration());
        Assert.Equal(TimeRange.FromValues(0, 54, 24), first.VisibleRange());   // + out_offset 6 of the next transition
        Assert.Equal(TimeRange.FromValues(-6, 36, 24), second.VisibleRange()); // − in_offset 6 of the previous one
    }

    [Fact]
    public void Transitions_at_track_ends_widen_the_track_and_the_neighbours_visible_ranges()
    {
        var track = Sample("transition_test.otio").Tracks.Children.OfType<Track>().Single();
        // t0 10/10, A 50, t1 10/10, B 50, C 50, t3 10/10.
        Assert.Equal(new RationalTime(170, 24), track.Duration());
        var items = track.Children;
        Assert.Equal(TimeRange.FromValues(-10, 20, 24), items[0].RangeInParent());
        Assert.Equal(TimeRange.FromValues(0, 50, 24), items[1].RangeInParent());
        Assert.Equal(TimeRange.FromValues(40, 20, 24), items[2].RangeInParent());
        Assert.Equal(TimeRange.FromValues(100, 50, 24), items[4].RangeInParent());
        Assert.Equal(TimeRange.FromValues(140, 20, 24), items[5].RangeInParent());
        Assert.Equal(TimeRange.FromValues(-10, 70, 24), ((Item)items[1]).VisibleRange());
        Assert.Equal(TimeRange.FromValues(-10, 60, 24), ((Item)items[3]).VisibleRange());
        Assert.Equal(TimeRange.FromValues(0, 60, 24), ((Item)items[4]).VisibleRange());
    }

    [Fact]
    public void Nested_stacks_map_child_ranges_through_each_parent_and_trim_to_source_ranges()
    {
        var timeline = Sample("nested_example.otio");
        var top = timeline.Tracks.Children.OfType<Track>().Single();
        var nested = top.Children.OfType<Stack>().First();
        var inner = nested.FindClips().Single();
        Assert.Equal("Clip Inside A Stack 1", inner.Name);
        Assert.Equal(TimeRange.FromValues(238, 31, 24), nested.RangeInParent());   // after Normal Clip 1 (238)
        Assert.Equal(TimeRange.FromValues(0, 37, 24), inner.RangeInParent());
        Assert.Equal(TimeRange.FromValues(0, 31, 24), inner.TrimmedRangeInParent()); // clamped to the stack's 0+31
        Assert.Equal(TimeRange.FromValues(238, 37, 24), top.RangeOfChild(inner));
        Assert.Equal(TimeRange.FromValues(238, 37, 24), timeline.Tracks.RangeOfChild(inner));
        Assert.Equal(TimeRange.FromValues(373, 37, 24), inner.TrimmedRange());
        // Track time 240 is 2 frames into the nested stack, hence 2 frames into the inner clip's media (373 + 2).
        Assert.Equal(new RationalTime(375, 24), top.TransformedTime(new RationalTime(240, 24), inner));
        Assert.IsType<LinearTimeWarp>(top.Children.OfType<Stack>().ElementAt(1).Effects.Single());
        Assert.Equal(0, Assert.IsType<FreezeFrame>(top.Children.OfType<Track>().Single().Effects.Single()).TimeScalar);
    }

    [Fact]
    public void A_child_wholly_outside_its_parents_source_range_is_an_error()
    {
        var track = new Track { SourceRange = TimeRange.FromValues(0, 10, 24) };
        track.Children.Add(ClipOf(10, "in"));
        track.Children.Add(ClipOf(10, "out"));
        Assert.Equal(TimeRange.FromValues(0, 10, 24), track.TrimmedRangeOfChildAt(0));
        Assert.Throws<OtioRangeException>(() => track.TrimmedRangeOfChildAt(1));
    }

    [Fact]
    public void Stacks_start_every_child_at_zero_and_last_as_long_as_the_longest()
    {
        var timeline = Sample("multitrack.otio");
        Assert.Equal(new RationalTime(3282, 24), timeline.Duration());
        Assert.All(timeline.Tracks.Children, t => Assert.Equal(TimeRange.FromValues(0, 3282, 24), t.RangeInParent()));
        Assert.IsType<MissingReference>(timeline.FindClips().First().MediaReference);
    }

    [Fact]
    public void A_clip_without_source_or_available_range_cannot_say_its_duration()
    {
        var clip = new Clip { Name = "nothing" };
        var ex = Assert.Throws<OtioRangeException>(() => clip.Duration());
        Assert.Contains("nothing", ex.Message);
        Assert.Throws<OtioRangeException>(() => clip.RangeInParent());
    }

    [Fact]
    public void Batch_planning_sees_each_clip_with_track_source_range_placement_and_markers()
    {
        var timeline = Sample("multitrack.otio");
        var clips = timeline.EnumerateClips().ToList();
        Assert.Equal(5, clips.Count);
        var koll = clips.Single(c => c.Name == "KOLL-HD.mp4");
        Assert.Equal(2, koll.TrackIndex);
        Assert.Equal("Video", koll.TrackKind);
        Assert.Equal(TimeRange.FromValues(0, 640, 24), koll.SourceRange);
        Assert.Equal(TimeRange.FromValues(1198, 640, 24), koll.RangeInTimeline);
        Assert.Empty(koll.Markers);
        // A timeline time (e.g. a marker on the tracks stack) maps into the clip's media time and back.
        Assert.Equal(new RationalTime(10, 24), timeline.Tracks.TransformedTime(new RationalTime(1208, 24), koll.Clip));
        Assert.Equal(new RationalTime(1208, 24), koll.Clip.TransformedTime(new RationalTime(10, 24), timeline.Tracks));

        var enabled = Sample("enabled.otio");
        // The sample's README says it has a disabled item, but every 'enabled' in it is true; read as such.
        Assert.All(enabled.FindClips(), c => Assert.True(c.Enabled));
        var byTrack = enabled.EnumerateClips().GroupBy(c => c.TrackIndex).ToDictionary(g => g.Key, g => g.Select(c => c.Name).ToList());
        Assert.Equal(["Clip-001", "Clip-002"], byTrack[0]);
        Assert.Equal(["Clip-003"], byTrack[1]);
    }

    [Fact]
    public void Markers_anywhere_map_into_timeline_time_so_clips_under_a_colour_can_be_selected()
    {
        var timeline = Sample("multitrack.otio");
        // A timeline marker (on the tracks stack, as Resolve exports them) at 1200–1210, which lies over
        // out-b (track 0, 803–1525) and KOLL-HD.mp4 (track 2, 1198–1838) but over a gap on track 1; and a clip marker 5
        // frames into t-hawk's media (t-hawk sits at 482 on track 1 and uses media from 0).
        timeline.Tracks.Markers.Add(new Marker { Name = "fix", Color = "RED", MarkedRange = TimeRange.FromValues(1200, 10, 24) });
        var hawk = timeline.FindClips().Single(c => c.Name.StartsWith("t-hawk", StringComparison.Ordinal));
        hawk.Markers.Add(new Marker { Name = "look", Color = "GREEN", MarkedRange = TimeRange.FromValues(5, 1, 24) });

        var markers = timeline.EnumerateMarkers().ToList();
        Assert.Equal(2, markers.Count);
        Assert.Equal(TimeRange.FromValues(1200, 10, 24), markers[0].RangeInTimeline);
        Assert.Same(timeline.Tracks, markers[0].Owner);
        Assert.Equal(TimeRange.FromValues(487, 1, 24), markers[1].RangeInTimeline);

        var red = markers.Where(m => m.Marker.Color == "RED").Select(m => m.RangeInTimeline).ToList();
        var underRed = timeline.EnumerateClips().Where(c => red.Any(r => r.Intersects(c.RangeInTimeline))).Select(c => c.Name);
        Assert.Equal(["out-b (loop)-HD.mp4", "KOLL-HD.mp4"], underRed);
    }

    [Fact]
    public void Image_sequence_frames_map_to_padded_file_urls()
    {
        var reference = Assert.IsType<ImageSequenceReference>(Sample("image_sequence_example.otio").FindClips().Single().MediaReference);
        Assert.Equal(50, reference.NumberOfImagesInSequence());
        Assert.Equal(1050, reference.EndFrame());
        Assert.Equal("./sample_sequence/sample_sequence.1001.exr", reference.TargetUrlForImageNumber(0));
        Assert.Equal("./sample_sequence/sample_sequence.1050.exr", reference.TargetUrlForImageNumber(49));
        Assert.Equal(1011, reference.FrameForTime(new RationalTime(86410, 24)));
        Assert.Equal(new RationalTime(86401, 24), reference.PresentationTimeForImageNumber(1));
        Assert.Throws<OtioRangeException>(() => reference.TargetUrlForImageNumber(50));
        Assert.Throws<OtioRangeException>(() => reference.FrameForTime(new RationalTime(0, 24)));

        var stepped = new ImageSequenceReference
        {
            TargetUrlBase = "file:///shots", NamePrefix = "a.", NameSuffix = ".png", StartFrame = -2, FrameStep = 2,
            Rate = 24, FrameZeroPadding = 3, AvailableRange = TimeRange.FromValues(0, 10, 24),
        };
        Assert.Equal(5, stepped.NumberOfImagesInSequence());
        Assert.Equal("file:///shots/a.-002.png", stepped.TargetUrlForImageNumber(0));
        Assert.Equal("file:///shots/a.000.png", stepped.TargetUrlForImageNumber(1));
        Assert.Equal("file:///shots/a.006.png", stepped.TargetUrlForImageNumber(4));
    }

    [Fact]
    public void An_object_can_have_only_one_parent()
    {
        var clip = ClipOf(5, "c");
        var a = new Track();
        var b = new Track();
        a.Children.Add(clip);
        Assert.Throws<InvalidOperationException>(() => b.Children.Add(clip));
        a.Children.Remove(clip);
        b.Children.Add(clip);
        Assert.Same(b, clip.Parent);
        var stack = new Stack();
        b.Children.Add(stack);
        Assert.Throws<InvalidOperationException>(() => stack.Children.Add(b));
    }
}
