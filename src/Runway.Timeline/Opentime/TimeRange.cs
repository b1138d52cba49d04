using System.Globalization;

namespace Runway.Timeline.Opentime;

/// <summary>
/// A span of time: <see cref="StartTime"/> and <see cref="Duration"/> (OTIO <c>TimeRange.1</c>). Record equality is
/// exact (after rescaling, as for <see cref="RationalTime"/>); the relational predicates take OTIO's tolerance
/// <see cref="DefaultEpsilonSeconds"/>.
/// </summary>
public readonly record struct TimeRange(RationalTime StartTime, RationalTime Duration)
{
    /// <summary>OTIO's tolerance for range comparisons: half a sample at 192 kHz, in seconds.</summary>
    public const double DefaultEpsilonSeconds = 1.0 / (2 * 192000.0);

    /// <summary>A zero-length range at <paramref name="start"/> with the same rate.</summary>
    public TimeRange(RationalTime start) : this(start, new RationalTime(0, start.Rate)) { }

    /// <summary>A range from start/duration values at one rate.</summary>
    public static TimeRange FromValues(double start, double duration, double rate) =>
        new(new RationalTime(start, rate), new RationalTime(duration, rate));

    /// <summary>The range from <paramref name="start"/> up to (not including) <paramref name="endExclusive"/>.</summary>
    public static TimeRange FromStartEndExclusive(RationalTime start, RationalTime endExclusive) =>
        new(start, endExclusive - start);

    /// <summary>The first time after the range: start + duration.</summary>
    public RationalTime EndTimeExclusive => StartTime + Duration;

    /// <summary>
    /// The last frame inside the range at the duration's rate (OTIO <c>end_time_inclusive</c>): one frame before the
    /// exclusive end, or the floor of a fractional end; the start for ranges of one frame or less.
    /// </summary>
    public RationalTime EndTimeInclusive
    {
        get
        {
            var end = EndTimeExclusive;
            if ((end - StartTime.RescaledTo(Duration)).Value > 1)
            {
                return Duration.Value != Math.Floor(Duration.Value)
                    ? new RationalTime(Math.Floor(end.Value), end.Rate)
                    : end - new RationalTime(1, Duration.Rate);
            }
            return StartTime;
        }
    }

    /// <summary>The smallest range containing both.</summary>
    public TimeRange ExtendedBy(TimeRange other)
    {
        var start = RationalTime.Min(StartTime, other.StartTime);
        var end = RationalTime.Max(EndTimeExclusive, other.EndTimeExclusive);
        return FromStartEndExclusive(start, end);
    }

    /// <summary>This range limited to <paramref name="other"/> (start raised, end lowered).</summary>
    public TimeRange ClampedTo(TimeRange other)
    {
        var start = RationalTime.Max(StartTime, other.StartTime);
        var end = RationalTime.Min(EndTimeExclusive, other.EndTimeExclusive);
        return FromStartEndExclusive(start, end);
    }

    /// <summary>A time clamped into the range [start, end_exclusive].</summary>
    public RationalTime Clamped(RationalTime time) =>
        RationalTime.Min(RationalTime.Max(time, StartTime), EndTimeExclusive);

    /// <summary>True when <paramref name="time"/> lies in [start, end_exclusive).</summary>
    public bool Contains(RationalTime time) => StartTime <= time && time < EndTimeExclusive;

    /// <summary>True when <paramref name="other"/> lies inside this range, within ε.</summary>
    public bool Contains(TimeRange other, double epsilon = DefaultEpsilonSeconds) =>
        Seconds(StartTime) - epsilon <= Seconds(other.StartTime) &&
        Seconds(other.EndTimeExclusive) <= Seconds(EndTimeExclusive) + epsilon;

    /// <summary>True when the ranges share more than ε of time.</summary>
    public bool Intersects(TimeRange other, double epsilon = DefaultEpsilonSeconds) =>
        Seconds(StartTime) < Seconds(other.EndTimeExclusive) - epsilon &&
        Seconds(other.StartTime) < Seconds(EndTimeExclusive) - epsilon;

    /// <summary>True when this range ends (within ε) before <paramref name="other"/> starts.</summary>
    public bool Before(TimeRange other, double epsilon = DefaultEpsilonSeconds) =>
        Seconds(EndTimeExclusive) < Seconds(other.StartTime) + epsilon;

    /// <summary>True when this range ends exactly (within ε) where <paramref name="other"/> starts.</summary>
    public bool Meets(TimeRange other, double epsilon = DefaultEpsilonSeconds) =>
        Math.Abs(Seconds(other.StartTime) - Seconds(EndTimeExclusive)) <= epsilon && other.Duration.Value > 0 && Duration.Value > 0;

    /// <summary>True when start and duration agree within ε seconds.</summary>
    public bool AlmostEquals(TimeRange other, double epsilon = DefaultEpsilonSeconds) =>
        Math.Abs(Seconds(StartTime) - Seconds(other.StartTime)) <= epsilon &&
        Math.Abs(Seconds(Duration) - Seconds(other.Duration)) <= epsilon;

    private static double Seconds(RationalTime t) => t.ToSeconds();

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"TimeRange({StartTime}, {Duration})");
}
