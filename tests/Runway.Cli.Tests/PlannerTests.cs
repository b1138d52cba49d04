using Runway.Cli.Timeline;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Testing;
using Runway.Timeline.Opentime;
using Runway.Timeline.Schema;
using Runway.Timeline.Serialization;
using OtioTimeline = Runway.Timeline.Schema.Timeline;

namespace Runway.Cli.Tests;

/// <summary>Planning on the real OTIO samples: selection by track, name and marker; handles; ranges; bad input.</summary>
public sealed class PlannerTests
{
    // A real clip the samples' ExternalReferences are pointed at in memory (the samples name /folder/*.mov, which no
    // machine has). 01_dog.mp4 is 1280x720 and ~10 s, longer than any sample's available range.
    private static readonly string RealVideo = SharedTestData.File("clips/01_dog.mp4");

    private static async Task<OtioTimeline> Sample(string name, bool relinkToRealVideo = false)
    {
        var timeline = await OtioJson.ReadFileAsync<OtioTimeline>(SharedTestData.File($"otio/{name}"));
        if (relinkToRealVideo)
            foreach (var clip in timeline.FindClips())
                if (clip.MediaReference is ExternalReference external) external.TargetUrl = new Uri(RealVideo).AbsoluteUri;
        return timeline;
    }

    private static PlanOptions Options(ClipSelector selector, int handles = 0, string effect = InpaintDefinition.Id,
        Dictionary<string, object>? raw = null, bool draft = false)
    {
        var definition = EffectCatalog.Find(effect)!;
        return new PlanOptions(definition, ParamSet.Bind(definition, raw ?? []), selector, handles, draft, "/");
    }

    private static string[] Names(IEnumerable<TimelineClip> clips) => clips.Select(c => c.Name).ToArray();

    [Fact]
    public async Task Track_selects_only_clips_on_that_video_track_counted_from_the_bottom()
    {
        var timeline = await Sample("multiple_track.otio");
        Assert.Equal(new[] { "Clip-001", "Clip-002", "Clip-004" }, Names(new ClipSelector(Track: 1).Select(timeline)));
        Assert.Equal(new[] { "Clip-003" }, Names(new ClipSelector(Track: 2).Select(timeline)));
        Assert.Equal(new[] { "Clip-005" }, Names(new ClipSelector(Track: 3).Select(timeline)));
        Assert.Equal(5, new ClipSelector().Select(timeline).Count);
    }

    [Fact]
    public async Task Name_pattern_is_a_case_insensitive_glob()
    {
        var timeline = await Sample("multiple_track.otio");
        Assert.Equal(5, new ClipSelector(NamePattern: "clip-00?").Select(timeline).Count);
        Assert.Equal(new[] { "Clip-005" }, Names(new ClipSelector(NamePattern: "*-005").Select(timeline)));
        Assert.Equal(new[] { "Clip-002" }, Names(new ClipSelector(NamePattern: "CLIP-002").Select(timeline)));
        Assert.Equal(new[] { "Clip-001", "Clip-005" }, Names(new ClipSelector(NamePattern: "Clip-001, *-005").Select(timeline)));
        Assert.Equal(new[] { "Clip-001", "Clip-002", "Clip-004" }, Names(new ClipSelector(Track: 1, NamePattern: "Clip-*").Select(timeline)));
    }

    [Fact]
    public async Task Nested_stacks_inside_a_track_are_searched_and_disabled_clips_skipped()
    {
        var nested = await Sample("nested_example.otio");
        Assert.Contains("Clip Inside A Stack 1", Names(new ClipSelector(NamePattern: "*Inside*").Select(nested)));
        var enabled = await Sample("enabled.otio");
        Assert.Equal(new[] { "Clip-001", "Clip-002", "Clip-003" }, Names(new ClipSelector().Select(enabled)));
        // The sample has every item enabled; disable one clip and the second track as an editor would.
        enabled.FindClips().Single(c => c.Name == "Clip-002").Enabled = false;
        enabled.VideoTracks().Last().Enabled = false;
        Assert.Equal(new[] { "Clip-001" }, Names(new ClipSelector().Select(enabled)));
    }

    [Fact]
    public async Task Markers_select_clips_they_overlap_on_the_clip_its_track_or_the_timeline_stack()
    {
        var timeline = await Sample("multiple_track.otio");
        var tracks = timeline.VideoTracks().ToList();
        var clip001 = timeline.FindClips().Single(c => c.Name == "Clip-001");
        var clip005 = timeline.FindClips().Single(c => c.Name == "Clip-005");
        var place003 = timeline.EnumerateClips().Single(c => c.Name == "Clip-003").RangeInTimeline;
        var place005 = timeline.EnumerateClips().Single(c => c.Name == "Clip-005").RangeInTimeline;
        // RED on track 2 over Clip-003's place; RED as a point on Clip-001 itself (media time); GREEN on Clip-005.
        tracks[1].Markers.Add(new Marker { Color = "RED", MarkedRange = new TimeRange(place003.StartTime, new RationalTime(2, 24)) });
        clip001.Markers.Add(new Marker { Color = "RED", MarkedRange = new TimeRange(clip001.TrimmedRange().StartTime) });
        clip005.Markers.Add(new Marker { Color = "GREEN", MarkedRange = new TimeRange(clip005.TrimmedRange().StartTime, new RationalTime(1, 24)) });
        Assert.Equal(new[] { "Clip-001", "Clip-003" }, Names(new ClipSelector(MarkerColor: "red").Select(timeline)));
        // A marker on another clip selects nothing else, even where the ranges overlap in the timeline.
        Assert.Equal(new[] { "Clip-005" }, Names(new ClipSelector(MarkerColor: "GREEN").Select(timeline)));
        // A timeline (stack) marker selects every clip it overlaps, on any track; combined with --track it narrows.
        timeline.Tracks.Markers.Add(new Marker { Color = "BLUE", MarkedRange = new TimeRange(place005.StartTime, new RationalTime(1, 24)) });
        var underBlue = Names(new ClipSelector(MarkerColor: "BLUE").Select(timeline));
        Assert.Contains("Clip-005", underBlue);
        Assert.Equal(new[] { "Clip-005" }, Names(new ClipSelector(Track: 3, MarkerColor: "BLUE").Select(timeline)));
    }

    [Theory]
    [InlineData(0, null, null, "--track 0")]
    [InlineData(4, null, null, "3 video track(s)")]
    [InlineData(null, null, "MAUVE", "unknown marker colour")]
    [InlineData(null, "nothing-like-this*", null, "no video clips match --clips 'nothing-like-this*'")]
    [InlineData(null, "a*", "RED", "give one of them")]
    public async Task Bad_selectors_say_what_is_wrong(int? track, string? pattern, string? color, string expected)
    {
        var timeline = await Sample("multiple_track.otio");
        var error = Assert.Throws<TimelinePlanException>(() => new ClipSelector(track, pattern, color).Select(timeline));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task Handles_grow_each_side_and_are_clamped_to_the_media()
    {
        var timeline = await Sample("multiple_track.otio", relinkToRealVideo: true);
        var plans = TimelinePlanner.Plan(timeline, Options(new ClipSelector(Track: 1), handles: 2,
            raw: new() { [InpaintDefinition.ParamTemporalWindow] = 0L }));
        var byName = plans.ToDictionary(p => p.Clip.Name);
        // Clip-001 uses [3,6) of [0,8): two handle frames fit on both sides.
        Assert.Equal(new FrameSpan(3, 3), byName["Clip-001"].Used);
        Assert.Equal(new FrameSpan(1, 7), byName["Clip-001"].Render);
        // Clip-002 uses [2,8) of [0,9): one frame after is all the media has.
        Assert.Equal(FrameSpan.FromBounds(0, 9), byName["Clip-002"].Render);
        // Clip-004 uses its whole media [100,106): no handles exist.
        Assert.Equal(new FrameSpan(100, 6), byName["Clip-004"].Render);
        Assert.All(plans, p => Assert.Equal(p.Render, p.Read));
        Assert.All(plans, p => Assert.Equal(24, p.Rate));
        Assert.Equal(ClipMediaKind.Video, byName["Clip-001"].Media.Kind);
    }

    [Fact]
    public async Task Temporal_effects_read_their_neighbours_beyond_the_rendered_range_within_the_media()
    {
        var timeline = await Sample("multiple_track.otio", relinkToRealVideo: true);
        var window2 = TimelinePlanner.Plan(timeline, Options(new ClipSelector(NamePattern: "Clip-001"),
            raw: new() { [InpaintDefinition.ParamTemporalWindow] = 2L })).Single();
        Assert.Equal(new FrameSpan(3, 3), window2.Render);
        Assert.Equal(FrameSpan.FromBounds(1, 8), window2.Read);
        Assert.Equal((2, 2), (window2.Before, window2.After));
        // Draft renders use the effect's smaller interactive window.
        var inpaint = EffectCatalog.Find(InpaintDefinition.Id)!;
        var draft = TimelinePlanner.Plan(timeline, Options(new ClipSelector(NamePattern: "Clip-001"),
            raw: new() { [InpaintDefinition.ParamTemporalWindow] = (long)inpaint.FramesNeeded.Before }, draft: true)).Single();
        Assert.Equal(inpaint.FramesNeeded.InteractiveLimit ?? inpaint.FramesNeeded.Before, draft.Before);
        // A single-frame effect reads exactly what it renders.
        var look = TimelinePlanner.Plan(timeline, Options(new ClipSelector(NamePattern: "Clip-001"), effect: LearnedLookDefinition.Id)).Single();
        Assert.Equal(look.Render, look.Read);
    }

    [Fact]
    public async Task Transition_handles_are_part_of_the_used_range()
    {
        var timeline = await Sample("transition.otio", relinkToRealVideo: true);
        var plans = TimelinePlanner.Plan(timeline, Options(new ClipSelector(NamePattern: "Clip-00?"),
            raw: new() { [InpaintDefinition.ParamTemporalWindow] = 0L }));
        foreach (var plan in plans.Where(p => p.Clip.Name is "Clip-002" or "Clip-003"))
        {
            var source = FrameSpan.FromTimeRange(plan.Clip.SourceRange, 24);
            var visible = FrameSpan.FromTimeRange(plan.Clip.VisibleRange, 24);
            // The sample's transition wants more of Clip-002 than its media has: the handle is cut at the media's end.
            Assert.Equal(visible.ClampedTo(plan.Media.Available!.Value), plan.Used);
            Assert.True(plan.Used.Count > source.Count, $"{plan.Clip.Name}: the transition should need frames beyond {source}");
        }
    }

    [Fact]
    public async Task Missing_media_names_the_clip_and_the_path()
    {
        var timeline = await Sample("simple_cut.otio");
        var error = Assert.Throws<TimelinePlanException>(() => TimelinePlanner.Plan(timeline, Options(new ClipSelector())));
        Assert.Contains("clip 'Clip-001'", error.Message);
        Assert.Contains("/folder/titles.mov", error.Message);
    }

    [Fact]
    public async Task Missing_images_of_a_sequence_name_the_first_absent_file()
    {
        var timeline = await Sample("image_sequence_example.otio");
        var error = Assert.Throws<TimelinePlanException>(() => TimelinePlanner.Plan(timeline, Options(new ClipSelector())));
        Assert.Contains("clip 'sample_sequence'", error.Message);
        // The clip starts at image 1011; inpaint's default temporal window of 2 reads from 1009 on.
        Assert.Contains("/sample_sequence/sample_sequence.1009.exr", error.Message);
    }

    [Fact]
    public async Task Offline_and_generator_references_are_refused_by_name()
    {
        var multitrack = await Sample("multitrack.otio");
        var offline = Assert.Throws<TimelinePlanException>(() => TimelinePlanner.Plan(multitrack, Options(new ClipSelector(Track: 2))));
        Assert.Contains("clip 't-hawk (loop)-HD.mp4'", offline.Message);
        Assert.Contains("MissingReference", offline.Message);
        var generator = await Assert.ThrowsAsync<TimelinePlanException>(async () =>
            TimelinePlanner.Plan(await Sample("generator_reference_test.otio"), Options(new ClipSelector())));
        Assert.Contains("GeneratorReference", generator.Message);
    }

    [Fact]
    public async Task Remote_urls_and_ranges_the_media_lacks_are_refused()
    {
        var timeline = await Sample("simple_cut.otio", relinkToRealVideo: true);
        var first = timeline.FindClips().First();
        ((ExternalReference)first.MediaReference).TargetUrl = "https://example.com/titles.mov";
        var remote = Assert.Throws<TimelinePlanException>(() => TimelinePlanner.Plan(timeline, Options(new ClipSelector(NamePattern: "Clip-001"))));
        Assert.Contains("https URL", remote.Message);

        var second = timeline.FindClips().Skip(1).First();
        second.SourceRange = TimeRange.FromValues(5, 10, 24); // available is [0,8)
        var range = Assert.Throws<TimelinePlanException>(() => TimelinePlanner.Plan(timeline, Options(new ClipSelector(NamePattern: "Clip-002"))));
        Assert.Contains("clip 'Clip-002' uses media frames [5, 15)", range.Message);
    }

    // A stand-in for an extending effect (the real extend shot is defined elsewhere): a single-frame effect with the
    // two params an EffectDefinition.Extends names, and 3 frames of context before the end.
    private static EffectDefinition Extender() => EffectCatalog.Find(LearnedLookDefinition.Id)! with
    {
        Id = "com.runwayml.test-extender",
        Params =
        [
            new ParamDefinition("frames", "Frames", ParamKind.Integer, "", 0L, Min: 0, Max: 1000),
            new ParamDefinition("direction", "Direction", ParamKind.Choice, "", TimeExtension.After,
                Options: [new ChoiceOption(TimeExtension.After, "After"), new ChoiceOption(TimeExtension.Before, "Before")]),
        ],
        FramesNeeded = new FramesNeeded(3, 0),
        Extends = new TimeExtension("frames", "direction"),
    };

    [Fact]
    public async Task Extending_effects_render_past_the_media_end_or_before_its_start()
    {
        var timeline = await Sample("multiple_track.otio", relinkToRealVideo: true);
        var extender = Extender();
        PlanOptions With(long frames, string direction, int handles = 0) => new(extender,
            ParamSet.Bind(extender, new Dictionary<string, object> { ["frames"] = frames, ["direction"] = direction }),
            new ClipSelector(NamePattern: "Clip-004"), handles, false, "/");
        // Clip-004 uses all of its media [100,106): 4 new frames follow it, the last 3 real frames are read as context.
        var after = TimelinePlanner.Plan(timeline, With(4, TimeExtension.After)).Single();
        Assert.Equal(FrameSpan.FromBounds(100, 110), after.Render);
        Assert.Equal(FrameSpan.FromBounds(100, 106), after.Read);
        Assert.True(after.IsGenerated(106) && !after.IsGenerated(105));
        var before = TimelinePlanner.Plan(timeline, With(2, TimeExtension.Before)).Single();
        Assert.Equal(FrameSpan.FromBounds(98, 106), before.Render);
        // Clip-001 uses [3,6) of [0,8): extending by 4 after runs into its handles first, then past the media.
        var intoHandles = TimelinePlanner.Plan(timeline, With(4, TimeExtension.After) with { Selector = new ClipSelector(NamePattern: "Clip-001") }).Single();
        Assert.Equal(FrameSpan.FromBounds(3, 10), intoHandles.Render);
        Assert.False(intoHandles.IsGenerated(7));
        Assert.True(intoHandles.IsGenerated(8));
    }

    [Fact]
    public async Task Applying_an_extended_result_lengthens_the_clip_and_keeps_the_original_reference()
    {
        var timeline = await Sample("multiple_track.otio", relinkToRealVideo: true);
        var extender = Extender();
        var options = new PlanOptions(extender,
            ParamSet.Bind(extender, new Dictionary<string, object> { ["frames"] = 4L, ["direction"] = TimeExtension.After }),
            new ClipSelector(NamePattern: "Clip-004"), 0, false, "/");
        var plan = TimelinePlanner.Plan(timeline, options).Single();
        var original = plan.Clip.Clip.MediaReference;
        var result = new ImageSequenceReference { TargetUrlBase = "/renders/x/", AvailableRange = plan.Render.ToTimeRange(24), Rate = 24 };
        TimelineRenderer.ApplyToTimeline([new ClipOutcome(plan, ClipStatus.Rendered, "/renders/x", "k", result, "e", [], null)],
            options, TimelineRenderer.DefaultReferenceKey);
        var clip = plan.Clip.Clip;
        Assert.Equal(TimeRange.FromValues(100, 10, 24), clip.SourceRange);
        Assert.Same(result, clip.MediaReference);
        Assert.Same(original, clip.MediaReferences[Clip.DefaultMediaKey]);
        // The editor switches back by changing the active key; the original range is still inside the original media
        // only up to its end, which is why the extended range lives in the result's available range.
        clip.SetActiveMediaReferenceKey(Clip.DefaultMediaKey);
        Assert.Same(original, clip.MediaReference);
    }

    [Fact]
    public async Task Negative_handles_are_refused()
    {
        var timeline = await Sample("multiple_track.otio", relinkToRealVideo: true);
        Assert.Throws<TimelinePlanException>(() => TimelinePlanner.Plan(timeline, Options(new ClipSelector(), handles: -1)));
    }
}
