using System.Globalization;
using System.Text;

namespace Runway.Looks;

/// <summary>Which .cube dialect to write.</summary>
public enum CubeDialect
{
    /// <summary>Adobe/Iridas: <c>LUT_3D_SIZE</c> or <c>LUT_1D_SIZE</c>, per-channel <c>DOMAIN_MIN/MAX</c>; one table per file.</summary>
    Adobe,

    /// <summary>DaVinci Resolve: <c>LUT_1D_INPUT_RANGE</c>/<c>LUT_3D_INPUT_RANGE</c>, and a 1D shaper followed by a 3D table in one file.</summary>
    Resolve,
}

/// <summary>A .cube file that cannot be read; <see cref="Line"/> is the 1-based line at fault (0 = the file as a whole).</summary>
public sealed class CubeFormatException(string source, int line, string problem)
    : FormatException(line > 0 ? $"{source}:{line}: {problem}" : $"{source}: {problem}")
{
    /// <summary>1-based line number, or 0 when the problem is not on one line (e.g. missing rows at the end).</summary>
    public int Line { get; } = line;

    /// <summary>The problem without the file and line prefix.</summary>
    public string Problem { get; } = problem;
}

/// <summary>
/// Reads and writes .cube LUTs in both dialects: Adobe/Iridas (TITLE, LUT_1D_SIZE or LUT_3D_SIZE, DOMAIN_MIN/MAX) and
/// Resolve (LUT_1D_INPUT_RANGE/LUT_3D_INPUT_RANGE, 1D shaper + 3D in one file). Comments may appear anywhere.
/// </summary>
public static class CubeFormat
{
    /// <summary>Largest LUT_3D_SIZE accepted (the format's documented maximum).</summary>
    public const int MaxSize3D = 256;

    /// <summary>Largest LUT_1D_SIZE accepted.</summary>
    public const int MaxSize1D = 65536;

    /// <summary>Reads a .cube file.</summary>
    /// <exception cref="CubeFormatException">The file is not a valid .cube; the message names the file and line.</exception>
    public static Look Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return Read(reader, path);
    }

    /// <summary>Reads .cube text; <paramref name="sourceName"/> names it in error messages.</summary>
    /// <exception cref="CubeFormatException">The text is not a valid .cube.</exception>
    public static Look Read(TextReader reader, string sourceName = "<cube>")
    {
        string? title = null;
        var comments = new List<string>();
        int size1D = 0, size3D = 0;
        Rgb? domainMin = null, domainMax = null;
        (float Min, float Max)? range1D = null, range3D = null;
        var values = new List<float>();
        var firstDataLine = 0;
        var lineNo = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);

        CubeFormatException Error(string problem) => new(sourceName, lineNo, problem);

        while (reader.ReadLine() is { } raw)
        {
            lineNo++;
            var line = raw;
            var hash = line.IndexOf('#');
            if (hash >= 0)
            {
                // A '#' inside a quoted TITLE is part of the title.
                var quote = line.IndexOf('"');
                if (!(quote >= 0 && quote < hash && line.IndexOf('"', quote + 1) > hash))
                {
                    if (line.AsSpan(0, hash).Trim().IsEmpty) comments.Add(line[(hash + 1)..].Trim());
                    line = line[..hash];
                }
            }
            line = line.Trim();
            if (line.Length == 0) continue;
            if (lineNo == 1 && line[0] == '\uFEFF') line = line[1..];

            var first = line[0];
            if (char.IsAsciiLetter(first))
            {
                var space = line.IndexOfAny([' ', '\t']);
                var keyword = space < 0 ? line : line[..space];
                var rest = space < 0 ? "" : line[(space + 1)..].Trim();
                if (firstDataLine > 0)
                    throw Error($"keyword {keyword} after the table data began on line {firstDataLine}; keywords must come first");
                if (!seen.Add(keyword)) throw Error($"{keyword} appears twice");
                switch (keyword)
                {
                    case "TITLE":
                        title = rest.Length >= 2 && rest[0] == '"' && rest[^1] == '"' ? rest[1..^1] : rest;
                        break;
                    case "LUT_1D_SIZE":
                        size1D = ParseSize(rest, keyword, 2, MaxSize1D, Error);
                        break;
                    case "LUT_3D_SIZE":
                        size3D = ParseSize(rest, keyword, 2, MaxSize3D, Error);
                        break;
                    case "DOMAIN_MIN":
                        domainMin = ParseTriple(rest, keyword, Error);
                        break;
                    case "DOMAIN_MAX":
                        domainMax = ParseTriple(rest, keyword, Error);
                        break;
                    case "LUT_1D_INPUT_RANGE":
                        range1D = ParsePair(rest, keyword, Error);
                        break;
                    case "LUT_3D_INPUT_RANGE":
                        range3D = ParsePair(rest, keyword, Error);
                        break;
                    default:
                        throw Error($"unknown keyword '{keyword}' (expected TITLE, LUT_1D_SIZE, LUT_3D_SIZE, DOMAIN_MIN, DOMAIN_MAX, LUT_1D_INPUT_RANGE or LUT_3D_INPUT_RANGE)");
                }
                continue;
            }

            if (firstDataLine == 0)
            {
                if (size1D == 0 && size3D == 0) throw Error("table data before LUT_1D_SIZE or LUT_3D_SIZE");
                firstDataLine = lineNo;
            }
            var expected = (size1D + size3D * size3D * size3D) * 3;
            if (values.Count >= expected)
                throw Error($"more rows than the header declares ({Describe(size1D, size3D)} = {expected / 3} rows)");
            var t = ParseTriple(line, "a table row", Error);
            values.Add(t.R);
            values.Add(t.G);
            values.Add(t.B);
        }

        if (size1D == 0 && size3D == 0) throw new CubeFormatException(sourceName, 0, "no LUT_1D_SIZE or LUT_3D_SIZE line");
        var rows = size1D + size3D * size3D * size3D;
        if (values.Count != rows * 3)
            throw new CubeFormatException(sourceName, 0,
                $"{Describe(size1D, size3D)} needs {rows} table rows but the file has {values.Count / 3} (it ends at line {lineNo})");
        if ((domainMin is not null || domainMax is not null) && (range1D is not null || range3D is not null))
            throw new CubeFormatException(sourceName, 0, "mixes DOMAIN_MIN/MAX (Adobe) with LUT_*_INPUT_RANGE (Resolve); use one dialect");
        if (size1D > 0 && size3D > 0 && (domainMin is not null || domainMax is not null))
            throw new CubeFormatException(sourceName, 0,
                "a 1D shaper with a 3D table is Resolve's dialect, whose domains are LUT_1D_INPUT_RANGE and LUT_3D_INPUT_RANGE, not DOMAIN_MIN/MAX");

        // With one table, either range keyword describes it: some writers put LUT_1D_INPUT_RANGE on a 3D-only file
        // and Resolve reads such files that way.
        var only = size1D > 0 && size3D > 0 ? null : range1D ?? range3D;
        (Rgb Min, Rgb Max) Domain((float Min, float Max)? range)
        {
            if (range is { } r) return (Rgb.All(r.Min), Rgb.All(r.Max));
            return (domainMin ?? Rgb.All(0), domainMax ?? Rgb.All(1));
        }

        try
        {
            var table = values.ToArray();
            Lut1D? shaper = null;
            Lut3D? cube = null;
            if (size1D > 0)
            {
                var (min, max) = Domain(only ?? range1D);
                shaper = new Lut1D(size1D, table[..(size1D * 3)], min, max);
            }
            if (size3D > 0)
            {
                var (min, max) = Domain(only ?? range3D);
                cube = new Lut3D(size3D, table[(size1D * 3)..], min, max);
            }
            return new Look(shaper, cube, title, comments);
        }
        catch (ArgumentException e)
        {
            throw new CubeFormatException(sourceName, 0, e.Message);
        }
    }

    /// <summary>Writes a look as a .cube file in the given dialect (written to a temporary name, then renamed).</summary>
    public static void Write(string path, Look look, CubeDialect dialect)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.partial");
        using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            Write(writer, look, dialect);
        }
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>
    /// Writes a look as .cube text. Resolve: TITLE first (some Resolve versions dislike it after comments), comments,
    /// sizes with input ranges only when not 0..1. Adobe: one table per file, so a shaper + 3D look is baked into one
    /// 3D table over the shaper's domain (noted in a comment); DOMAIN lines only when not 0..1.
    /// </summary>
    /// <exception cref="NotSupportedException">The look's per-channel domains cannot be expressed in Resolve's dialect.</exception>
    public static void Write(TextWriter w, Look look, CubeDialect dialect)
    {
        w.NewLine = "\n";
        var comments = look.Comments.ToList();
        var shaper = look.Shaper;
        var cube = look.Cube;
        if (dialect == CubeDialect.Adobe && shaper is not null && cube is not null)
        {
            cube = look.Bake(cube.Size, shaper.DomainMin, shaper.DomainMax);
            shaper = null;
            comments.Add($"1D shaper baked into the {cube.Size}^3 table (Adobe .cube holds one table)");
        }
        if (look.Title is { Length: > 0 } title) w.WriteLine($"TITLE \"{title.Replace('"', '\'')}\"");
        foreach (var c in comments) w.WriteLine(c.Length == 0 ? "#" : $"# {c}");
        if (dialect == CubeDialect.Resolve)
        {
            if (shaper is not null)
            {
                if (!shaper.HasUniformDomain)
                    throw new NotSupportedException("the 1D table has different domains per channel, which Resolve's LUT_1D_INPUT_RANGE cannot express; write the Adobe dialect");
                w.WriteLine(Inv($"LUT_1D_SIZE {shaper.Size}"));
                if (!shaper.HasDefaultDomain) w.WriteLine($"LUT_1D_INPUT_RANGE {F(shaper.DomainMin.R)} {F(shaper.DomainMax.R)}");
            }
            if (cube is not null)
            {
                if (!cube.HasUniformDomain)
                    throw new NotSupportedException("the 3D table has different domains per channel, which Resolve's LUT_3D_INPUT_RANGE cannot express; write the Adobe dialect");
                w.WriteLine(Inv($"LUT_3D_SIZE {cube.Size}"));
                if (!cube.HasDefaultDomain) w.WriteLine($"LUT_3D_INPUT_RANGE {F(cube.DomainMin.R)} {F(cube.DomainMax.R)}");
            }
        }
        else
        {
            var (size, keyword, min, max, isDefault) = cube is not null
                ? (cube.Size, "LUT_3D_SIZE", cube.DomainMin, cube.DomainMax, cube.HasDefaultDomain)
                : (shaper!.Size, "LUT_1D_SIZE", shaper.DomainMin, shaper.DomainMax, shaper.HasDefaultDomain);
            w.WriteLine(Inv($"{keyword} {size}"));
            if (!isDefault)
            {
                w.WriteLine($"DOMAIN_MIN {F(min.R)} {F(min.G)} {F(min.B)}");
                w.WriteLine($"DOMAIN_MAX {F(max.R)} {F(max.G)} {F(max.B)}");
            }
        }
        var line = new StringBuilder(48);
        void Rows(float[] t)
        {
            for (var i = 0; i < t.Length; i += 3)
            {
                line.Clear().Append(F(t[i])).Append(' ').Append(F(t[i + 1])).Append(' ').Append(F(t[i + 2]));
                w.WriteLine(line);
            }
        }
        if (shaper is not null) Rows(shaper.Table);
        if (cube is not null) Rows(cube.Table);
    }

    // Fixed notation with 6 decimals: what Resolve writes, parsed by every reader (some reject exponents).
    private static string F(float v) => v.ToString("0.000000", CultureInfo.InvariantCulture);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Describe(int size1D, int size3D) => (size1D, size3D) switch
    {
        ( > 0, > 0) => $"LUT_1D_SIZE {size1D} + LUT_3D_SIZE {size3D}",
        ( > 0, _) => $"LUT_1D_SIZE {size1D}",
        _ => $"LUT_3D_SIZE {size3D}",
    };

    private static int ParseSize(string text, string keyword, int min, int max, Func<string, CubeFormatException> error)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            throw error($"{keyword} wants a whole number, got '{text}'");
        if (n < min || n > max) throw error($"{keyword} {n} is outside {min}..{max}");
        return n;
    }

    private static Rgb ParseTriple(string text, string what, Func<string, CubeFormatException> error)
    {
        Span<Range> parts = stackalloc Range[4];
        var span = text.AsSpan();
        var count = span.SplitAny(parts, " \t", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (count != 3) throw error($"{what} wants three numbers, got '{text}'");
        Span<float> v = stackalloc float[3];
        for (var i = 0; i < 3; i++)
        {
            if (!float.TryParse(span[parts[i]], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) || !float.IsFinite(v[i]))
                throw error($"{what}: '{span[parts[i]].ToString()}' is not a finite number");
        }
        return new Rgb(v[0], v[1], v[2]);
    }

    private static (float Min, float Max) ParsePair(string text, string keyword, Func<string, CubeFormatException> error)
    {
        var parts = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2) throw error($"{keyword} wants two numbers (min max), got '{text}'");
        if (!float.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var min) ||
            !float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var max) || !float.IsFinite(min) || !float.IsFinite(max))
            throw error($"{keyword}: '{text}' is not two finite numbers");
        if (!(max > min)) throw error($"{keyword} max {max} must exceed min {min}");
        return (min, max);
    }
}
