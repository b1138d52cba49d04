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
    private readonly Lock _bakeLock = new();
    private (float Strength, LutKernel Kernel)? _baked;

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
        for (var o = 0; o < src.Length; o += 4)
        {
            Map(src[o], src[o + 1], src[o + 2], strength, out var r, out var g, out var b);
            var alpha = src[o + 3];
            dst[o] = r;
            dst[o + 1] = g;
            dst[o + 2] = b;
            dst[o + 3] = alpha;
        }
    }

    /// <summary>The exact map of one linear colour, mixed with it in Oklab by <paramref name="strength"/>.</summary>
    private void Map(float r, float g, float b, float strength, out float or, out float og, out float ob)
    {
        Oklab.FromLinear(r, g, b, out var l, out var a, out var bb);
        float nl, na, nb;
        if (_tables is not null)
        {
            nl = Lookup(0, l);
            na = Lookup(1, a);
            nb = Lookup(2, bb);
        }
        else
        {
            var m = _matrix;
            var (dl, da, db) = (l - _sourceMean[0], a - _sourceMean[1], bb - _sourceMean[2]);
            nl = _targetMean[0] + m[0] * dl + m[1] * da + m[2] * db;
            na = _targetMean[1] + m[3] * dl + m[4] * da + m[5] * db;
            nb = _targetMean[2] + m[6] * dl + m[7] * da + m[8] * db;
        }
        Oklab.ToLinear(l + strength * (nl - l), a + strength * (na - a), bb + strength * (nb - bb), out or, out og, out ob);
    }

    /// <summary>
    /// As <see cref="Apply"/>, through a <see cref="LatticeSize"/>³ lattice of the map baked over square-root-encoded
    /// linear 0..1 and applied by <see cref="LutKernel"/> (tetrahedral, vectorised): the draft path. Three cube roots
    /// and three cubes per pixel become a square root per channel and four table reads. Pixels with a channel outside
    /// 0..1 (HDR highlights, out-of-gamut negatives) take the exact map, so nothing is clipped.
    /// </summary>
    /// <remarks>
    /// The square-root encoding puts lattice nodes where the eye (and Oklab's cube root) needs them, in the darks;
    /// measured against the exact map on real pictures the lattice differs by well under 1e-2 linear (see tests).
    /// </remarks>
    public void ApplyBaked(FloatImage source, FloatImage output, float strength, CancellationToken ct)
    {
        if (output.Width != source.Width || output.Height != source.Height) throw new ArgumentException("image sizes differ", nameof(output));
        var kernel = BakeKernel(strength);
        var (width, height) = (source.Width, source.Height);
        var bands = Math.Min(height, Environment.ProcessorCount * 4);
        Parallel.For(0, bands, new ParallelOptions { CancellationToken = ct }, band =>
        {
            var encoded = System.Buffers.ArrayPool<float>.Shared.Rent(width * 4);
            try
            {
                var row = encoded.AsSpan(0, width * 4);
                for (var y = height * band / bands; y < height * (band + 1) / bands; y++)
                {
                    var src = source.Row(y);
                    var dst = output.Row(y);
                    for (var o = 0; o < row.Length; o += 4)
                    {
                        // Out-of-domain channels clamp here and are redone exactly below.
                        row[o] = MathF.Sqrt(Math.Clamp(src[o], 0f, 1f));
                        row[o + 1] = MathF.Sqrt(Math.Clamp(src[o + 1], 0f, 1f));
                        row[o + 2] = MathF.Sqrt(Math.Clamp(src[o + 2], 0f, 1f));
                        row[o + 3] = src[o + 3];
                    }
                    kernel.Apply(row, row, width, 1f);
                    for (var o = 0; o < row.Length; o += 4)
                    {
                        float r = src[o], g = src[o + 1], b = src[o + 2];
                        if (r is >= 0f and <= 1f && g is >= 0f and <= 1f && b is >= 0f and <= 1f)
                        {
                            dst[o] = row[o];
                            dst[o + 1] = row[o + 1];
                            dst[o + 2] = row[o + 2];
                        }
                        else
                        {
                            Map(r, g, b, strength, out dst[o], out dst[o + 1], out dst[o + 2]);
                        }
                        dst[o + 3] = src[o + 3];
                    }
                }
            }
            finally
            {
                System.Buffers.ArrayPool<float>.Shared.Return(encoded);
            }
        });
    }

    /// <summary>Lattice nodes per axis of the baked draft map (<see cref="ApplyBaked"/>).</summary>
    public const int LatticeSize = 33;

    private LutKernel BakeKernel(float strength)
    {
        lock (_bakeLock)
        {
            if (_baked is { } hit && hit.Strength == strength) return hit.Kernel;
            var lut = Lut3D.FromFunction(LatticeSize, e =>
            {
                Map(e.R * e.R, e.G * e.G, e.B * e.B, strength, out var r, out var g, out var b);
                return new Rgb(r, g, b);
            });
            var kernel = new LutKernel(null, lut);
            _baked = (strength, kernel);
            return kernel;
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
