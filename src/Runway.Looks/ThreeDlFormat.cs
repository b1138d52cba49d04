using System.Globalization;
using System.Text;

namespace Runway.Looks;

/// <summary>
/// Reads and writes .3dl 3D LUTs (Autodesk Lustre/Flame and Nuke style):
/// <list type="bullet">
/// <item>an optional <c>3DMESH</c> line and <c>Mesh &lt;inBits&gt; &lt;outBits&gt;</c> line (Lustre): the lattice has
/// 2^inBits + 1 nodes per axis and outputs are integer code values of outBits bits;</item>
/// <item>an optional "shaper" line of N integer input code values (Nuke): the node positions, evenly spaced over the
/// input code range; without a Mesh line it gives the lattice size;</item>
/// <item>then N³ rows of three integer code values, <b>blue fastest</b>, red slowest (the opposite of .cube);</item>
/// <item>'#' comments anywhere; Lustre's trailing <c>LUT8</c> / <c>gamma</c> lines are accepted and ignored.</item>
/// </list>
/// Without a Mesh line the output bit depth is inferred from the largest code value (the smallest of 10, 12, 14 or
/// 16 bits that holds it), as other readers do. .3dl is integer and 0..1 only: values outside are clamped on write,
/// and a look's 1D shaper is baked into the 3D table.
/// </summary>
public static class ThreeDlFormat
{
    /// <summary>Output bit depth written by default (what Nuke and Lustre write).</summary>
    public const int DefaultOutputBits = 12;

    /// <summary>Reads a .3dl file.</summary>
    /// <exception cref="CubeFormatException">The file is not a valid .3dl; the message names the file and line.</exception>
    public static Look Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return Read(reader, path);
    }

    /// <summary>Reads .3dl text; <paramref name="sourceName"/> names it in error messages.</summary>
    /// <exception cref="CubeFormatException">The text is not a valid .3dl.</exception>
    public static Look Read(TextReader reader, string sourceName = "<3dl>")
    {
        var comments = new List<string>();
        int? meshSize = null, outBits = null;
        int[]? shaperLine = null;
        var rows = new List<int>();
        var lineNo = 0;
        var firstRowLine = 0;
        var values = new List<long>(4);
        CubeFormatException Error(string problem) => new(sourceName, lineNo, problem);

        while (reader.ReadLine() is { } raw)
        {
            lineNo++;
            var line = raw;
            var hash = line.IndexOf('#');
            if (hash >= 0)
            {
                if (line.AsSpan(0, hash).Trim().IsEmpty) comments.Add(line[(hash + 1)..].Trim());
                line = line[..hash];
            }
            line = line.Trim();
            if (lineNo == 1 && line.Length > 0 && line[0] == '\uFEFF') line = line[1..].Trim();
            if (line.Length == 0) continue;
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            // Keywords are words ("3DMESH" starts with a digit but is no number).
            if (!parts[0].All(c => char.IsAsciiDigit(c) || c is '-' or '+'))
            {
                switch (parts[0].ToUpperInvariant())
                {
                    case "3DMESH":
                        break;
                    case "MESH":
                        if (parts.Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var inB) ||
                            !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var outB) || inB is < 1 or > 8 || outB is < 1 or > 31)
                            throw Error($"Mesh wants two bit depths (input 1..8, output 1..31), got '{line}'");
                        meshSize = (1 << inB) + 1;
                        outBits = outB;
                        break;
                    case "LUT8":
                    case "LUT10":
                    case "LUT12":
                    case "LUT16":
                    case "GAMMA":
                        // Lustre's trailing display hints; they do not change the table.
                        break;
                    default:
                        throw Error($"unknown keyword '{parts[0]}' (expected 3DMESH, Mesh, LUT8 or gamma)");
                }
                continue;
            }
            values.Clear();
            foreach (var p in parts)
            {
                if (!long.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) || v < 0 || v > int.MaxValue)
                    throw Error($"'{p}' is not a non-negative integer code value (.3dl tables are integers)");
                values.Add(v);
            }
            if (values.Count == 3)
            {
                // A 3-value first line is a row, unless it is a Nuke shaper for a 3-node lattice (never seen; such a
                // line would be indistinguishable from a row, so rows win).
                if (firstRowLine == 0) firstRowLine = lineNo;
                rows.Add((int)values[0]);
                rows.Add((int)values[1]);
                rows.Add((int)values[2]);
            }
            else if (shaperLine is null && firstRowLine == 0)
            {
                if (values.Count < 2) throw Error($"a single number '{line}' is neither a shaper line nor a table row");
                shaperLine = values.Select(v => (int)v).ToArray();
            }
            else
            {
                throw Error($"a table row wants three integers, got {values.Count}");
            }
        }

        var size = meshSize ?? shaperLine?.Length ?? (int)Math.Round(Math.Cbrt(rows.Count / 3));
        if (meshSize is { } m && shaperLine is not null && shaperLine.Length != m)
            throw new CubeFormatException(sourceName, 0, $"the Mesh line says {m} nodes per axis but the shaper line has {shaperLine.Length} values");
        if (size < 2 || size > CubeFormat.MaxSize3D)
            throw new CubeFormatException(sourceName, 0, $"lattice size {size} is outside 2..{CubeFormat.MaxSize3D}");
        if (rows.Count != size * size * size * 3)
            throw new CubeFormatException(sourceName, 0, $"a {size}³ lattice needs {size * size * size} rows but the file has {rows.Count / 3}");
        if (shaperLine is not null) CheckEvenlySpaced(shaperLine, sourceName);

        var max = rows.Count == 0 ? 0 : rows.Max();
        var bits = outBits ?? LikelyBits(max);
        var scale = 1f / ((1L << bits) - 1);
        var table = new float[rows.Count];
        // .3dl runs blue fastest; the in-memory lattice (like .cube) runs red fastest.
        var i = 0;
        for (var r = 0; r < size; r++)
        for (var g = 0; g < size; g++)
        for (var b = 0; b < size; b++)
        {
            var node = 3 * (r + size * (g + size * b));
            table[node] = rows[i++] * scale;
            table[node + 1] = rows[i++] * scale;
            table[node + 2] = rows[i++] * scale;
        }
        return new Look(null, new Lut3D(size, table, Rgb.All(0), Rgb.All(1)), null, comments);
    }

    /// <summary>Writes a look as a .3dl file (temporary name, then renamed); returns how many values were clamped to 0..1.</summary>
    public static int Write(string path, Look look, int outputBits = DefaultOutputBits, int? size = null)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.partial");
        int clamped;
        using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            clamped = Write(writer, look, outputBits, size);
        }
        File.Move(temp, full, overwrite: true);
        return clamped;
    }

    /// <summary>
    /// Writes a look as .3dl text: comments, a Mesh line when the size is 2^k + 1, a 10-bit shaper line, then the rows
    /// (blue fastest) as <paramref name="outputBits"/>-bit integers. A shaper, a non-0..1 domain or a look without a
    /// 3D table is baked onto a 0..1 lattice of <paramref name="size"/> (default: the look's size, or 33).
    /// Returns how many output values lay outside 0..1 and were clamped (.3dl cannot hold them).
    /// </summary>
    public static int Write(TextWriter w, Look look, int outputBits = DefaultOutputBits, int? size = null)
    {
        if (outputBits is < 8 or > 16) throw new ArgumentOutOfRangeException(nameof(outputBits), outputBits, "output bits are 8..16");
        w.NewLine = "\n";
        var n = size ?? look.Cube?.Size ?? 33;
        if (n < 2 || n > CubeFormat.MaxSize3D) throw new ArgumentOutOfRangeException(nameof(size), n, $"lattice size is 2..{CubeFormat.MaxSize3D}");
        var cube = look.Cube;
        var comments = look.Comments.ToList();
        if (look.Title is { Length: > 0 } title) comments.Insert(0, title);
        if (cube is null || look.Shaper is not null || look.InputShaper is not null || !cube.HasDefaultDomain || cube.Size != n)
        {
            cube = Lut3D.FromFunction(n, look.Apply);
            comments.Add($"resampled to a 0..1 {n}^3 lattice (.3dl holds one 3D table over 0..1)");
        }
        var maxCode = (1 << outputBits) - 1;
        var clamped = 0;
        foreach (var c in comments) w.WriteLine(c.Length == 0 ? "#" : $"# {c}");
        var inBits = Math.Log2(n - 1);
        if (inBits == Math.Floor(inBits) && inBits is >= 1 and <= 8)
        {
            w.WriteLine("3DMESH");
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Mesh {(int)inBits} {outputBits}"));
        }
        // Node positions in 10-bit input code values, the form Nuke and Lustre write.
        w.WriteLine(string.Join(' ', Enumerable.Range(0, n).Select(k => ((int)Math.Round(1023.0 * k / (n - 1))).ToString(CultureInfo.InvariantCulture))));
        var t = cube.Table;
        var line = new StringBuilder(24);
        for (var r = 0; r < n; r++)
        for (var g = 0; g < n; g++)
        for (var b = 0; b < n; b++)
        {
            var node = 3 * (r + n * (g + n * b));
            line.Clear();
            for (var c = 0; c < 3; c++)
            {
                var v = t[node + c];
                if (!(v >= 0) || v > 1) clamped++;
                var code = (int)Math.Round(Math.Clamp(float.IsNaN(v) ? 0 : v, 0, 1) * maxCode);
                if (c > 0) line.Append(' ');
                line.Append(code.ToString(CultureInfo.InvariantCulture));
            }
            w.WriteLine(line);
        }
        return clamped;
    }

    /// <summary>The smallest usual bit depth whose largest code holds <paramref name="max"/>.</summary>
    private static int LikelyBits(int max)
    {
        foreach (var bits in new[] { 10, 12, 14, 16 })
            if (max <= (1 << bits) - 1) return bits;
        return Math.Min(31, (int)Math.Ceiling(Math.Log2(max + 1.0)));
    }

    /// <summary>
    /// The lattice is read as evenly spaced; a shaper line that places nodes unevenly would be misread, so it is
    /// refused. Writers round the positions (0 32 … 992 1023), hence the tolerance of 1.5 code values plus 0.5%.
    /// </summary>
    private static void CheckEvenlySpaced(int[] nodes, string sourceName)
    {
        var last = nodes[^1] - nodes[0];
        if (last <= 0) throw new CubeFormatException(sourceName, 0, "the shaper line does not increase");
        for (var k = 0; k < nodes.Length; k++)
        {
            var expected = nodes[0] + (double)last * k / (nodes.Length - 1);
            if (Math.Abs(nodes[k] - expected) > 1.5 + 0.005 * last)
                throw new CubeFormatException(sourceName, 0,
                    $"shaper value {nodes[k]} (node {k}) is not evenly spaced (expected about {expected:F0}); uneven .3dl shapers are not supported");
        }
    }
}

/// <summary>Reads and writes looks by file extension: .cube or .3dl.</summary>
public static class LookFiles
{
    /// <summary>True when the path names a .3dl file.</summary>
    public static bool IsThreeDl(string path) => path.EndsWith(".3dl", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads a .cube or .3dl file (by extension).</summary>
    /// <exception cref="CubeFormatException">The file is not valid.</exception>
    public static Look Read(string path) => IsThreeDl(path) ? ThreeDlFormat.Read(path) : CubeFormat.Read(path);
}
