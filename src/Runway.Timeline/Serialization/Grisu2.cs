using System.Numerics;

namespace Runway.Timeline.Serialization;

/// <summary>
/// Shortest-digit generation for doubles by Florian Loitsch's Grisu2 ("Printing Floating-Point Numbers Quickly and
/// Accurately with Integers", PLDI 2010), the algorithm behind RapidJSON's writer and therefore OTIO's. Grisu2 always
/// reads back to the same double but, unlike .NET's "R", may pick a different last digit (24000/1001 is written
/// <c>23.976023976023979</c>, where "R" gives <c>…978</c>); matching it makes written files byte-identical to OTIO's.
/// </summary>
internal static class Grisu2
{
    private readonly record struct DiyFp(ulong F, int E)
    {
        public static DiyFp operator -(DiyFp a, DiyFp b) => new(a.F - b.F, a.E);

        // The high 64 bits of the 128-bit product, rounded half up.
        public static DiyFp operator *(DiyFp a, DiyFp b)
        {
            var product = (UInt128)a.F * b.F + ((UInt128)1 << 63);
            return new DiyFp((ulong)(product >> 64), a.E + b.E + 64);
        }

        public DiyFp Normalize()
        {
            var shift = BitOperations.LeadingZeroCount(F);
            return new DiyFp(F << shift, E - shift);
        }
    }

    private const ulong HiddenBit = 1UL << 52;
    private const ulong SignificandMask = HiddenBit - 1;

    // 10^(-348 + 8i) for i in 0..86 as normalized 64-bit significands (rounded to nearest) with binary exponents,
    // computed exactly once with big integers rather than transcribed.
    private static readonly DiyFp[] CachedPowers = Enumerable.Range(0, 87).Select(i => PowerOfTen(-348 + 8 * i)).ToArray();

    /// <summary>Entry <paramref name="index"/> of the cached powers of ten, for checking against published tables.</summary>
    internal static (ulong F, int E) CachedPowerAt(int index) => (CachedPowers[index].F, CachedPowers[index].E);

    private static readonly uint[] Pow10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

    /// <summary>Shortest digits of a finite, positive <paramref name="value"/>: value ≈ digits × 10^exponent.</summary>
    public static (string Digits, int Exponent) Digits(double value)
    {
        var bits = (ulong)BitConverter.DoubleToInt64Bits(value);
        var biased = (int)((bits >> 52) & 0x7FF);
        var significand = bits & SignificandMask;
        var v = biased != 0 ? new DiyFp(significand + HiddenBit, biased - 1075) : new DiyFp(significand, -1074);

        // Boundaries halfway to the neighbouring doubles, on the same exponent.
        var plus = new DiyFp((v.F << 1) + 1, v.E - 1).Normalize();
        var minus = v.F == HiddenBit ? new DiyFp((v.F << 2) - 1, v.E - 2) : new DiyFp((v.F << 1) - 1, v.E - 1);
        minus = new DiyFp(minus.F << (minus.E - plus.E), plus.E);

        var cached = CachedPower(plus.E, out var k);
        var w = v.Normalize() * cached;
        var wPlus = plus * cached;
        var wMinus = minus * cached;
        wMinus = wMinus with { F = wMinus.F + 1 };
        wPlus = wPlus with { F = wPlus.F - 1 };
        Span<char> buffer = stackalloc char[32];
        var length = DigitGen(w, wPlus, wPlus.F - wMinus.F, buffer, ref k);
        return (new string(buffer[..length]), k);
    }

    private static DiyFp CachedPower(int e, out int k)
    {
        var dk = (-61 - e) * 0.30102999566398114 + 347;
        var ik = (int)dk;
        if (dk - ik > 0.0) ik++;
        var index = (ik >> 3) + 1;
        k = -(-348 + index * 8);
        return CachedPowers[index];
    }

    private static int DigitGen(DiyFp w, DiyFp mp, ulong delta, Span<char> buffer, ref int k)
    {
        var one = new DiyFp(1UL << -mp.E, mp.E);
        var wpW = mp - w;
        var p1 = (uint)(mp.F >> -one.E);
        var p2 = mp.F & (one.F - 1);
        var kappa = DecimalDigits(p1);
        var length = 0;
        while (kappa > 0)
        {
            var divisor = Pow10[kappa - 1];
            var d = p1 / divisor;
            p1 %= divisor;
            if (d != 0 || length != 0) buffer[length++] = (char)('0' + d);
            kappa--;
            var rest = ((ulong)p1 << -one.E) + p2;
            if (rest <= delta)
            {
                k += kappa;
                Round(buffer, length, delta, rest, (ulong)Pow10[kappa] << -one.E, wpW.F);
                return length;
            }
        }
        while (true)
        {
            p2 *= 10;
            delta *= 10;
            var d = (char)(p2 >> -one.E);
            if (d != 0 || length != 0) buffer[length++] = (char)('0' + d);
            p2 &= one.F - 1;
            kappa--;
            if (p2 < delta)
            {
                k += kappa;
                var index = -kappa;
                Round(buffer, length, delta, p2, one.F, wpW.F * (index < 20 ? PowerOfTenUlong(index) : 0));
                return length;
            }
        }
    }

    // Moves the last digit down while that brings the number closer to the exact value and stays inside the bounds.
    private static void Round(Span<char> buffer, int length, ulong delta, ulong rest, ulong tenKappa, ulong wpW)
    {
        while (rest < wpW && delta - rest >= tenKappa &&
               (rest + tenKappa < wpW || wpW - rest > rest + tenKappa - wpW))
        {
            buffer[length - 1]--;
            rest += tenKappa;
        }
    }

    private static int DecimalDigits(uint n)
    {
        var digits = 1;
        while (digits < 10 && n >= Pow10[digits]) digits++;
        return digits;
    }

    private static ulong PowerOfTenUlong(int n)
    {
        ulong result = 1;
        for (var i = 0; i < n; i++) result *= 10;
        return result;
    }

    private static DiyFp PowerOfTen(int exponent)
    {
        if (exponent >= 0)
        {
            var n = BigInteger.Pow(10, exponent);
            var shift = (int)n.GetBitLength() - 64;
            var f = shift > 0 ? RoundedShift(n, shift) : n << -shift;
            if (f.GetBitLength() > 64) { f >>= 1; shift++; }
            return new DiyFp((ulong)f, shift);
        }
        var d = BigInteger.Pow(10, -exponent);
        var s = 63 + (int)d.GetBitLength();
        var q = RoundedDivide(BigInteger.One << s, d);
        while (q.GetBitLength() > 64) { s--; q = RoundedDivide(BigInteger.One << s, d); }
        while (q.GetBitLength() < 64) { s++; q = RoundedDivide(BigInteger.One << s, d); }
        return new DiyFp((ulong)q, -s);
    }

    private static BigInteger RoundedShift(BigInteger n, int shift) => (n + (BigInteger.One << (shift - 1))) >> shift;

    private static BigInteger RoundedDivide(BigInteger n, BigInteger d) => (2 * n + d) / (2 * d);
}
