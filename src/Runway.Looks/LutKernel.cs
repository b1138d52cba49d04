using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Runway.Looks;

/// <summary>
/// The pixel loop of a look: optional 1D shaper, then tetrahedral 3D interpolation, over RGBA float pixels; alpha is
/// copied, and a strength below 1 mixes the result with the input. Strides and scales are computed once here so the
/// per-pixel work is arithmetic and four table reads, with no allocation.
/// </summary>
public sealed class LutKernel
{
    private readonly Lut1D? _shaper;
    private readonly Lut3D? _cube;
    private readonly float _minR, _minG, _minB, _scaleR, _scaleG, _scaleB, _last;
    private readonly int _cellMax, _strideG, _strideB;
    private readonly int[] _corner = new int[8];

    // For each comparison key (bit 0: r > g, bit 1: g > b, bit 2: r > b), the table offsets of the tetrahedron's two
    // inner corners: the corner one step along the largest fraction, then one step along the two largest.
    private readonly int[] _inner = new int[16];

    // The vector path reads each node as one 16-byte load: the lattice padded to four floats per node, with node
    // offsets and inner-corner offsets in that layout.
    private readonly float[] _padded = [];
    private readonly int[] _innerPadded = new int[16];
    private readonly int _farPadded;

    // Log2 input shaper: lattice coordinate u = log2(v)·_logScale + _logOffset before the cube's domain. The vector
    // path evaluates log2 eight values at a time (see Log2), so a log2 look costs little more than a plain one.
    private readonly bool _log;
    private readonly float _logScale, _logOffset;

    // Sampled 1D shaper (a .cube file's own LUT_1D table before its 3D table) for the vector path: each channel's
    // column as its own run of Size + 1 floats (the last row repeated, so a coordinate clamped to the last row can read
    // "the next row" with weight 0), gathered eight at a time; with the row scale and domain start per channel.
    private readonly float[] _shaperColumns = [];
    private readonly int _shaperRows;
    private readonly float _shaperMinR, _shaperMinG, _shaperMinB, _shaperScaleR, _shaperScaleG, _shaperScaleB;

    /// <summary>
    /// Prepares a kernel; at least one of <paramref name="shaper"/> and <paramref name="cube"/> is given. A parametric
    /// <paramref name="input"/> shaper replaces <paramref name="shaper"/> (its sampled copy): a linear one is folded into
    /// the lattice scale (no extra per-pixel work), a log2 one is evaluated exactly per pixel.
    /// </summary>
    public LutKernel(Lut1D? shaper, Lut3D? cube, InputShaper? input = null)
    {
        if (shaper is null && cube is null) throw new ArgumentException("a look needs a 1D or a 3D table");
        _shaper = input is null ? shaper : null;
        _cube = cube;
        if (cube is null) return;
        var n = cube.Size;
        _last = n - 1;
        _cellMax = n - 2;
        _minR = cube.DomainMin.R;
        _minG = cube.DomainMin.G;
        _minB = cube.DomainMin.B;
        _scaleR = (n - 1) / (cube.DomainMax.R - cube.DomainMin.R);
        _scaleG = (n - 1) / (cube.DomainMax.G - cube.DomainMin.G);
        _scaleB = (n - 1) / (cube.DomainMax.B - cube.DomainMin.B);
        if (input is { Kind: ShaperKind.Linear })
        {
            // u = (v − lo)/(hi − lo) then x = (u − dmin)·scale  ⇔  x = (v − (lo + dmin·(hi − lo)))·scale/(hi − lo).
            var range = (float)(input.Max - input.Min);
            _minR = (float)input.Min + _minR * range;
            _minG = (float)input.Min + _minG * range;
            _minB = (float)input.Min + _minB * range;
            _scaleR /= range;
            _scaleG /= range;
            _scaleB /= range;
        }
        else if (input is { Kind: ShaperKind.Log2 })
        {
            _log = true;
            _logScale = (float)(1 / (input.Max - input.Min));
            _logOffset = (float)((-Math.Log2(input.Middle) - input.Min) / (input.Max - input.Min));
        }
        if (_shaper is not null)
        {
            var rows = _shaper.Size;
            _shaperRows = rows;
            _shaperColumns = new float[3 * (rows + 1)];
            for (var c = 0; c < 3; c++)
            {
                for (var i = 0; i < rows; i++) _shaperColumns[c * (rows + 1) + i] = _shaper.Table[i * 3 + c];
                _shaperColumns[c * (rows + 1) + rows] = _shaper.Table[(rows - 1) * 3 + c];
            }
            // The same float expressions as Lut1D.Apply, so the vector path rounds identically.
            (_shaperMinR, _shaperMinG, _shaperMinB) = (_shaper.DomainMin.R, _shaper.DomainMin.G, _shaper.DomainMin.B);
            _shaperScaleR = (rows - 1) / (_shaper.DomainMax.R - _shaperMinR);
            _shaperScaleG = (rows - 1) / (_shaper.DomainMax.G - _shaperMinG);
            _shaperScaleB = (rows - 1) / (_shaper.DomainMax.B - _shaperMinB);
        }
        _strideG = 3 * n;
        _strideB = 3 * n * n;
        for (var code = 0; code < 8; code++)
            _corner[code] = ((code & 1) != 0 ? 3 : 0) + ((code & 2) != 0 ? _strideG : 0) + ((code & 4) != 0 ? _strideB : 0);
        Span<int> corners = stackalloc int[4];
        Span<float> weights = stackalloc float[4];
        // Each ordering of three distinct fractions gives one comparison key; the two keys no ordering (even with
        // ties) can produce are never looked up.
        float[] values = [0.2f, 0.5f, 0.8f];
        int[][] orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        foreach (var order in orders)
        {
            float fr = values[order[0]], fg = values[order[1]], fb = values[order[2]];
            var key = (fr > fg ? 1 : 0) | (fg > fb ? 2 : 0) | (fr > fb ? 4 : 0);
            Lut3D.TetrahedronWeights(fr, fg, fb, corners, weights);
            _inner[key * 2] = _corner[corners[1]];
            _inner[key * 2 + 1] = _corner[corners[2]];
            _innerPadded[key * 2] = _corner[corners[1]] / 3 * 4;
            _innerPadded[key * 2 + 1] = _corner[corners[2]] / 3 * 4;
        }
        _farPadded = _corner[7] / 3 * 4;
        _padded = new float[n * n * n * 4];
        for (var i = 0; i < n * n * n; i++)
        {
            _padded[i * 4] = cube.Table[i * 3];
            _padded[i * 4 + 1] = cube.Table[i * 3 + 1];
            _padded[i * 4 + 2] = cube.Table[i * 3 + 2];
        }
    }

    /// <summary>
    /// Applies the look to <paramref name="pixelCount"/> RGBA pixels of <paramref name="source"/> into
    /// <paramref name="destination"/> (which may be the same memory). <paramref name="strength"/> 1 = full look, 0 = source.
    /// </summary>
    public unsafe void Apply(ReadOnlySpan<float> source, Span<float> destination, int pixelCount, float strength)
    {
        if (source.Length < pixelCount * 4 || destination.Length < pixelCount * 4)
            throw new ArgumentException($"buffers hold fewer than {pixelCount} RGBA pixels");
        var mix = strength < 1;
        fixed (float* s0 = source)
        fixed (float* d0 = destination)
        {
            if (_cube is null)
            {
                for (var p = 0; p < pixelCount; p++)
                {
                    var s = s0 + p * 4;
                    var d = d0 + p * 4;
                    float r = s[0], g = s[1], b = s[2], a = s[3];
                    var o0 = _shaper!.Apply(0, r);
                    var o1 = _shaper.Apply(1, g);
                    var o2 = _shaper.Apply(2, b);
                    if (mix)
                    {
                        o0 = r + (o0 - r) * strength;
                        o1 = g + (o1 - g) * strength;
                        o2 = b + (o2 - b) * strength;
                    }
                    d[0] = o0;
                    d[1] = o1;
                    d[2] = o2;
                    d[3] = a;
                }
                return;
            }
            fixed (float* table = _cube.Table)
            fixed (int* corner = _corner)
            fixed (int* inner = _inner)
            {
                var start = 0;
                if (Avx2.IsSupported && Fma.IsSupported)
                {
                    fixed (float* padded = _padded)
                    fixed (int* innerPadded = _innerPadded)
                    fixed (float* columns = _shaperColumns)
                        start = ApplyAvx2(s0, d0, pixelCount, strength, padded, innerPadded, columns);
                }
                for (var p = start; p < pixelCount; p++)
                {
                    var s = s0 + p * 4;
                    var d = d0 + p * 4;
                    float r = s[0], g = s[1], b = s[2], a = s[3];
                    float ir = r, ig = g, ib = b;
                    if (_shaper is not null)
                    {
                        ir = _shaper.Apply(0, r);
                        ig = _shaper.Apply(1, g);
                        ib = _shaper.Apply(2, b);
                    }
                    else if (_log)
                    {
                        // Zero, negatives and NaN sit at the first node (the comparison is false for all three).
                        ir = r > 0 ? MathF.Log2(r) * _logScale + _logOffset : 0;
                        ig = g > 0 ? MathF.Log2(g) * _logScale + _logOffset : 0;
                        ib = b > 0 ? MathF.Log2(b) * _logScale + _logOffset : 0;
                    }
                    // Lattice coordinates, clamped to the domain (NaN fails both tests and lands on node 0).
                    var x = (ir - _minR) * _scaleR;
                    var y = (ig - _minG) * _scaleG;
                    var z = (ib - _minB) * _scaleB;
                    x = x > 0 ? (x < _last ? x : _last) : 0;
                    y = y > 0 ? (y < _last ? y : _last) : 0;
                    z = z > 0 ? (z < _last ? z : _last) : 0;
                    var xi = (int)x;
                    var yi = (int)y;
                    var zi = (int)z;
                    if (xi > _cellMax) xi = _cellMax;
                    if (yi > _cellMax) yi = _cellMax;
                    if (zi > _cellMax) zi = _cellMax;
                    var fr = x - xi;
                    var fg = y - yi;
                    var fb = z - zi;
                    var c0 = table + xi * 3 + yi * _strideG + zi * _strideB;
                    // Branch-free tetrahedron choice: the three comparisons index a table of the two inner corners,
                    // and min/max give the sorted fractions (colours vary pixel to pixel, so branches mispredict).
                    var key = (fr > fg ? 1 : 0) | (fg > fb ? 2 : 0) | (fr > fb ? 4 : 0);
                    var c1 = c0 + inner[key * 2];
                    var c2 = c0 + inner[key * 2 + 1];
                    var hi = MathF.Max(fr, MathF.Max(fg, fb));
                    var lo = MathF.Min(fr, MathF.Min(fg, fb));
                    var mid = fr + fg + fb - hi - lo;
                    var c7 = c0 + corner[7];
                    float w0 = 1 - hi, w1 = hi - mid, w2 = mid - lo;
                    var o0 = w0 * c0[0] + w1 * c1[0] + w2 * c2[0] + lo * c7[0];
                    var o1 = w0 * c0[1] + w1 * c1[1] + w2 * c2[1] + lo * c7[1];
                    var o2 = w0 * c0[2] + w1 * c1[2] + w2 * c2[2] + lo * c7[2];
                    if (mix)
                    {
                        o0 = r + (o0 - r) * strength;
                        o1 = g + (o1 - g) * strength;
                        o2 = b + (o2 - b) * strength;
                    }
                    d[0] = o0;
                    d[1] = o1;
                    d[2] = o2;
                    d[3] = a;
                }
            }
        }
    }

    /// <summary>
    /// The 3D path (and the log2 or sampled shaper before it) eight pixels at a time with AVX2 (same arithmetic as the
    /// scalar loop, so results agree to rounding); returns how many pixels it did (a multiple of 8), the caller finishes
    /// the rest. <paramref name="columns"/> is the sampled shaper's per-channel columns (unused without one).
    /// </summary>
    private unsafe int ApplyAvx2(float* s0, float* d0, int pixelCount, float strength, float* table, int* inner, float* columns)
    {
        var sampled = _shaper is not null;
        var rows = _shaperRows + 1;
        var shaperLast = Vector256.Create((float)(_shaperRows - 1));
        var shaperMinR = Vector256.Create(_shaperMinR);
        var shaperMinG = Vector256.Create(_shaperMinG);
        var shaperMinB = Vector256.Create(_shaperMinB);
        var shaperScaleR = Vector256.Create(_shaperScaleR);
        var shaperScaleG = Vector256.Create(_shaperScaleG);
        var shaperScaleB = Vector256.Create(_shaperScaleB);
        var zero = Vector256<float>.Zero;
        var one = Vector256.Create(1f);
        var last = Vector256.Create(_last);
        var cellMax = Vector256.Create(_cellMax);
        var minR = Vector256.Create(_minR);
        var minG = Vector256.Create(_minG);
        var minB = Vector256.Create(_minB);
        var scaleR = Vector256.Create(_scaleR);
        var scaleG = Vector256.Create(_scaleG);
        var scaleB = Vector256.Create(_scaleB);
        var four = Vector256.Create(4);
        var strideG = Vector256.Create(_strideG / 3 * 4);
        var strideB = Vector256.Create(_strideB / 3 * 4);
        var far = _farPadded;
        var mix = strength < 1;
        var bit1 = Vector256.Create(1);
        var bit2 = Vector256.Create(2);
        var bit4 = Vector256.Create(4);
        var strength128 = Vector128.Create(strength);
        var logScale = Vector256.Create(_logScale);
        var logOffset = Vector256.Create(_logOffset);
        var n0 = stackalloc int[8];
        var n1 = stackalloc int[8];
        var v0 = stackalloc float[8];
        var v1 = stackalloc float[8];
        var v2 = stackalloc float[8];
        var v3 = stackalloc float[8];
        var done = pixelCount & ~7;
        for (var p = 0; p < done; p += 8)
        {
            var s = s0 + p * 4;
            // De-interleave eight RGBA pixels with shuffles (4×4 transposes) instead of three gathers, which cost
            // more than the rest of the setup on this machine's cores.
            Transpose(s, out var rLo, out var gLo, out var bLo);
            Transpose(s + 16, out var rHi, out var gHi, out var bHi);
            var r = Vector256.Create(rLo, rHi);
            var g = Vector256.Create(gLo, gHi);
            var b = Vector256.Create(bLo, bHi);
            if (_log)
            {
                r = Log2Shaped(r, logScale, logOffset);
                g = Log2Shaped(g, logScale, logOffset);
                b = Log2Shaped(b, logScale, logOffset);
            }
            else if (sampled)
            {
                r = Sampled(r, shaperMinR, shaperScaleR, shaperLast, columns);
                g = Sampled(g, shaperMinG, shaperScaleG, shaperLast, columns + rows);
                b = Sampled(b, shaperMinB, shaperScaleB, shaperLast, columns + 2 * rows);
            }
            // max(x, 0) returns 0 for NaN (maxps yields its second operand), like the scalar clamp.
            var x = Avx.Min(Avx.Max(Avx.Multiply(Avx.Subtract(r, minR), scaleR), zero), last);
            var y = Avx.Min(Avx.Max(Avx.Multiply(Avx.Subtract(g, minG), scaleG), zero), last);
            var z = Avx.Min(Avx.Max(Avx.Multiply(Avx.Subtract(b, minB), scaleB), zero), last);
            var xi = Avx2.Min(Avx.ConvertToVector256Int32WithTruncation(x), cellMax);
            var yi = Avx2.Min(Avx.ConvertToVector256Int32WithTruncation(y), cellMax);
            var zi = Avx2.Min(Avx.ConvertToVector256Int32WithTruncation(z), cellMax);
            var fr = Avx.Subtract(x, Avx.ConvertToVector256Single(xi));
            var fg = Avx.Subtract(y, Avx.ConvertToVector256Single(yi));
            var fb = Avx.Subtract(z, Avx.ConvertToVector256Single(zi));
            var c0 = Avx2.Add(Avx2.MultiplyLow(xi, four), Avx2.Add(Avx2.MultiplyLow(yi, strideG), Avx2.MultiplyLow(zi, strideB)));
            var key = Avx2.Or(
                Avx2.And(Avx.CompareGreaterThan(fr, fg).AsInt32(), bit1),
                Avx2.Or(Avx2.And(Avx.CompareGreaterThan(fg, fb).AsInt32(), bit2), Avx2.And(Avx.CompareGreaterThan(fr, fb).AsInt32(), bit4)));
            // The inner corners are looked up per pixel below (two L1 reads) rather than with two more gathers.
            var key2 = Avx2.Add(key, key);
            var hi = Avx.Max(fr, Avx.Max(fg, fb));
            var lo = Avx.Min(fr, Avx.Min(fg, fb));
            var mid = Avx.Subtract(Avx.Subtract(Avx.Add(fr, Avx.Add(fg, fb)), hi), lo);
            var w0 = Avx.Subtract(one, hi);
            var w1 = Avx.Subtract(hi, mid);
            var w2 = Avx.Subtract(mid, lo);
            // Per pixel: four 16-byte node loads blended with the tetrahedral weights (no gathers).
            Avx.Store(n0, c0);
            Avx.Store(n1, key2);
            Avx.Store(v0, w0);
            Avx.Store(v1, w1);
            Avx.Store(v2, w2);
            Avx.Store(v3, lo);
            var d = d0 + p * 4;
            for (var i = 0; i < 8; i++)
            {
                var node = table + n0[i];
                var k = n1[i];
                var acc = Sse.Multiply(Sse.LoadVector128(node), Vector128.Create(v0[i]));
                acc = Fma.MultiplyAdd(Sse.LoadVector128(node + inner[k]), Vector128.Create(v1[i]), acc);
                acc = Fma.MultiplyAdd(Sse.LoadVector128(node + inner[k + 1]), Vector128.Create(v2[i]), acc);
                acc = Fma.MultiplyAdd(Sse.LoadVector128(node + far), Vector128.Create(v3[i]), acc);
                var px = Sse.LoadVector128(s + i * 4);
                if (mix) acc = Fma.MultiplyAdd(Sse.Subtract(acc, px), strength128, px);
                // Alpha (lane 3) comes from the source.
                Sse.Store(d + i * 4, Sse41.Blend(acc, px, 0b1000));
            }
        }
        return done;
    }

    /// <summary>
    /// A sampled 1D shaper column on eight values, as <see cref="Lut1D.Apply(int, float)"/> computes it: the row
    /// coordinate clamped to the table (NaN and values at or below the domain start read row 0, values at or past its
    /// end the last row, which the padded column repeats so the weight-0 neighbour read stays inside), then
    /// a + (b − a)·f with a separate multiply and add — no fused multiply-add, so the result is bit-identical to the
    /// scalar loop.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Sampled(Vector256<float> v, Vector256<float> min, Vector256<float> scale, Vector256<float> last, float* column)
    {
        // max(x, 0) yields 0 for NaN (maxps returns its second operand), like the scalar !(x > 0) test.
        var x = Avx.Min(Avx.Max(Avx.Multiply(Avx.Subtract(v, min), scale), Vector256<float>.Zero), last);
        var i = Avx.ConvertToVector256Int32WithTruncation(x);
        var f = Avx.Subtract(x, Avx.ConvertToVector256Single(i));
        var a = Avx2.GatherVector256(column, i, 4);
        var b = Avx2.GatherVector256(column + 1, i, 4);
        return Avx.Add(a, Avx.Multiply(Avx.Subtract(b, a), f));
    }

    /// <summary>
    /// The log2 shaper on eight values: log2(v)·scale + offset where v &gt; 0, else 0 (zero, negatives and NaN sit at the
    /// first node, as in the scalar loop). +∞ reads as 2¹²⁸, which the lattice clamp holds at the last node.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Log2Shaped(Vector256<float> v, Vector256<float> scale, Vector256<float> offset)
    {
        var positive = Avx.CompareGreaterThan(v, Vector256<float>.Zero);
        return Avx.And(Fma.MultiplyAdd(Log2(v), scale, offset), positive);
    }

    /// <summary>
    /// log2 of eight positive normal floats in single precision, within 1e-6 of the exact value: the exponent is read
    /// from the bits and the mantissa m, moved into √½..√2, contributes 2/ln2 · atanh((m − 1)/(m + 1)) by its odd
    /// series to t⁷ (|t| ≤ 0.172, so the first dropped term is below 5e-8). Written here because the library's
    /// Vector256.Log2 works in double precision for floats, which made the shaper cost more than the lattice.
    /// Subnormals come out near −127 (far below any shaper's range), so they still land on the first node.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Log2(Vector256<float> v)
    {
        var bits = v.AsInt32();
        var exponent = Avx2.Subtract(Avx2.ShiftRightLogical(bits, 23), Vector256.Create(127));
        var mantissa = Avx2.Or(Avx2.And(bits, Vector256.Create(0x007FFFFF)), Vector256.Create(0x3F800000)).AsSingle();
        // m in [1, 2): above √2 halve it and count one more in the exponent, so |t| stays small.
        var high = Avx.CompareGreaterThan(mantissa, Vector256.Create(1.41421356f));
        mantissa = Avx.BlendVariable(mantissa, Avx.Multiply(mantissa, Vector256.Create(0.5f)), high);
        exponent = Avx2.Subtract(exponent, high.AsInt32());
        var t = Avx.Divide(Avx.Subtract(mantissa, Vector256.Create(1f)), Avx.Add(mantissa, Vector256.Create(1f)));
        var t2 = Avx.Multiply(t, t);
        // 2/ln2 · (t + t³/3 + t⁵/5 + t⁷/7)
        var series = Fma.MultiplyAdd(t2, Vector256.Create((float)(2 / (7 * Math.Log(2)))), Vector256.Create((float)(2 / (5 * Math.Log(2)))));
        series = Fma.MultiplyAdd(t2, series, Vector256.Create((float)(2 / (3 * Math.Log(2)))));
        series = Fma.MultiplyAdd(t2, series, Vector256.Create((float)(2 / Math.Log(2))));
        return Fma.MultiplyAdd(t, series, Avx.ConvertToVector256Single(exponent));
    }

    /// <summary>R, G and B of four interleaved RGBA pixels as three vectors (alpha dropped).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose(float* s, out Vector128<float> r, out Vector128<float> g, out Vector128<float> b)
    {
        var p0 = Sse.LoadVector128(s);
        var p1 = Sse.LoadVector128(s + 4);
        var p2 = Sse.LoadVector128(s + 8);
        var p3 = Sse.LoadVector128(s + 12);
        var t0 = Sse.UnpackLow(p0, p1);   // r0 r1 g0 g1
        var t1 = Sse.UnpackLow(p2, p3);   // r2 r3 g2 g3
        var t2 = Sse.UnpackHigh(p0, p1);  // b0 b1 a0 a1
        var t3 = Sse.UnpackHigh(p2, p3);  // b2 b3 a2 a3
        r = Sse.MoveLowToHigh(t0, t1);
        g = Sse.MoveHighToLow(t1, t0);
        b = Sse.MoveLowToHigh(t2, t3);
    }
}
