namespace Runway.Looks;

/// <summary>
/// A per-channel 1D LUT (also the "shaper" before a 3D LUT): <see cref="Size"/> rows of RGB, evenly spaced over each
/// channel's domain. Inputs outside the domain are held at the end rows (clamped), as grading tools do.
/// </summary>
public sealed class Lut1D
{
    /// <summary>Creates a 1D LUT from rows of RGB (length = size × 3).</summary>
    public Lut1D(int size, float[] table, Rgb domainMin, Rgb domainMax)
    {
        if (size < 2) throw new ArgumentOutOfRangeException(nameof(size), size, "a 1D LUT needs at least 2 rows");
        if (table.Length != size * 3) throw new ArgumentException($"table has {table.Length} values, expected {size * 3}", nameof(table));
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

    /// <summary>Rows.</summary>
    public int Size { get; }

    /// <summary>Rows of RGB, row-major (row i at [3i, 3i+2]).</summary>
    public float[] Table { get; }

    /// <summary>Input value mapped to the first row, per channel.</summary>
    public Rgb DomainMin { get; }

    /// <summary>Input value mapped to the last row, per channel.</summary>
    public Rgb DomainMax { get; }

    /// <summary>True when every channel's domain is 0..1.</summary>
    public bool HasDefaultDomain => DomainMin == Rgb.All(0) && DomainMax == Rgb.All(1);

    /// <summary>True when all three channels share one domain (what Resolve's LUT_1D_INPUT_RANGE can express).</summary>
    public bool HasUniformDomain => DomainMin.R == DomainMin.G && DomainMin.G == DomainMin.B &&
                                    DomainMax.R == DomainMax.G && DomainMax.G == DomainMax.B;

    /// <summary>The identity over a domain.</summary>
    public static Lut1D Identity(int size, float min = 0, float max = 1)
    {
        var t = new float[size * 3];
        for (var i = 0; i < size; i++) t[i * 3] = t[i * 3 + 1] = t[i * 3 + 2] = min + (max - min) * i / (size - 1);
        return new Lut1D(size, t, Rgb.All(min), Rgb.All(max));
    }

    /// <summary>Maps one channel value by linear interpolation between rows.</summary>
    public float Apply(int channel, float value)
    {
        var min = DomainMin[channel];
        var x = (value - min) * ((Size - 1) / (DomainMax[channel] - min));
        // NaN compares false both ways and ends at row 0, keeping the output finite.
        if (!(x > 0)) return Table[channel];
        if (x >= Size - 1) return Table[(Size - 1) * 3 + channel];
        var i = (int)x;
        var f = x - i;
        var a = Table[i * 3 + channel];
        return a + (Table[(i + 1) * 3 + channel] - a) * f;
    }

    /// <summary>Maps an RGB triple.</summary>
    public Rgb Apply(Rgb v) => new(Apply(0, v.R), Apply(1, v.G), Apply(2, v.B));
}
