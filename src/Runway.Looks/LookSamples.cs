namespace Runway.Looks;

/// <summary>
/// Before/after colour pairs collected from images for fitting a look: RGB inputs and outputs in the same encoding
/// the LUT will be applied in (sRGB code values for ordinary stills).
/// </summary>
public sealed class LookSamples
{
    private readonly List<float> _before = [];
    private readonly List<float> _after = [];

    /// <summary>Number of pairs.</summary>
    public int Count => _before.Count / 3;

    /// <summary>Inputs, RGB interleaved.</summary>
    public IReadOnlyList<float> Before => _before;

    /// <summary>Outputs, RGB interleaved.</summary>
    public IReadOnlyList<float> After => _after;

    /// <summary>
    /// Adds every pixel of two aligned RGBA images (same size). Pixels transparent in either image or not finite are
    /// skipped. <paramref name="step"/> takes every n-th pixel only.
    /// </summary>
    public void AddImages(ReadOnlySpan<float> beforeRgba, ReadOnlySpan<float> afterRgba, int step = 1)
    {
        if (beforeRgba.Length != afterRgba.Length)
            throw new ArgumentException($"before and after images differ in size ({beforeRgba.Length / 4} vs {afterRgba.Length / 4} pixels); pairs must be aligned");
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "step is at least 1");
        for (var i = 0; i + 3 < beforeRgba.Length; i += 4 * step)
        {
            if (!(beforeRgba[i + 3] > 0) || !(afterRgba[i + 3] > 0)) continue;
            if (!float.IsFinite(beforeRgba[i] + beforeRgba[i + 1] + beforeRgba[i + 2] + afterRgba[i] + afterRgba[i + 1] + afterRgba[i + 2])) continue;
            _before.Add(beforeRgba[i]);
            _before.Add(beforeRgba[i + 1]);
            _before.Add(beforeRgba[i + 2]);
            _after.Add(afterRgba[i]);
            _after.Add(afterRgba[i + 1]);
            _after.Add(afterRgba[i + 2]);
        }
    }

    /// <summary>Adds one pair.</summary>
    public void Add(Rgb before, Rgb after)
    {
        _before.AddRange([before.R, before.G, before.B]);
        _after.AddRange([after.R, after.G, after.B]);
    }
}
