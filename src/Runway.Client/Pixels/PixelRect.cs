namespace Runway.Client.Pixels;

/// <summary>A pixel rectangle in OFX convention: x1,y1 inclusive, x2,y2 exclusive, y up.</summary>
public readonly record struct PixelRect(int X1, int Y1, int X2, int Y2)
{
    /// <summary>Columns covered (0 when empty).</summary>
    public int Width => Math.Max(0, X2 - X1);

    /// <summary>Rows covered (0 when empty).</summary>
    public int Height => Math.Max(0, Y2 - Y1);

    /// <summary>True when the rectangle covers no pixel.</summary>
    public bool IsEmpty => X2 <= X1 || Y2 <= Y1;

    /// <summary>The overlap of two rectangles (possibly empty).</summary>
    public PixelRect Intersect(PixelRect other) =>
        new(Math.Max(X1, other.X1), Math.Max(Y1, other.Y1), Math.Min(X2, other.X2), Math.Min(Y2, other.Y2));

    /// <summary>A rectangle of the given size at the origin.</summary>
    public static PixelRect FromSize(int width, int height) => new(0, 0, width, height);

    /// <summary>
    /// The parts of this rectangle not covered by <paramref name="hole"/>, as up to four disjoint rectangles
    /// (below, above, left, right). Written into <paramref name="parts"/>; returns how many.
    /// </summary>
    public int Subtract(PixelRect hole, Span<PixelRect> parts)
    {
        if (IsEmpty) return 0;
        var inner = Intersect(hole);
        if (inner.IsEmpty)
        {
            parts[0] = this;
            return 1;
        }
        var n = 0;
        if (inner.Y1 > Y1) parts[n++] = new PixelRect(X1, Y1, X2, inner.Y1);
        if (inner.Y2 < Y2) parts[n++] = new PixelRect(X1, inner.Y2, X2, Y2);
        if (inner.X1 > X1) parts[n++] = new PixelRect(X1, inner.Y1, inner.X1, inner.Y2);
        if (inner.X2 < X2) parts[n++] = new PixelRect(inner.X2, inner.Y1, X2, inner.Y2);
        return n;
    }

    /// <inheritdoc/>
    public override string ToString() => $"({X1},{Y1})-({X2},{Y2})";
}
