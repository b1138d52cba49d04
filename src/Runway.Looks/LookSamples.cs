namespace Runway.Looks;

/// <summary>
/// Before/after colour pairs collected from images for fitting a look: RGB inputs and outputs in the same encoding
/// the LUT will be applied in (sRGB code values for ordinary stills).
/// </summary>
public sealed class LookSamples
{
    private readonly List<float> _before = [];
    private readonly List<float> _after = [];
    private readonly List<int> _groupStarts = [];

    /// <summary>Number of pairs.</summary>
    public int Count => _before.Count / 3;

    /// <summary>Inputs, RGB interleaved.</summary>
    public IReadOnlyList<float> Before => _before;

    /// <summary>Outputs, RGB interleaved.</summary>
    public IReadOnlyList<float> After => _after;

    /// <summary>
    /// Number of groups: each <see cref="AddImages"/> call starts one (one photo or frame pair), and single pairs join
    /// the last group. Cross-validation holds out whole groups, because pixels of one photo are not independent.
    /// </summary>
    public int Groups => _groupStarts.Count;

    /// <summary>The pairs of one group.</summary>
    public LookSamples Group(int group) => Select(g => g == group);

    /// <summary>Every pair except those of one group.</summary>
    public LookSamples Without(int group) => Select(g => g != group);

    private LookSamples Select(Func<int, bool> keep)
    {
        var result = new LookSamples();
        for (var g = 0; g < _groupStarts.Count; g++)
        {
            if (!keep(g)) continue;
            int start = _groupStarts[g], end = g + 1 < _groupStarts.Count ? _groupStarts[g + 1] : Count;
            result._groupStarts.Add(result.Count);
            for (var i = start * 3; i < end * 3; i++)
            {
                result._before.Add(_before[i]);
                result._after.Add(_after[i]);
            }
        }
        return result;
    }

    /// <summary>
    /// Adds every pixel of two aligned RGBA images (same size). Pixels transparent in either image or not finite are
    /// skipped. <paramref name="step"/> takes every n-th pixel only.
    /// </summary>
    public void AddImages(ReadOnlySpan<float> beforeRgba, ReadOnlySpan<float> afterRgba, int step = 1)
    {
        if (beforeRgba.Length != afterRgba.Length)
            throw new ArgumentException($"before and after images differ in size ({beforeRgba.Length / 4} vs {afterRgba.Length / 4} pixels); pairs must be aligned");
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "step is at least 1");
        _groupStarts.Add(Count);
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
        if (_groupStarts.Count == 0) _groupStarts.Add(0);
        _before.AddRange([before.R, before.G, before.B]);
        _after.AddRange([after.R, after.G, after.B]);
    }

    /// <summary>
    /// These pairs with every input mapped through <paramref name="shaper"/> (outputs unchanged), for fitting a lattice
    /// that sits after that shaper: its inputs are then lattice coordinates, with HDR values above 1 spread over 0..1.
    /// </summary>
    public LookSamples Shaped(InputShaper shaper)
    {
        var shaped = new LookSamples();
        shaped._before.Capacity = _before.Count;
        shaped._after.AddRange(_after);
        shaped._groupStarts.AddRange(_groupStarts);
        foreach (var v in _before) shaped._before.Add(Math.Clamp(shaper.Forward(v), 0, 1));
        return shaped;
    }
}
