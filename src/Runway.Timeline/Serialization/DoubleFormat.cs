using System.Globalization;

namespace Runway.Timeline.Serialization;

/// <summary>
/// Formats doubles as OTIO's writer (RapidJSON) does: Grisu2 digits that read back to the same double, laid out with a
/// fraction for whole numbers (<c>24.0</c>), plain decimals for exponents −6…21, otherwise <c>1.5e-7</c>; and the bare
/// tokens <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>.
/// </summary>
internal static class DoubleFormat
{
    public static string Format(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "Infinity";
        if (double.IsNegativeInfinity(value)) return "-Infinity";
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";

        var sign = value < 0 ? "-" : "";
        var (digits, exponent) = Grisu2.Digits(Math.Abs(value));
        var point = digits.Length + exponent; // decimal point position relative to the first digit

        var n = digits.Length;
        string body;
        if (point >= n && point <= 21) body = digits + new string('0', point - n) + ".0";
        else if (point > 0 && point <= 21) body = digits[..point] + "." + digits[point..];
        else if (point > -6 && point <= 0) body = "0." + new string('0', -point) + digits;
        else if (n == 1) body = digits + "e" + (point - 1).ToString(CultureInfo.InvariantCulture);
        else body = digits[0] + "." + digits[1..] + "e" + (point - 1).ToString(CultureInfo.InvariantCulture);
        return sign + body;
    }
}
