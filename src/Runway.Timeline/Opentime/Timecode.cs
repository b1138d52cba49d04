using System.Globalization;

namespace Runway.Timeline.Opentime;

/// <summary>Whether timecode counts drop-frame.</summary>
public enum DropFrame
{
    /// <summary>Drop-frame at 29.97 and 59.94, non-drop at every other rate.</summary>
    Auto,
    /// <summary>Always drop-frame; an error at rates without a drop-frame count.</summary>
    Force,
    /// <summary>Never drop-frame (counts 30 or 60 labels a second at 29.97/59.94).</summary>
    Never,
}

/// <summary>
/// SMPTE timecode (<c>HH:MM:SS:FF</c>, <c>;</c> before the frames for drop-frame) at the SMPTE rates, as OTIO's
/// opentime does: rates snap to the nearest SMPTE rate within 0.1; 29.97 and 59.94 drop 2 or 4 frame labels each
/// minute except every tenth; negative times and frame fields ≥ the nominal rate are errors; hours roll over at 24.
/// </summary>
public static class Timecode
{
    /// <summary>The SMPTE rates timecode is defined at.</summary>
    public static IReadOnlyList<double> SmpteRates { get; } =
        [24000.0 / 1001, 24, 25, 30000.0 / 1001, 30, 48000.0 / 1001, 48, 50, 60000.0 / 1001, 60];

    private const double SnapTolerance = 0.1;

    /// <summary>The SMPTE rate nearest to <paramref name="rate"/> when within 0.1, else null.</summary>
    public static double? NearestSmpteRate(double rate)
    {
        double? best = null;
        foreach (var candidate in SmpteRates)
        {
            var distance = Math.Abs(candidate - rate);
            if (distance <= SnapTolerance && (best is null || distance < Math.Abs(best.Value - rate))) best = candidate;
        }
        return best;
    }

    /// <summary>True for exactly one of the SMPTE rates.</summary>
    public static bool IsSmpteRate(double rate) => SmpteRates.Contains(rate);

    /// <summary>True for the rates that have a drop-frame count: 30000/1001 and 60000/1001 (after snapping).</summary>
    public static bool HasDropFrame(double rate) =>
        NearestSmpteRate(rate) is { } r && (r == 30000.0 / 1001 || r == 60000.0 / 1001);

    /// <summary>Formats <paramref name="time"/> as timecode counted at <paramref name="rate"/>.</summary>
    /// <exception cref="OpentimeException">Rate not near a SMPTE rate, negative time, or drop-frame forced at a
    /// rate without one.</exception>
    public static string Format(RationalTime time, double rate, DropFrame dropFrame = DropFrame.Auto)
    {
        var smpte = NearestSmpteRate(rate)
            ?? throw new OpentimeException($"{rate.ToString(CultureInfo.InvariantCulture)} is not a timecode rate (SMPTE rates: 23.976, 24, 25, 29.97, 30, 47.952, 48, 50, 59.94, 60)");
        var dfRate = HasDropFrame(smpte);
        var useDrop = dropFrame switch
        {
            DropFrame.Force when !dfRate => throw new OpentimeException($"no drop-frame timecode at rate {rate.ToString(CultureInfo.InvariantCulture)}"),
            DropFrame.Force => true,
            DropFrame.Never => false,
            _ => dfRate,
        };

        // A whisker of tolerance so 1083.9999999 (rescaling noise) is frame 1084, not 1083.
        var value = time.ValueRescaledTo(rate);
        if (double.IsNaN(value) || double.IsInfinity(value))
            throw new OpentimeException($"cannot express {time} as timecode");
        if (value < -1e-6) throw new OpentimeException($"negative time {time} has no timecode");
        var frame = (long)Math.Floor(value + 1e-6);

        var nominal = (long)Math.Ceiling(smpte);
        if (useDrop)
        {
            var drop = DropCount(smpte);
            var perTenMinutes = (long)Math.Round(smpte * 600);
            var perMinute = nominal * 60 - drop;
            var tens = frame / perTenMinutes;
            var rest = frame % perTenMinutes;
            // Add back the labels skipped so far so the label arithmetic below can count plain 30s or 60s.
            frame += drop * 9 * tens + (rest > drop ? drop * ((rest - drop) / perMinute) : 0);
        }

        var frames = frame % nominal;
        var totalSeconds = frame / nominal;
        var seconds = totalSeconds % 60;
        var minutes = totalSeconds / 60 % 60;
        var hours = totalSeconds / 3600 % 24;
        var sep = useDrop ? ';' : ':';
        return string.Create(CultureInfo.InvariantCulture, $"{hours:00}:{minutes:00}:{seconds:00}{sep}{frames:00}");
    }

    /// <summary>
    /// Parses <c>HH:MM:SS:FF</c> (or <c>HH:MM:SS;FF</c> for drop-frame) counted at <paramref name="rate"/> into a
    /// frame count at that rate.
    /// </summary>
    /// <exception cref="OpentimeException">Malformed string, field out of range, a dropped label, drop-frame at a
    /// rate without one, or a rate that is not a SMPTE rate.</exception>
    public static RationalTime Parse(string timecode, double rate)
    {
        ArgumentNullException.ThrowIfNull(timecode);
        var smpte = NearestSmpteRate(rate)
            ?? throw new OpentimeException($"{rate.ToString(CultureInfo.InvariantCulture)} is not a timecode rate");
        var text = timecode.Trim();
        if (text.StartsWith('-')) throw new OpentimeException($"negative timecode '{timecode}'");
        var fields = text.Split(':', ';', '.', ',');
        if (fields.Length != 4 || fields.Any(f => f.Length is 0 or > 3 || !f.All(char.IsAsciiDigit)))
            throw new OpentimeException($"'{timecode}' is not timecode (HH:MM:SS:FF or HH:MM:SS;FF)");
        var hours = long.Parse(fields[0], CultureInfo.InvariantCulture);
        var minutes = long.Parse(fields[1], CultureInfo.InvariantCulture);
        var seconds = long.Parse(fields[2], CultureInfo.InvariantCulture);
        var frames = long.Parse(fields[3], CultureInfo.InvariantCulture);
        var isDrop = text.Contains(';');
        var nominal = (long)Math.Ceiling(smpte);

        if (isDrop && !HasDropFrame(smpte))
            throw new OpentimeException($"'{timecode}' is drop-frame but rate {rate.ToString(CultureInfo.InvariantCulture)} has no drop-frame count");
        if (hours >= 24 || minutes >= 60 || seconds >= 60)
            throw new OpentimeException($"'{timecode}': hours must be < 24, minutes and seconds < 60");
        if (frames >= nominal)
            throw new OpentimeException($"'{timecode}': frame field {frames} must be below {nominal} at this rate");

        var totalMinutes = hours * 60 + minutes;
        var count = (totalMinutes * 60 + seconds) * nominal + frames;
        if (isDrop)
        {
            var drop = DropCount(smpte);
            if (seconds == 0 && minutes % 10 != 0 && frames < drop)
                throw new OpentimeException($"'{timecode}' names a frame label that drop-frame timecode skips");
            count -= drop * (totalMinutes - totalMinutes / 10);
        }
        return new RationalTime(count, rate);
    }

    // 2 labels a minute at 29.97, 4 at 59.94.
    private static long DropCount(double smpte) => (long)Math.Round(smpte * 0.066666);
}
