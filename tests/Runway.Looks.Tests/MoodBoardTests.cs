using Xunit.Abstractions;

namespace Runway.Looks.Tests;

/// <summary>Mood-board looks from real reference stills, applied to real photos.</summary>
public sealed class MoodBoardTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("starry_night.jpg", "golden_gate.jpg")]
    [InlineData("the_scream.jpg", "tubingen.jpg")]
    public void Mood_board_look_moves_a_photos_colour_statistics_towards_the_board(string reference, string photo)
    {
        var board = TestData.Load(TestData.File($"style/styles/{reference}"));
        var content = TestData.Load(TestData.File($"style/content/{photo}"));
        var lut = MoodBoard.Fit([board.Pixels], 33, sources: [content.Pixels], step: 2);
        var graded = content.Through(new Look(null, lut));
        var target = OklabStatistics.FromImages([board.Pixels], 2);
        var before = OklabStatistics.FromImages([content.Pixels], 2);
        var after = OklabStatistics.FromImages([graded.Pixels], 2);
        double Distance(OklabStatistics s) => ColorSpaces.DeltaE2000(MeanLab(s), MeanLab(target));
        output.WriteLine($"{photo} → {reference}: ΔE2000 of mean colours before {Distance(before):F2}, after {Distance(after):F2}");
        Assert.True(Distance(after) < 0.5 * Distance(before));
        // The chroma spread (a and b standard deviations) moves towards the board too.
        var spread = (double[,] c) => Math.Sqrt(c[1, 1] + c[2, 2]);
        Assert.True(Math.Abs(spread(after.Covariance) - spread(target.Covariance)) < Math.Abs(spread(before.Covariance) - spread(target.Covariance)));
    }

    [Fact]
    public void Mood_board_without_source_stills_adds_the_boards_cast_to_a_neutral_grey()
    {
        var board = TestData.Load(TestData.File("style/styles/starry_night.jpg"));
        var lut = MoodBoard.Fit([board.Pixels], 17, step: 2);
        var stats = OklabStatistics.FromImages([board.Pixels], 2);
        var grey = lut.Apply(Rgb.All(0.5f));
        var (_, a, b) = ColorSpaces.LinearToOklab(ColorSpaces.SrgbToLinear(grey.R), ColorSpaces.SrgbToLinear(grey.G), ColorSpaces.SrgbToLinear(grey.B));
        // Starry Night is blue: its mean b (blue–yellow) is negative, and mid grey takes on that direction.
        Assert.True(stats.Mean[2] < 0);
        Assert.True(b < stats.Mean[2] * 0.5, $"grey became a={a:F3} b={b:F3}; board mean b={stats.Mean[2]:F3}");
    }

    private static Lab MeanLab(OklabStatistics s)
    {
        var (r, g, b) = ColorSpaces.OklabToLinear(s.Mean[0], s.Mean[1], s.Mean[2]);
        return ColorSpaces.SrgbToLab(new Rgb((float)ColorSpaces.LinearToSrgb(r), (float)ColorSpaces.LinearToSrgb(g), (float)ColorSpaces.LinearToSrgb(b)));
    }
}
