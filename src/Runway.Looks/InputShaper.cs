using System.Globalization;

namespace Runway.Looks;

/// <summary>Kinds of parametric input shaper.</summary>
public enum ShaperKind
{
    /// <summary>Linear: input <c>Min..Max</c> maps to the lattice's 0..1.</summary>
    Linear,

    /// <summary>Log2: <c>Min..Max</c> stops around <see cref="InputShaper.Middle"/> map to the lattice's 0..1.</summary>
    Log2,
}

/// <summary>
/// A parametric shaper placed before a look's 3D lattice so that scene-linear HDR or log input spreads over the
/// lattice instead of being clamped at 1: linear (a value range) or log2 (stops around mid grey). Its output is the
/// lattice coordinate in 0..1 (values outside the range clamp to the end nodes). In a .cube it travels as a sampled
/// LUT_1D table (what Resolve applies) plus a comment line (<see cref="CommentTag"/>) from which runway rebuilds the
/// exact function, so dark log values are not limited by the table's linear interpolation.
/// </summary>
/// <param name="Kind">Linear or log2.</param>
/// <param name="Min">Linear: input at node 0. Log2: stops below <see cref="Middle"/> at node 0 (e.g. −8).</param>
/// <param name="Max">Linear: input at the last node. Log2: stops above <see cref="Middle"/> at the last node (e.g. +8).</param>
/// <param name="Middle">Log2 only: the value at 0 stops (scene-linear mid grey 0.18).</param>
public sealed record InputShaper(ShaperKind Kind, double Min, double Max, double Middle = 0.18)
{
    /// <summary>Comment prefix that carries the parametric shaper in a .cube file.</summary>
    public const string CommentTag = "runway-shaper:";

    /// <summary>Rows of the sampled 1D table written to .cube files for other tools.</summary>
    public const int TableSize = 4096;

    /// <summary>Scene-linear HDR default: −8..+8 stops around 0.18 (0.0007 .. 46).</summary>
    public static InputShaper DefaultLog2 { get; } = new(ShaperKind.Log2, -8, 8);

    /// <summary>Smallest linear input the log2 shaper distinguishes (its node 0).</summary>
    public double LinearMin => Kind == ShaperKind.Linear ? Min : Middle * Math.Pow(2, Min);

    /// <summary>Largest linear input the shaper distinguishes (its last node).</summary>
    public double LinearMax => Kind == ShaperKind.Linear ? Max : Middle * Math.Pow(2, Max);

    /// <summary>Checks the parameters; throws <see cref="ArgumentException"/> with a readable reason.</summary>
    public InputShaper Validated()
    {
        if (!double.IsFinite(Min) || !double.IsFinite(Max) || !(Max > Min))
            throw new ArgumentException($"shaper {Describe()}: max must exceed min");
        if (Kind == ShaperKind.Log2 && (!(Middle > 0) || !double.IsFinite(Middle)))
            throw new ArgumentException($"shaper {Describe()}: the log2 middle value must be positive");
        return this;
    }

    /// <summary>Maps an input value to its lattice coordinate (0..1 inside the range; not clamped here).</summary>
    public float Forward(float value)
    {
        if (Kind == ShaperKind.Linear) return (float)((value - Min) / (Max - Min));
        // Zero and negatives (and NaN) sit below every stop: the first node.
        if (!(value > 0)) return 0;
        return (float)((Math.Log2(value / Middle) - Min) / (Max - Min));
    }

    /// <summary>The shaper sampled as a 1D table over its linear input range (for .cube files).</summary>
    public Lut1D ToTable(int size = TableSize)
    {
        var lo = (float)LinearMin;
        var hi = (float)LinearMax;
        var t = new float[size * 3];
        for (var i = 0; i < size; i++)
        {
            var v = Forward(lo + (hi - lo) * i / (size - 1));
            t[i * 3] = t[i * 3 + 1] = t[i * 3 + 2] = Math.Clamp(v, 0, 1);
        }
        return new Lut1D(size, t, Rgb.All(lo), Rgb.All(hi));
    }

    /// <summary>Text form, as taken by <see cref="Parse"/>: <c>linear:MIN:MAX</c> or <c>log2:MIN:MAX[:MIDDLE]</c>.</summary>
    public string Describe() => Kind == ShaperKind.Linear
        ? string.Create(CultureInfo.InvariantCulture, $"linear:{Min}:{Max}")
        : string.Create(CultureInfo.InvariantCulture, $"log2:{Min}:{Max}:{Middle}");

    /// <summary>
    /// Parses <c>none</c> (null), <c>linear:MIN:MAX</c>, <c>log2</c> (−8..+8 stops around 0.18) or
    /// <c>log2:MIN:MAX[:MIDDLE]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Not one of those forms.</exception>
    public static InputShaper? Parse(string text)
    {
        var parts = text.Trim().Split(':', StringSplitOptions.TrimEntries);
        var kind = parts[0].ToLowerInvariant();
        if (kind is "none" or "") return null;
        if (kind == "log2" && parts.Length == 1) return DefaultLog2;
        var numbers = new double[parts.Length - 1];
        for (var i = 1; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i - 1]))
                throw new ArgumentException($"shaper '{text}': '{parts[i]}' is not a number");
        }
        return (kind, numbers.Length) switch
        {
            ("linear", 2) => new InputShaper(ShaperKind.Linear, numbers[0], numbers[1]).Validated(),
            ("log2", 2) => new InputShaper(ShaperKind.Log2, numbers[0], numbers[1]).Validated(),
            ("log2", 3) => new InputShaper(ShaperKind.Log2, numbers[0], numbers[1], numbers[2]).Validated(),
            _ => throw new ArgumentException($"shaper '{text}': use none, linear:MIN:MAX, log2 or log2:MIN_STOPS:MAX_STOPS[:MIDDLE]"),
        };
    }

    /// <summary>The comment line that stores this shaper in a .cube file.</summary>
    public string ToComment() => $"{CommentTag} {Describe()}";

    /// <summary>The shaper a look's comments carry, if any (a malformed tag is ignored: the sampled table still applies).</summary>
    public static InputShaper? FromComments(IEnumerable<string> comments)
    {
        foreach (var c in comments)
        {
            if (!c.StartsWith(CommentTag, StringComparison.Ordinal)) continue;
            try
            {
                return Parse(c[CommentTag.Length..]);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }
        return null;
    }
}
