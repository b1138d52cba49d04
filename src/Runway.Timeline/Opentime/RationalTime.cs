using System.Globalization;

namespace Runway.Timeline.Opentime;

/// <summary>
/// A point or length in time as <c>value</c> units of <c>1/rate</c> seconds (OTIO <c>RationalTime.1</c>). Both are
/// doubles, like OTIO, so 24000/1001 rates and fractional frames survive round trips unchanged.
/// </summary>
/// <remarks>
/// Arithmetic converts to the larger of the two rates, equality is exact after rescaling to the larger rate, ordering
/// compares seconds (value/rate). The hash is the value in seconds, which is identical for times that are the same
/// exact rational number.
/// </remarks>
public readonly struct RationalTime : IEquatable<RationalTime>, IComparable<RationalTime>
{
    /// <summary>Creates a time of <paramref name="value"/> units at <paramref name="rate"/> units per second.</summary>
    public RationalTime(double value, double rate)
    {
        Value = value;
        Rate = rate;
    }

    /// <summary>Number of units.</summary>
    public double Value { get; }

    /// <summary>Units per second.</summary>
    public double Rate { get; }

    /// <summary>The default OTIO time: 0 at rate 1.</summary>
    public static RationalTime Zero => new(0, 1);

    /// <summary>True when the rate is not positive or either field is NaN, which OTIO calls an invalid time.</summary>
    public bool IsInvalid => double.IsNaN(Value) || double.IsNaN(Rate) || Rate <= 0;

    /// <summary>The value expressed at another rate: <c>value × newRate / rate</c>.</summary>
    public double ValueRescaledTo(double newRate) => newRate == Rate ? Value : Value * newRate / Rate;

    /// <summary>The same instant at another rate.</summary>
    public RationalTime RescaledTo(double newRate) => new(ValueRescaledTo(newRate), newRate);

    /// <summary>The same instant at the rate of <paramref name="other"/>.</summary>
    public RationalTime RescaledTo(RationalTime other) => RescaledTo(other.Rate);

    /// <summary>Seconds since zero.</summary>
    public double ToSeconds() => Value / Rate;

    /// <summary>Whole frames at this time's rate, truncated toward zero (OTIO <c>to_frames</c>).</summary>
    public long ToFrames() => (long)Value;

    /// <summary>Whole frames at <paramref name="rate"/>, truncated toward zero.</summary>
    public long ToFrames(double rate) => (long)ValueRescaledTo(rate);

    /// <summary>A time of <paramref name="seconds"/> expressed at <paramref name="rate"/>.</summary>
    public static RationalTime FromSeconds(double seconds, double rate) => new(seconds * rate, rate);

    /// <summary>A time of <paramref name="seconds"/> at rate 1.</summary>
    public static RationalTime FromSeconds(double seconds) => new(seconds, 1);

    /// <summary>A time of whole <paramref name="frame"/>s at <paramref name="rate"/> (the fraction is dropped).</summary>
    public static RationalTime FromFrames(double frame, double rate) => new(Math.Truncate(frame), rate);

    /// <summary>True when both differ by at most <paramref name="delta"/> units at the larger rate.</summary>
    public bool AlmostEqual(RationalTime other, double delta = 0)
    {
        var rate = Math.Max(Rate, other.Rate);
        return Math.Abs(ValueRescaledTo(rate) - other.ValueRescaledTo(rate)) <= delta;
    }

    /// <summary>True when value and rate are both identical (no rescaling).</summary>
    public bool StrictlyEquals(RationalTime other) => Value.Equals(other.Value) && Rate.Equals(other.Rate);

    /// <summary>Sum at the larger of the two rates.</summary>
    public static RationalTime operator +(RationalTime a, RationalTime b) => a.Rate < b.Rate
        ? new RationalTime(a.ValueRescaledTo(b.Rate) + b.Value, b.Rate)
        : new RationalTime(a.Value + b.ValueRescaledTo(a.Rate), a.Rate);

    /// <summary>Difference at the larger of the two rates.</summary>
    public static RationalTime operator -(RationalTime a, RationalTime b) => a.Rate < b.Rate
        ? new RationalTime(a.ValueRescaledTo(b.Rate) - b.Value, b.Rate)
        : new RationalTime(a.Value - b.ValueRescaledTo(a.Rate), a.Rate);

    /// <summary>Negation (same rate).</summary>
    public static RationalTime operator -(RationalTime a) => new(-a.Value, a.Rate);

    /// <inheritdoc />
    public bool Equals(RationalTime other) => Rate < other.Rate
        ? ValueRescaledTo(other.Rate) == other.Value
        : Value == other.ValueRescaledTo(Rate);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RationalTime other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => ToSeconds().GetHashCode();

    /// <inheritdoc />
    public int CompareTo(RationalTime other) => ToSeconds().CompareTo(other.ToSeconds());

    /// <summary>Exact equality after rescaling to the larger rate.</summary>
    public static bool operator ==(RationalTime a, RationalTime b) => a.Equals(b);

    /// <summary>Inequality after rescaling to the larger rate.</summary>
    public static bool operator !=(RationalTime a, RationalTime b) => !a.Equals(b);

    /// <summary>Earlier in seconds.</summary>
    public static bool operator <(RationalTime a, RationalTime b) => a.ToSeconds() < b.ToSeconds();

    /// <summary>Later in seconds.</summary>
    public static bool operator >(RationalTime a, RationalTime b) => a.ToSeconds() > b.ToSeconds();

    /// <summary>Not later in seconds.</summary>
    public static bool operator <=(RationalTime a, RationalTime b) => a.ToSeconds() <= b.ToSeconds();

    /// <summary>Not earlier in seconds.</summary>
    public static bool operator >=(RationalTime a, RationalTime b) => a.ToSeconds() >= b.ToSeconds();

    /// <summary>The earlier of two times.</summary>
    public static RationalTime Min(RationalTime a, RationalTime b) => b < a ? b : a;

    /// <summary>The later of two times.</summary>
    public static RationalTime Max(RationalTime a, RationalTime b) => b > a ? b : a;

    /// <summary>SMPTE timecode of this time at <paramref name="rate"/>; see <see cref="Timecode.Format"/>.</summary>
    public string ToTimecode(double rate, DropFrame dropFrame = DropFrame.Auto) => Timecode.Format(this, rate, dropFrame);

    /// <summary>SMPTE timecode at this time's own rate.</summary>
    public string ToTimecode() => Timecode.Format(this, Rate, DropFrame.Auto);

    /// <summary>Parses SMPTE timecode at <paramref name="rate"/>; see <see cref="Timecode.Parse"/>.</summary>
    public static RationalTime FromTimecode(string timecode, double rate) => Timecode.Parse(timecode, rate);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"RationalTime({Value}, {Rate})");
}
