namespace Runway.Timeline.Opentime;

/// <summary>
/// Maps time by scale then offset, optionally rescaling the result (OTIO <c>TimeTransform.1</c>; a rate ≤ 0 keeps the
/// input's rate).
/// </summary>
public readonly record struct TimeTransform(RationalTime Offset, double Scale = 1.0, double Rate = -1.0)
{
    /// <summary>The identity transform: offset 0/1, scale 1, rate −1.</summary>
    public TimeTransform() : this(RationalTime.Zero, 1.0, -1.0) { }

    /// <summary>Scales the value (same rate), adds the offset, then rescales when a positive rate is set.</summary>
    public RationalTime AppliedTo(RationalTime time)
    {
        var result = new RationalTime(time.Value * Scale, time.Rate) + Offset;
        return Rate > 0 ? result.RescaledTo(Rate) : result;
    }

    /// <summary>Maps the start like a time and scales the duration.</summary>
    public TimeRange AppliedTo(TimeRange range) =>
        new(AppliedTo(range.StartTime), new RationalTime(range.Duration.Value * Scale, range.Duration.Rate));

    /// <summary>Composition: offsets add, scales multiply, this rate wins when set.</summary>
    public TimeTransform AppliedTo(TimeTransform other) =>
        new(Offset + other.Offset, Scale * other.Scale, Rate > 0 ? Rate : other.Rate);
}
