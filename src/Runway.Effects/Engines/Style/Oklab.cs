using System.Runtime.CompilerServices;

namespace Runway.Effects.Engines.Style;

/// <summary>
/// Single-precision linear sRGB ↔ Oklab for the per-pixel paths (the double-precision reference is
/// <see cref="Runway.Looks.ColorSpaces"/>). Works on any real input, negatives and values above 1 included: the cube
/// root is sign-preserving, so scene-linear HDR and out-of-gamut colours round-trip.
/// </summary>
public static class Oklab
{
    /// <summary>Linear sRGB → Oklab (L, a, b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FromLinear(float r, float g, float b, out float l, out float a, out float bb)
    {
        var lc = Cbrt(0.4122214708f * r + 0.5363325363f * g + 0.0514459929f * b);
        var mc = Cbrt(0.2119034982f * r + 0.6806995451f * g + 0.1073969566f * b);
        var sc = Cbrt(0.0883024619f * r + 0.2817188376f * g + 0.6299787005f * b);
        l = 0.2104542553f * lc + 0.7936177850f * mc - 0.0040720468f * sc;
        a = 1.9779984951f * lc - 2.4285922050f * mc + 0.4505937099f * sc;
        bb = 0.0259040371f * lc + 0.7827717662f * mc - 0.8086757660f * sc;
    }

    /// <summary>Oklab (L, a, b) → linear sRGB.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ToLinear(float l, float a, float bb, out float r, out float g, out float b)
    {
        var lc = l + 0.3963377774f * a + 0.2158037573f * bb;
        var mc = l - 0.1055613458f * a - 0.0638541728f * bb;
        var sc = l - 0.0894841775f * a - 1.2914855480f * bb;
        lc = lc * lc * lc;
        mc = mc * mc * mc;
        sc = sc * sc * sc;
        r = 4.0767416621f * lc - 3.3077115913f * mc + 0.2309699292f * sc;
        g = -1.2684380046f * lc + 2.6097574011f * mc - 0.3413193965f * sc;
        b = -0.0041960863f * lc - 0.7034186147f * mc + 1.7076147010f * sc;
    }

    /// <summary>
    /// Sign-preserving cube root: an exponent-bits first guess refined by three Newton steps (relative error below
    /// 1e-6 for normal floats). MathF.Cbrt costs several times more and the colour pass takes three per pixel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Cbrt(float x)
    {
        var a = MathF.Abs(x);
        if (!(a >= 1e-30f) || float.IsInfinity(a)) return float.IsNaN(x) ? 0f : MathF.Cbrt(x);
        var y = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(a) / 3 + 709921077);
        y = (2f * y + a / (y * y)) * (1f / 3f);
        y = (2f * y + a / (y * y)) * (1f / 3f);
        y = (2f * y + a / (y * y)) * (1f / 3f);
        return x < 0 ? -y : y;
    }
}
