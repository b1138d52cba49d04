using Runway.Effects.Definitions;
using Runway.Effects.Pixels;
using Runway.Looks;

namespace Runway.Effects.Engines.Style;

/// <summary>
/// Moves an image's colour distribution toward a reference's, in Oklab, by one of three maps built from the two
/// images' <see cref="ColourStatistics"/>: the Gaussian optimal-transport (Monge–Kantorovich) affine map matching mean
/// and covariance, a per-channel mean and spread match, or per-channel histogram matching. Every map is defined on the
/// whole real line, so HDR values above 1 and out-of-gamut colours pass through without clipping.
/// </summary>
public sealed class ColourTransfer
{
    // Histogram matching goes through a uniform table over the source's quantile range: one lookup per channel
    // instead of a binary search in the quantiles.
    private const int TableSize = 1024;

    private readonly float[] _matrix = new float[9];
    private readonly float[] _sourceMean = new float[3];
    private readonly float[] _targetMean = new float[3];
    private float[][]? _tables;
    private readonly float[] _tableLow = new float[3];
    private readonly float[] _tableScale = new float[3];
    private readonly float[] _lowShift = new float[3];
    private readonly float[] _highShift = new float[3];
    private readonly float[] _tableHigh = new float[3];

    private ColourTransfer(string method) => Method = method;

    /// <summary>The <see cref="StyleTransferDefinition"/> colour method this map implements.</summary>
    public string Method { get; }

    /// <summary>
    /// The map carrying <paramref name="source"/>'s statistics onto <paramref name="target"/>'s. Histogram matching needs
    /// quantiles in both.
    /// </summary>
    public static ColourTransfer Create(string method, ColourStatistics source, ColourStatistics target)
    {
        var t = new ColourTransfer(method);
        for (var i = 0; i < 3; i++)
        {
            t._sourceMean[i] = (float)source.Mean[i];
            t._targetMean[i] = (float)target.Mean[i];
        }
        switch (method)
        {
            case StyleTransferDefinition.ColourCovariance:
            {
                var (_, a) = MoodBoard.Transfer(source.ToOklab(), target.ToOklab());
                for (var i = 0; i < 3; i++)
                for (var j = 0; j < 3; j++)
                    t._matrix[i * 3 + j] = (float)a[i, j];
                break;
            }
            case StyleTransferDefinition.ColourMeanSpread:
                for (var i = 0; i < 3; i++)
                {
                    // A flat source channel (a grey picture's chroma) has no spread to scale: leave it at 1 rather than blow up.
                    var s = Math.Sqrt(Math.Max(source.Covariance[i, i], 0));
                    t._matrix[i * 3 + i] = s > 1e-4 ? (float)(Math.Sqrt(Math.Max(target.Covariance[i, i], 0)) / s) : 1f;
                }
                break;
            case StyleTransferDefinition.ColourHistogram:
                if (source.Quantiles is null || target.Quantiles is null)
                    throw new ArgumentException("histogram matching needs quantiles of both images");
                t._tables = new float[3][];
                for (var c = 0; c < 3; c++) t.BuildTable(c, source.Quantiles[c], target.Quantiles[c]);
                break;
            default:
                throw new ArgumentException($"unknown colour transfer method '{method}'", nameof(method));
        }
        return t;
    }

    private void BuildTable(int c, float[] from, float[] to)
    {
        var n = from.Length;
        var low = from[0];
        var high = from[n - 1];
        if (high - low < 1e-6f) high = low + 1e-6f;
        var table = new float[TableSize];
        var k = 0;
        for (var i = 0; i < TableSize; i++)
        {
            var v = low + (high - low) * i / (TableSize - 1);
            while (k < n - 2 && from[k + 1] <= v) k++;
            var span = from[k + 1] - from[k];
            var f = span > 1e-9f ? Math.Clamp((v - from[k]) / span, 0f, 1f) : 0.5f;
            table[i] = to[k] + f * (to[k + 1] - to[k]);
        }
        _tables![c] = table;
        _tableLow[c] = low;
        _tableHigh[c] = high;
        _tableScale[c] = (TableSize - 1) / (high - low);
        // Beyond the source's range (HDR highlights, a later frame's new colours) values shift with the nearest end,
        // keeping their distance to it: monotone and unclipped.
        _lowShift[c] = table[0] - low;
        _highShift[c] = table[TableSize - 1] - high;
    }

    /// <summary>
    /// Writes the transferred <paramref name="source"/> into <paramref name="output"/> (same size; may be the same
    /// image), mixed with the source in Oklab by <paramref name="strength"/>; alpha copied.
    /// </summary>
    public void Apply(FloatImage source, FloatImage output, float strength, CancellationToken ct)
    {
        if (output.Width != source.Width || output.Height != source.Height) throw new ArgumentException("image sizes differ", nameof(output));
        var height = source.Height;
        var bands = Math.Min(height, Environment.ProcessorCount * 4);
        Parallel.For(0, bands, new ParallelOptions { CancellationToken = ct }, band =>
        {
            for (var y = height * band / bands; y < height * (band + 1) / bands; y++)
                ApplyRow(source.Row(y), output.Row(y), strength);
        });
    }

    private void ApplyRow(Span<float> src, Span<float> dst, float strength)
    {
        var m = _matrix;
        var (sl, sa, sb) = (_sourceMean[0], _sourceMean[1], _sourceMean[2]);
        var (tl, ta, tb) = (_targetMean[0], _targetMean[1], _targetMean[2]);
        var histogram = _tables is not null;
        for (var o = 0; o < src.Length; o += 4)
        {
            Oklab.FromLinear(src[o], src[o + 1], src[o + 2], out var l, out var a, out var b);
            float nl, na, nb;
            if (histogram)
            {
                nl = Lookup(0, l);
                na = Lookup(1, a);
                nb = Lookup(2, b);
            }
            else
            {
                var (dl, da, db) = (l - sl, a - sa, b - sb);
                nl = tl + m[0] * dl + m[1] * da + m[2] * db;
                na = ta + m[3] * dl + m[4] * da + m[5] * db;
                nb = tb + m[6] * dl + m[7] * da + m[8] * db;
            }
            Oklab.ToLinear(l + strength * (nl - l), a + strength * (na - a), b + strength * (nb - b), out var r, out var g, out var bl);
            var alpha = src[o + 3];
            dst[o] = r;
            dst[o + 1] = g;
            dst[o + 2] = bl;
            dst[o + 3] = alpha;
        }
    }

    private float Lookup(int c, float v)
    {
        if (!(v >= _tableLow[c])) return float.IsNaN(v) ? 0f : v + _lowShift[c];
        if (v >= _tableHigh[c]) return v + _highShift[c];
        var t = (v - _tableLow[c]) * _tableScale[c];
        var i = Math.Min((int)t, TableSize - 2);
        var f = t - i;
        var table = _tables![c];
        return table[i] + f * (table[i + 1] - table[i]);
    }
}
