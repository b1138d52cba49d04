namespace Runway.Looks;

/// <summary>
/// A colour transform as a .cube file holds it: an optional 1D shaper (for log/HDR ranges), then an optional 3D LUT
/// (at least one of the two), with the file's title and comments carried along so they survive a round trip.
/// </summary>
public sealed class Look
{
    private LutKernel? _kernel;

    /// <summary>
    /// Creates a look; at least one table is required. <paramref name="inputShaper"/> is the exact form of a
    /// parametric shaper before <paramref name="cube"/>; when null it is taken from a <see cref="InputShaper.CommentTag"/>
    /// comment of a file that has both a 1D and a 3D table (the 1D table being its sampled copy).
    /// </summary>
    public Look(Lut1D? shaper, Lut3D? cube, string? title = null, IReadOnlyList<string>? comments = null, InputShaper? inputShaper = null)
    {
        if (shaper is null && cube is null && inputShaper is null) throw new ArgumentException("a look needs a 1D or a 3D table");
        if (inputShaper is not null && cube is null) throw new ArgumentException("an input shaper needs a 3D table after it");
        Shaper = shaper;
        Cube = cube;
        Title = title;
        Comments = comments ?? [];
        InputShaper = inputShaper ?? (shaper is not null && cube is not null ? InputShaper.FromComments(Comments) : null);
    }

    /// <summary>
    /// This look with another input shaper before its 3D table (null = none): the sampled table and the comment
    /// that carries it are replaced, so writing the look keeps both in step. A look without a 3D table is returned as is.
    /// </summary>
    public Look WithInputShaper(InputShaper? shaper)
    {
        if (Cube is null) return this;
        var comments = Comments.Where(c => !c.StartsWith(InputShaper.CommentTag, StringComparison.Ordinal)).ToList();
        if (shaper is null) return new Look(null, Cube, Title, comments);
        comments.Add(shaper.ToComment());
        return new Look(shaper.ToTable(), Cube, Title, comments, shaper);
    }

    /// <summary>Parametric shaper applied before <see cref="Cube"/> (instead of <see cref="Shaper"/>, its sampled copy), if any.</summary>
    public InputShaper? InputShaper { get; }

    /// <summary>1D table applied first (a pure 1D LUT when <see cref="Cube"/> is null).</summary>
    public Lut1D? Shaper { get; }

    /// <summary>3D table applied after the shaper.</summary>
    public Lut3D? Cube { get; }

    /// <summary>TITLE of the file, if any.</summary>
    public string? Title { get; }

    /// <summary>Comment lines (without the leading '#').</summary>
    public IReadOnlyList<string> Comments { get; }

    /// <summary>The prepared pixel loop (built once, shared by all threads).</summary>
    public LutKernel Kernel => _kernel ??= new LutKernel(Shaper, Cube, InputShaper);

    /// <summary>Maps one colour.</summary>
    public Rgb Apply(Rgb v)
    {
        Span<float> px = [v.R, v.G, v.B, 1];
        Kernel.Apply(px, px, 1, 1);
        return new Rgb(px[0], px[1], px[2]);
    }

    /// <summary>
    /// Applies the look to a tightly packed RGBA float image (rows of <paramref name="width"/> pixels), in bands of
    /// rows on every core. <paramref name="source"/> and <paramref name="destination"/> may be the same array.
    /// </summary>
    public void Apply(float[] source, float[] destination, int width, int height, float strength = 1, CancellationToken cancellationToken = default)
    {
        if (source.Length < (long)width * height * 4 || destination.Length < (long)width * height * 4)
            throw new ArgumentException($"buffers hold fewer than {width}x{height} RGBA pixels");
        var kernel = Kernel;
        // A few bands per core keep cores busy when one is shared; tiny images stay on one thread.
        var bands = (long)width * height < 65536 ? 1 : Math.Min(height, Environment.ProcessorCount * 4);
        var options = new ParallelOptions { CancellationToken = cancellationToken };
        Parallel.For(0, bands, options, band =>
        {
            var y0 = (int)((long)height * band / bands);
            var y1 = (int)((long)height * (band + 1) / bands);
            var start = y0 * width * 4;
            var length = (y1 - y0) * width * 4;
            kernel.Apply(source.AsSpan(start, length), destination.AsSpan(start, length), (y1 - y0) * width, strength);
        });
    }

    /// <summary>This look resampled onto a single 3D LUT of <paramref name="size"/> over <paramref name="domainMin"/>..<paramref name="domainMax"/> (shaper baked in).</summary>
    public Lut3D Bake(int size, Rgb domainMin, Rgb domainMax) => Lut3D.FromFunction(size, Apply, domainMin, domainMax);
}
