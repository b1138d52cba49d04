using Runway.Timeline.Opentime;

namespace Runway.Timeline.Tests;

public class OpentimeTests
{
    private const double Ntsc = 30000.0 / 1001;
    private const double Ntsc60 = 60000.0 / 1001;

    // Reference values from ../shared/reference/otio.md (OTIO's own opentime tests).
    [Theory]
    [InlineData(1084319, 30000.0 / 1001, "10:03:00;05")]
    [InlineData(1084319, 60000.0 / 1001, "05:01:30;03")]
    [InlineData(107957, 29.97, "01:00:02;05")]
    [InlineData(17982, 29.97, "00:10:00;00")]
    public void Drop_frame_timecode_matches_the_reference_values(double frames, double rate, string expected)
    {
        Assert.Equal(expected, new RationalTime(frames, rate).ToTimecode(rate));
        Assert.Equal(frames, RationalTime.FromTimecode(expected, rate).Value);
    }

    [Fact]
    public void Non_drop_timecode_at_29_97_matches_the_reference_value()
    {
        Assert.Equal("10:02:23:29", new RationalTime(1084319, Ntsc).ToTimecode(Ntsc, DropFrame.Never));
        Assert.Equal(1084319, RationalTime.FromTimecode("10:02:23:29", Ntsc).Value);
    }

    [Theory]
    [InlineData(24000.0 / 1001)]
    [InlineData(24.0)]
    [InlineData(25.0)]
    [InlineData(30000.0 / 1001)]
    [InlineData(30.0)]
    [InlineData(48000.0 / 1001)]
    [InlineData(48.0)]
    [InlineData(50.0)]
    [InlineData(60000.0 / 1001)]
    [InlineData(60.0)]
    public void Frames_across_a_day_and_every_minute_boundary_round_trip_through_timecode_at_every_smpte_rate(double rate)
    {
        // Every 997th frame of the day, plus the frames either side of each minute's first label (where drop-frame
        // skips labels) and the day's last label.
        var perDay = LabelsPerDay(rate);
        var drop = Timecode.HasDropFrame(rate);
        var minuteStarts = Enumerable.Range(0, 1440).Select(m =>
            RationalTime.FromTimecode($"{m / 60:00}:{m % 60:00}:00{(drop ? ';' : ':')}{(drop && m % 10 != 0 ? (long)Math.Ceiling(rate) / 15 : 0):00}", rate).Value);
        var frames = Enumerable.Range(0, (int)(perDay / 997)).Select(i => i * 997L)
            .Concat(minuteStarts.SelectMany(f => new[] { (long)f - 1, (long)f, (long)f + 1 }))
            .Append(perDay - 1)
            .Where(f => f >= 0 && f < perDay);
        string? previous = null;
        foreach (var frame in frames.Distinct().Order())
        {
            var tc = new RationalTime(frame, rate).ToTimecode(rate);
            Assert.Equal(frame, RationalTime.FromTimecode(tc, rate).Value);
            if (previous is not null) Assert.True(string.CompareOrdinal(previous, tc) < 0, $"{previous} !< {tc}");
            previous = tc;
        }
    }

    /// <summary>Timecode labels in 24 hours: nominal × 86400, less the dropped labels (2 or 4 in 1296 minutes).</summary>
    internal static long LabelsPerDay(double rate)
    {
        var nominal = (long)Math.Ceiling(Timecode.NearestSmpteRate(rate)!.Value);
        var dropped = Timecode.HasDropFrame(rate) ? (nominal / 15) * (1440 - 144) : 0;
        return nominal * 86400 - dropped;
    }

    [Fact]
    public void Drop_frame_skips_two_labels_each_minute_except_every_tenth()
    {
        Assert.Equal("00:00:59;29", new RationalTime(1799, Ntsc).ToTimecode(Ntsc));
        Assert.Equal("00:01:00;02", new RationalTime(1800, Ntsc).ToTimecode(Ntsc));
        Assert.Equal("00:09:59;29", new RationalTime(17981, Ntsc).ToTimecode(Ntsc));
        Assert.Equal("00:10:00;00", new RationalTime(17982, Ntsc).ToTimecode(Ntsc));
        Assert.Equal("00:01:00;04", new RationalTime(3600, Ntsc60).ToTimecode(Ntsc60));
    }

    [Fact]
    public void Timecode_rolls_over_at_24_hours()
    {
        Assert.Equal("00:00:00:01", new RationalTime(24 * 86400 + 1, 24).ToTimecode(24));
    }

    [Fact]
    public void Rates_near_a_smpte_rate_snap_to_it()
    {
        Assert.Equal("00:00:01:00", new RationalTime(24, 23.98).ToTimecode(23.98));
        Assert.Equal(24000.0 / 1001, Timecode.NearestSmpteRate(23.976));
        Assert.Null(Timecode.NearestSmpteRate(23.5));
    }

    [Theory]
    [InlineData("00:00:00:24", 24.0)]   // frame field must stay below the nominal rate
    [InlineData("00:00:00;05", 25.0)]   // drop-frame at a rate that has none
    [InlineData("00:01:00;00", 30000.0 / 1001)] // a label drop-frame skips
    [InlineData("-00:00:01:00", 24.0)]
    [InlineData("01:00:00", 24.0)]
    [InlineData("aa:00:00:00", 24.0)]
    [InlineData("00:60:00:00", 24.0)]
    [InlineData("00:00:01:00", 23.0)]   // not a timecode rate
    public void Bad_timecode_strings_are_errors(string timecode, double rate)
    {
        Assert.Throws<OpentimeException>(() => RationalTime.FromTimecode(timecode, rate));
    }

    [Fact]
    public void Negative_times_and_forced_drop_frame_at_25_have_no_timecode()
    {
        Assert.Throws<OpentimeException>(() => new RationalTime(-1, 24).ToTimecode(24));
        Assert.Throws<OpentimeException>(() => new RationalTime(1, 25).ToTimecode(25, DropFrame.Force));
        Assert.Throws<OpentimeException>(() => new RationalTime(1, 7).ToTimecode(7));
    }

    [Fact]
    public void Addition_converts_to_the_larger_rate()
    {
        var sum = new RationalTime(12, 24) + new RationalTime(1, 48);
        Assert.Equal(48, sum.Rate);
        Assert.Equal(25, sum.Value);
        var diff = new RationalTime(1, 48) - new RationalTime(12, 24);
        Assert.Equal(48, diff.Rate);
        Assert.Equal(-23, diff.Value);
    }

    [Fact]
    public void Equality_is_exact_after_rescaling_and_ordering_compares_seconds()
    {
        Assert.Equal(new RationalTime(1, 24), new RationalTime(2, 48));
        Assert.NotEqual(new RationalTime(1, 24), new RationalTime(2.0000001, 48));
        Assert.Equal(new RationalTime(1, 24).GetHashCode(), new RationalTime(2, 48).GetHashCode());
        Assert.True(new RationalTime(1, 24) < new RationalTime(3, 48));
        Assert.True(new RationalTime(30, 30) >= new RationalTime(24, 24));
        Assert.False(new RationalTime(1, 24).StrictlyEquals(new RationalTime(2, 48)));
    }

    [Fact]
    public void Rescaling_and_frames_follow_opentime()
    {
        Assert.Equal(50, new RationalTime(24, 24).ValueRescaledTo(50));
        Assert.Equal(2, new RationalTime(2.9, 24).ToFrames());
        Assert.Equal(-2, new RationalTime(-2.9, 24).ToFrames());
        Assert.Equal(1.5, new RationalTime(36, 24).ToSeconds());
        Assert.Equal(new RationalTime(36, 24), RationalTime.FromSeconds(1.5, 24));
    }

    [Fact]
    public void Time_ranges_compute_ends_and_relations_with_epsilon()
    {
        var range = TimeRange.FromValues(10, 20, 24);
        Assert.Equal(new RationalTime(30, 24), range.EndTimeExclusive);
        Assert.Equal(new RationalTime(29, 24), range.EndTimeInclusive);
        Assert.Equal(new RationalTime(30, 24), TimeRange.FromValues(10, 20.5, 24).EndTimeInclusive);
        Assert.True(range.Contains(new RationalTime(10, 24)));
        Assert.False(range.Contains(new RationalTime(30, 24)));
        Assert.True(range.Contains(TimeRange.FromValues(10, 20, 24)));
        Assert.True(range.Meets(TimeRange.FromValues(30, 5, 24)));
        Assert.False(range.Intersects(TimeRange.FromValues(30, 5, 24)));
        Assert.True(range.Intersects(TimeRange.FromValues(29, 5, 24)));
        Assert.True(range.AlmostEquals(new TimeRange(new RationalTime(10.0 / 24 * 1000, 1000), new RationalTime(20.0 / 24 * 1000, 1000))));
        Assert.Equal(TimeRange.FromValues(5, 25, 24), range.ExtendedBy(TimeRange.FromValues(5, 2, 24)));
        Assert.Equal(TimeRange.FromValues(10, 5, 24), range.ClampedTo(TimeRange.FromValues(0, 15, 24)));
    }

    [Fact]
    public void Time_transforms_scale_then_offset_then_rescale()
    {
        var transform = new TimeTransform(new RationalTime(10, 24), 2, 48);
        Assert.Equal(new RationalTime(60, 48), transform.AppliedTo(new RationalTime(10, 24)));
        var range = transform.AppliedTo(TimeRange.FromValues(1, 4, 24));
        Assert.Equal(new RationalTime(24, 48), range.StartTime);
        Assert.Equal(new RationalTime(8, 24), range.Duration);
        var identity = new TimeTransform();
        Assert.Equal(new RationalTime(7, 24), identity.AppliedTo(new RationalTime(7, 24)));
        Assert.Equal(24, identity.AppliedTo(new RationalTime(7, 24)).Rate);
        var composed = new TimeTransform(new RationalTime(1, 24), 2).AppliedTo(new TimeTransform(new RationalTime(2, 24), 3, 30));
        Assert.Equal(6, composed.Scale);
        Assert.Equal(new RationalTime(3, 24), composed.Offset);
        Assert.Equal(30, composed.Rate);
    }
}
