namespace Runway.Looks;

/// <summary>
/// A 3D LUT: an N×N×N lattice of RGB outputs over a per-channel input domain, stored as in a .cube file
/// (red index fastest, blue slowest: node (r, g, b) at row r + g·N + b·N²). Inputs outside the domain are clamped
/// to it; inside it nothing is clipped, and outputs may lie anywhere (negative, above 1).
/// </summary>
public sealed class Lut3D
{
    private LutKernel? _kernel;

    /// <summary>Creates a 3D LUT from its lattice (length N³ × 3).</summary>
    public Lut3D(int size, float[] table, Rgb domainMin, Rgb domainMax)
    {
        if (size < 2) throw new ArgumentOutOfRangeException(nameof(size), size, "a 3D LUT needs at least 2 nodes per axis");
        if (table.Length != checked(size * size * size * 3))
            throw new ArgumentException($"table has {table.Length} values, expected {size}³ × 3 = {size * size * size * 3}", nameof(table));
        for (var c = 0; c < 3; c++)
        {
            if (!(domainMax[c] > domainMin[c]))
                throw new ArgumentException($"domain max {domainMax} must exceed domain min {domainMin} in every channel", nameof(domainMax));
        }
        Size = size;
        Table = table;
        DomainMin = domainMin;
        DomainMax = domainMax;
    }

    /// <summary>Nodes per axis (17, 33 and 65 are the usual sizes).</summary>
    public int Size { get; }

    /// <summary>The lattice, red fastest; node (r, g, b) has its RGB at 3·(r + g·N + b·N²).</summary>
    public float[] Table { get; }

    /// <summary>Input mapped to node 0, per channel.</summary>
    public Rgb DomainMin { get; }

    /// <summary>Input mapped to node N−1, per channel.</summary>
    public Rgb DomainMax { get; }

    /// <summary>True when every channel's domain is 0..1.</summary>
    public bool HasDefaultDomain => DomainMin == Rgb.All(0) && DomainMax == Rgb.All(1);

    /// <summary>True when all three channels share one domain (what Resolve's LUT_3D_INPUT_RANGE can express).</summary>
    public bool HasUniformDomain => DomainMin.R == DomainMin.G && DomainMin.G == DomainMin.B &&
                                    DomainMax.R == DomainMax.G && DomainMax.G == DomainMax.B;

    /// <summary>Index of node (r, g, b) in rows (multiply by 3 for <see cref="Table"/>).</summary>
    public int NodeIndex(int r, int g, int b) => r + Size * (g + Size * b);

    /// <summary>The input value at node coordinate <paramref name="i"/> of a channel.</summary>
    public float NodeInput(int channel, int i) => DomainMin[channel] + (DomainMax[channel] - DomainMin[channel]) * i / (Size - 1);

    /// <summary>The identity over a domain (default 0..1).</summary>
    public static Lut3D Identity(int size, Rgb? domainMin = null, Rgb? domainMax = null)
    {
        var min = domainMin ?? Rgb.All(0);
        var max = domainMax ?? Rgb.All(1);
        var t = new float[size * size * size * 3];
        var i = 0;
        for (var b = 0; b < size; b++)
        for (var g = 0; g < size; g++)
        for (var r = 0; r < size; r++)
        {
            t[i++] = min.R + (max.R - min.R) * r / (size - 1);
            t[i++] = min.G + (max.G - min.G) * g / (size - 1);
            t[i++] = min.B + (max.B - min.B) * b / (size - 1);
        }
        return new Lut3D(size, t, min, max);
    }

    /// <summary>Builds a LUT by evaluating <paramref name="transform"/> at every node (e.g. to bake or resample a look).</summary>
    public static Lut3D FromFunction(int size, Func<Rgb, Rgb> transform, Rgb? domainMin = null, Rgb? domainMax = null)
    {
        var lut = Identity(size, domainMin, domainMax);
        var t = lut.Table;
        Parallel.For(0, size, b =>
        {
            for (var g = 0; g < size; g++)
            for (var r = 0; r < size; r++)
            {
                var i = 3 * (r + size * (g + size * b));
                var o = transform(new Rgb(t[i], t[i + 1], t[i + 2]));
                t[i] = o.R;
                t[i + 1] = o.G;
                t[i + 2] = o.B;
            }
        });
        return lut;
    }

    /// <summary>Maps one colour with tetrahedral interpolation (the colourist's expectation; exact on the grey axis).</summary>
    public Rgb Apply(Rgb v)
    {
        Span<float> px = [v.R, v.G, v.B, 1];
        (_kernel ??= new LutKernel(null, this)).Apply(px, px, 1, 1);
        return new Rgb(px[0], px[1], px[2]);
    }

    /// <summary>
    /// The four lattice corners and weights tetrahedral interpolation uses for a point with fractional cell position
    /// (fr, fg, fb) in 0..1: corners are bit codes (1 = +red, 2 = +green, 4 = +blue). Shared by apply and fitting so a
    /// fitted lattice minimises exactly the error of the interpolation that later applies it.
    /// </summary>
    public static void TetrahedronWeights(float fr, float fg, float fb, Span<int> corners, Span<float> weights)
    {
        // The unit cube splits into six tetrahedra along the grey diagonal, one per ordering of the fractions.
        int c1, c2;
        float hi, mid, lo;
        if (fr > fg)
        {
            if (fg > fb) { c1 = 1; c2 = 3; hi = fr; mid = fg; lo = fb; }
            else if (fr > fb) { c1 = 1; c2 = 5; hi = fr; mid = fb; lo = fg; }
            else { c1 = 4; c2 = 5; hi = fb; mid = fr; lo = fg; }
        }
        else
        {
            if (fb > fg) { c1 = 4; c2 = 6; hi = fb; mid = fg; lo = fr; }
            else if (fb > fr) { c1 = 2; c2 = 6; hi = fg; mid = fb; lo = fr; }
            else { c1 = 2; c2 = 3; hi = fg; mid = fr; lo = fb; }
        }
        corners[0] = 0;
        corners[1] = c1;
        corners[2] = c2;
        corners[3] = 7;
        weights[0] = 1 - hi;
        weights[1] = hi - mid;
        weights[2] = mid - lo;
        weights[3] = lo;
    }
}
