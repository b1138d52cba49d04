using Runway.Effects.Quality;

namespace Runway.Effects.Tests;

public sealed class RotoscopeMetricsTests
{
    private const int W = 100;
    private const int H = 80;

    private static byte[] Box(int x0, int y0, int x1, int y1)
    {
        var m = new byte[W * H];
        for (var y = y0; y < y1; y++)
            for (var x = x0; x < x1; x++) m[y * W + x] = 1;
        return m;
    }

    [Fact]
    public void Region_similarity_is_intersection_over_union()
    {
        var a = Box(10, 10, 30, 30); // 400 px
        var b = Box(20, 10, 40, 30); // 400 px, 200 shared
        Assert.Equal(200.0 / 600.0, SegmentationMetrics.RegionSimilarity(a, b), 9);
        Assert.Equal(1.0, SegmentationMetrics.RegionSimilarity(a, a));
        Assert.Equal(0.0, SegmentationMetrics.RegionSimilarity(a, Box(50, 50, 60, 60)));
    }

    [Fact]
    public void Region_similarity_of_two_empty_masks_is_one()
    {
        Assert.Equal(1.0, SegmentationMetrics.RegionSimilarity(new byte[W * H], new byte[W * H]));
    }

    [Fact]
    public void Boundary_F_forgives_a_shift_within_the_tolerance_but_not_beyond()
    {
        // Tolerance: ceil(0.008 * diagonal 128) = 2 px.
        var truth = Box(20, 20, 60, 60);
        Assert.Equal(1.0, SegmentationMetrics.BoundaryF(truth, truth, W, H));
        Assert.Equal(1.0, SegmentationMetrics.BoundaryF(Box(22, 20, 62, 60), truth, W, H), 9);
        var far = SegmentationMetrics.BoundaryF(Box(30, 20, 70, 60), truth, W, H);
        Assert.InRange(far, 0.2, 0.7); // top and bottom edges still partly match, the sides do not
    }

    [Fact]
    public void Boundary_F_is_zero_when_only_one_mask_is_empty()
    {
        Assert.Equal(0.0, SegmentationMetrics.BoundaryF(new byte[W * H], Box(20, 20, 60, 60), W, H));
        Assert.Equal(1.0, SegmentationMetrics.BoundaryF(new byte[W * H], new byte[W * H], W, H));
    }
}
