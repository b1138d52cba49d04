namespace Runway.Looks;

/// <summary>A CIE L*a*b* colour (D65 white).</summary>
public readonly record struct Lab(double L, double A, double B);

/// <summary>
/// Colour conversions used by look learning and evaluation. Images are read as sRGB code values (0..1); the sRGB
/// transfer function here is sign-preserving so out-of-range LUT outputs do not turn into NaN.
/// </summary>
public static class ColorSpaces
{
    // D65 reference white of the sRGB → XYZ matrix below (IEC 61966-2-1).
    private const double Xn = 0.95047, Yn = 1.0, Zn = 1.08883;

    /// <summary>sRGB code value → linear light.</summary>
    public static double SrgbToLinear(double v)
    {
        var a = Math.Abs(v);
        var l = a <= 0.04045 ? a / 12.92 : Math.Pow((a + 0.055) / 1.055, 2.4);
        return Math.CopySign(l, v);
    }

    /// <summary>Linear light → sRGB code value.</summary>
    public static double LinearToSrgb(double v)
    {
        var a = Math.Abs(v);
        var e = a <= 0.0031308 ? a * 12.92 : 1.055 * Math.Pow(a, 1 / 2.4) - 0.055;
        return Math.CopySign(e, v);
    }

    /// <summary>sRGB code values → CIE Lab (D65).</summary>
    public static Lab SrgbToLab(Rgb c)
    {
        double r = SrgbToLinear(c.R), g = SrgbToLinear(c.G), b = SrgbToLinear(c.B);
        var x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
        var y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
        var z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
        double fx = LabF(x / Xn), fy = LabF(y / Yn), fz = LabF(z / Zn);
        return new Lab(116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz));
    }

    private static double LabF(double t)
    {
        const double d = 6.0 / 29;
        return t > d * d * d ? Math.Cbrt(t) : t / (3 * d * d) + 4.0 / 29;
    }

    /// <summary>Linear sRGB → Oklab (L, a, b), Björn Ottosson's perceptual space.</summary>
    public static (double L, double A, double B) LinearToOklab(double r, double g, double b)
    {
        var l = Math.Cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
        var m = Math.Cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
        var s = Math.Cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
        return (0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s,
                1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s,
                0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s);
    }

    /// <summary>sRGB code values → Oklab as an <see cref="Rgb"/> triple (L, a, b); negative and above-1 values keep their sign.</summary>
    public static Rgb SrgbToOklab(Rgb c)
    {
        var (l, a, b) = LinearToOklab(SrgbToLinear(c.R), SrgbToLinear(c.G), SrgbToLinear(c.B));
        return new Rgb((float)l, (float)a, (float)b);
    }

    /// <summary>Oklab (L, a, b as an <see cref="Rgb"/> triple) → sRGB code values, unclipped: the inverse of <see cref="SrgbToOklab"/>.</summary>
    public static Rgb OklabToSrgb(Rgb lab)
    {
        var (r, g, b) = OklabToLinear(lab.R, lab.G, lab.B);
        return new Rgb((float)LinearToSrgb(r), (float)LinearToSrgb(g), (float)LinearToSrgb(b));
    }

    /// <summary>Oklab → linear sRGB.</summary>
    public static (double R, double G, double B) OklabToLinear(double lightness, double a, double b)
    {
        var l = lightness + 0.3963377774 * a + 0.2158037573 * b;
        var m = lightness - 0.1055613458 * a - 0.0638541728 * b;
        var s = lightness - 0.0894841775 * a - 1.2914855480 * b;
        l = l * l * l;
        m = m * m * m;
        s = s * s * s;
        return (4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
                -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
                -0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s);
    }

    /// <summary>
    /// CIEDE2000 colour difference (Sharma, Wu &amp; Dalal's formulation, kL = kC = kH = 1). About 1 is the smallest
    /// difference most viewers notice side by side.
    /// </summary>
    public static double DeltaE2000(Lab x, Lab y)
    {
        const double Pow25To7 = 6103515625.0; // 25^7
        var c1 = Math.Sqrt(x.A * x.A + x.B * x.B);
        var c2 = Math.Sqrt(y.A * y.A + y.B * y.B);
        var cMean = (c1 + c2) / 2;
        var cMean7 = Math.Pow(cMean, 7);
        var gFactor = 0.5 * (1 - Math.Sqrt(cMean7 / (cMean7 + Pow25To7)));
        var a1 = (1 + gFactor) * x.A;
        var a2 = (1 + gFactor) * y.A;
        var c1p = Math.Sqrt(a1 * a1 + x.B * x.B);
        var c2p = Math.Sqrt(a2 * a2 + y.B * y.B);
        var h1 = HueDegrees(x.B, a1);
        var h2 = HueDegrees(y.B, a2);

        var dL = y.L - x.L;
        var dC = c2p - c1p;
        double dh;
        if (c1p * c2p == 0) dh = 0;
        else if (Math.Abs(h2 - h1) <= 180) dh = h2 - h1;
        else if (h2 - h1 > 180) dh = h2 - h1 - 360;
        else dh = h2 - h1 + 360;
        var dH = 2 * Math.Sqrt(c1p * c2p) * Math.Sin(Rad(dh / 2));

        var lMean = (x.L + y.L) / 2;
        var cMeanP = (c1p + c2p) / 2;
        double hMean;
        if (c1p * c2p == 0) hMean = h1 + h2;
        else if (Math.Abs(h1 - h2) <= 180) hMean = (h1 + h2) / 2;
        else if (h1 + h2 < 360) hMean = (h1 + h2 + 360) / 2;
        else hMean = (h1 + h2 - 360) / 2;

        var t = 1 - 0.17 * Math.Cos(Rad(hMean - 30)) + 0.24 * Math.Cos(Rad(2 * hMean))
                + 0.32 * Math.Cos(Rad(3 * hMean + 6)) - 0.20 * Math.Cos(Rad(4 * hMean - 63));
        var dTheta = 30 * Math.Exp(-Math.Pow((hMean - 275) / 25, 2));
        var cMeanP7 = Math.Pow(cMeanP, 7);
        var rc = 2 * Math.Sqrt(cMeanP7 / (cMeanP7 + Pow25To7));
        var l50 = (lMean - 50) * (lMean - 50);
        var sl = 1 + 0.015 * l50 / Math.Sqrt(20 + l50);
        var sc = 1 + 0.045 * cMeanP;
        var sh = 1 + 0.015 * cMeanP * t;
        var rt = -Math.Sin(Rad(2 * dTheta)) * rc;

        var tl = dL / sl;
        var tc = dC / sc;
        var th = dH / sh;
        return Math.Sqrt(tl * tl + tc * tc + th * th + rt * tc * th);
    }

    /// <summary>ΔE2000 between two sRGB code-value colours.</summary>
    public static double DeltaE2000(Rgb x, Rgb y) => DeltaE2000(SrgbToLab(x), SrgbToLab(y));

    /// <summary>
    /// Mean ΔE2000 over corresponding RGBA pixels of two images (sRGB code values), every <paramref name="step"/>-th pixel.
    /// </summary>
    public static double MeanDeltaE2000(ReadOnlySpan<float> first, ReadOnlySpan<float> second, int step = 1)
    {
        if (first.Length != second.Length) throw new ArgumentException("images differ in size");
        double sum = 0;
        long n = 0;
        for (var i = 0; i < first.Length; i += 4 * step)
        {
            sum += DeltaE2000(new Rgb(first[i], first[i + 1], first[i + 2]), new Rgb(second[i], second[i + 1], second[i + 2]));
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }

    private static double HueDegrees(double b, double a)
    {
        if (a == 0 && b == 0) return 0;
        var h = Math.Atan2(b, a) * 180 / Math.PI;
        return h < 0 ? h + 360 : h;
    }

    private static double Rad(double degrees) => degrees * Math.PI / 180;
}
