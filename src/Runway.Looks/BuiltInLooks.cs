namespace Runway.Looks;

/// <summary>A look the project defines itself (as a formula), shipped as a .cube under presets/learned-look/looks.</summary>
/// <param name="Name">File name without extension, and the name presets use.</param>
/// <param name="Title">TITLE written in the file.</param>
/// <param name="Description">What the look does, for colourists.</param>
/// <param name="Transform">The look on display-referred code values (0..1 in, 0..1 out).</param>
public sealed record BuiltInLook(string Name, string Title, string Description, Func<Rgb, Rgb> Transform)
{
    /// <summary>The look baked to a 17³ table, as shipped.</summary>
    public Look ToLook() => new(null, Lut3D.FromFunction(BuiltInLooks.Size, Transform), Title,
        [$"runway built-in look: {Description}", "made by Runway Plugins from a formula (BuiltInLooks.cs); no third-party LUT"]);
}

/// <summary>
/// The built-in looks. They are formulas, not copies of anyone's LUTs: each is a luminance tone curve plus a split
/// tone or saturation change on code values, smooth so a 33³ lattice reproduces them closely. The shipped .cube files
/// are these formulas baked (a test checks that the files still match).
/// </summary>
public static class BuiltInLooks
{
    /// <summary>Lattice size of the shipped files: the formulas are smooth, so 17³ reproduces them (and keeps the repository small).</summary>
    public const int Size = 17;

    /// <summary>Every built-in look.</summary>
    public static IReadOnlyList<BuiltInLook> All { get; } =
    [
        new("warm-print", "Warm Print",
            "soft film-print contrast, lifted blacks, warm highlights and slightly muted saturation", WarmPrint),
        new("teal-orange", "Teal & Orange",
            "shadows pushed to teal, skin and highlights to orange, mild contrast", TealOrange),
        new("bleach-bypass", "Bleach Bypass",
            "half the saturation, harder contrast, the silver-retention look", BleachBypass),
    ];

    // Rec.709 luma weights on code values: the weighting colourists' lift/gamma/gain tools use.
    private static float Luma(Rgb v) => 0.2126f * v.R + 0.7152f * v.G + 0.0722f * v.B;

    // A smooth S-curve through (0,0), (0.5,0.5), (1,1); amount 0 = identity.
    private static float SCurve(float x, float amount)
    {
        var c = Math.Clamp(x, 0, 1);
        var s = c * c * (3 - 2 * c);
        return c + (s - c) * amount;
    }

    private static Rgb Saturate(Rgb v, float amount)
    {
        var y = Luma(v);
        return new Rgb(y + (v.R - y) * amount, y + (v.G - y) * amount, y + (v.B - y) * amount);
    }

    private static Rgb Clamp01(Rgb v) => new(Math.Clamp(v.R, 0, 1), Math.Clamp(v.G, 0, 1), Math.Clamp(v.B, 0, 1));

    private static Rgb WarmPrint(Rgb v)
    {
        var s = Saturate(v, 0.85f);
        var y = Luma(s);
        var t = SCurve(y, 0.35f);
        var ratio = y > 1e-4f ? t / y : 1;
        // Lift the blacks a little (a print never reaches zero) and warm in proportion to brightness.
        var warm = t * t;
        return Clamp01(new Rgb(
            0.03f + 0.95f * s.R * ratio + 0.05f * warm,
            0.03f + 0.95f * s.G * ratio + 0.01f * warm,
            0.03f + 0.95f * s.B * ratio - 0.05f * warm));
    }

    private static Rgb TealOrange(Rgb v)
    {
        var y = Luma(v);
        var t = SCurve(y, 0.25f);
        var ratio = y > 1e-4f ? t / y : 1;
        var shadow = (1 - t) * (1 - t);
        var highlight = t * t;
        return Clamp01(new Rgb(
            v.R * ratio - 0.06f * shadow + 0.07f * highlight,
            v.G * ratio + 0.01f * shadow + 0.01f * highlight,
            v.B * ratio + 0.06f * shadow - 0.07f * highlight));
    }

    private static Rgb BleachBypass(Rgb v)
    {
        var s = Saturate(v, 0.5f);
        var y = Luma(s);
        var t = SCurve(y, 0.6f);
        var ratio = y > 1e-4f ? t / y : 1;
        return Clamp01(new Rgb(s.R * ratio, s.G * ratio, s.B * ratio));
    }
}
