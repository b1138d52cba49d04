using System.Numerics;

namespace Runway.Effects.Engines.Extend;

/// <summary>
/// A 2-D similarity (rotation, uniform scale, translation) as the complex map z → A·z + B, with z = (x − cx) + i(y − cy)
/// in full-resolution pixels about the frame centre. The complex form makes the power Sⁿ exact in closed form for any
/// real n, which is what lets frame k of an extension be computed without rendering frames 1…k−1 first.
/// </summary>
/// <param name="A">Rotation and scale: |A| is the scale, arg A the angle.</param>
/// <param name="B">Translation, in pixels, applied after the rotation/scale about the centre.</param>
public readonly record struct Similarity(Complex A, Complex B)
{
    /// <summary>The identity map.</summary>
    public static Similarity Identity { get; } = new(Complex.One, Complex.Zero);

    /// <summary>Applies the map to a centred point.</summary>
    public Complex Apply(Complex z) => A * z + B;

    /// <summary>The inverse map.</summary>
    public Similarity Inverse() => new(Complex.One / A, -B / A);

    /// <summary>This map applied <paramref name="n"/> times (any real n ≥ 0; fractional n interpolates on the motion path).</summary>
    /// <remarks>Sⁿ(z) = Aⁿz + B(Aⁿ − 1)/(A − 1), and B·n when A = 1 (pure translation), the limit of the same formula.</remarks>
    public Similarity Power(double n)
    {
        if (n == 0) return Identity;
        var an = Complex.Exp(n * Complex.Log(A));
        var d = A - Complex.One;
        var b = d.Magnitude < 1e-9 ? B * n : B * (an - Complex.One) / d;
        return new Similarity(an, b);
    }

    /// <summary>The map's logarithm parameters, for averaging several steps: (log A, B).</summary>
    public (Complex LogA, Complex B) Log() => (Complex.Log(A), B);
}
