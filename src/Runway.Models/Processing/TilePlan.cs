using Runway.Models.Packs;

namespace Runway.Models.Processing;

/// <summary>One span of a frame axis processed in one model run, with how much it overlaps its neighbours.</summary>
/// <param name="OverlapBefore">Pixels shared with the previous span (0 at the frame's start).</param>
/// <param name="OverlapAfter">Pixels shared with the next span (0 at the frame's end).</param>
public readonly record struct Span1D(int Start, int Length, int OverlapBefore, int OverlapAfter);

/// <summary>
/// Splits frame axes into tiles and gives each tile pixel its blend weight. Tiles step by <c>tile − overlap</c>; the last
/// one is aligned to the frame's end (so it may overlap more). Weights are separable and, across any overlap, the two
/// tiles' weights sum to 1, so a model that agrees with itself on the overlap reproduces the untiled result exactly.
/// </summary>
public static class TilePlan
{
    /// <summary>The spans covering an axis of <paramref name="size"/> pixels; one span when no tiling applies or it fits.</summary>
    public static Span1D[] Axis(int size, TilingDeclaration? tiling)
    {
        if (tiling is null || size <= tiling.Tile) return [new Span1D(0, size, 0, 0)];
        var step = tiling.Tile - tiling.Overlap;
        var starts = new List<int>();
        for (var p = 0; ; p += step)
        {
            if (p + tiling.Tile >= size)
            {
                starts.Add(size - tiling.Tile);
                break;
            }
            starts.Add(p);
        }
        var spans = new Span1D[starts.Count];
        for (var i = 0; i < spans.Length; i++)
        {
            var before = i == 0 ? 0 : starts[i - 1] + tiling.Tile - starts[i];
            var after = i == spans.Length - 1 ? 0 : starts[i] + tiling.Tile - starts[i + 1];
            spans[i] = new Span1D(starts[i], tiling.Tile, before, after);
        }
        return spans;
    }

    /// <summary>
    /// Fills <paramref name="weights"/> (one per pixel of <paramref name="span"/>) with its blend weights. Feather: the
    /// outer quarter of each overlap gets 0 (a tile's own border is where padding artefacts live), the middle half a
    /// linear ramp, the rest 1. Cut: a hard switch in the middle of the overlap.
    /// </summary>
    public static void Weights(Span1D span, TileBlend blend, Span<float> weights)
    {
        for (var i = 0; i < span.Length; i++)
        {
            var w = 1f;
            if (span.OverlapBefore > 0) w *= Ramp(i, span.OverlapBefore, blend);
            if (span.OverlapAfter > 0) w *= Ramp(span.Length - 1 - i, span.OverlapAfter, blend);
            weights[i] = w;
        }
    }

    // Weight of a pixel `distance` pixels in from the tile edge, inside an overlap of `overlap` pixels. For the tile on
    // the other side the distance is overlap − 1 − distance, and the two weights sum to 1.
    private static float Ramp(int distance, int overlap, TileBlend blend)
    {
        if (distance >= overlap) return 1f;
        if (blend == TileBlend.Cut) return distance >= overlap / 2 ? 1f : 0f;
        var margin = overlap / 4;
        var ramp = overlap - 2 * margin;
        if (distance < margin) return 0f;
        if (distance >= overlap - margin) return 1f;
        return (distance - margin + 0.5f) / ramp;
    }
}
