namespace Runway.Looks;

/// <summary>An RGB triple (code values or linear, as the context says).</summary>
public readonly record struct Rgb(float R, float G, float B)
{
    /// <summary>The same value in all three channels.</summary>
    public static Rgb All(float v) => new(v, v, v);

    /// <summary>Channel by index (0 = R, 1 = G, 2 = B).</summary>
    public float this[int channel] => channel switch
    {
        0 => R,
        1 => G,
        2 => B,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "channel is 0, 1 or 2"),
    };

    /// <inheritdoc />
    public override string ToString() => FormattableString.Invariant($"({R}, {G}, {B})");
}
