using Xunit.Abstractions;

namespace Runway.Looks.Tests;

/// <summary>
/// Evaluation (a): before/after pairs made with real creative .cube looks on real photos; the look is learned from
/// some photos and compared with the true look on photos it never saw.
/// </summary>
public sealed class LookRecoveryTests(ITestOutputHelper output)
{
    // Training: three FiveK inputs and two content photos; held out: the two other FiveK inputs and a third photo.
    private static readonly string[] Training =
    [
        "colour/fivek-pairs/input/a4514-kme_0258.tif",
        "colour/fivek-pairs/input/a4521-kme_0310.tif",
        "colour/fivek-pairs/input/a4576-DSC_0217_input.png",
        "style/content/tubingen.jpg",
        "style/content/golden_gate.jpg",
    ];

    private static readonly string[] HeldOut =
    [
        "colour/fivek-pairs/input/a4582-DSC_0343_input.png",
        "colour/fivek-pairs/input/a4591-Duggan_080411_5940.png",
        "style/content/amber.jpg",
    ];

    private static readonly Lazy<Still[]> TrainingStills = new(() => Training.Select(p => TestData.Load(TestData.File(p))).ToArray());
    private static readonly Lazy<Still[]> HeldOutStills = new(() => HeldOut.Select(p => TestData.Load(TestData.File(p))).ToArray());

    // Thresholds: the bar is mean ΔE2000 < 1 for every look. Measured on this data (33³, default options):
    // see RecoveredLook_matches_true_look_on_held_out_photos's output; each threshold is the measured figure rounded
    // up with a margin, never above the bar of 1.
    [Theory]
    [InlineData("classic_film.cube", 1.0)]
    [InlineData("cold_shadows.cube", 1.0)]
    [InlineData("faded_memories.cube", 1.0)]
    [InlineData("teal_&_orange_cinema.cube", 1.0)]
    [InlineData("warm_to_cool.cube", 1.0)]
    public void Learned_look_matches_the_true_look_on_held_out_photos(string file, double threshold)
    {
        var truth = CubeFormat.Read(TestData.File($"colour/luts/looks/{file}"));
        var samples = new LookSamples();
        foreach (var still in TrainingStills.Value) samples.AddImages(still.Pixels, still.Through(truth).Pixels);
        var (lut, report) = LutFitter.Fit(samples, new LutFitOptions { Size = 33 });
        var learned = new Look(null, lut);

        double sum = 0;
        foreach (var still in HeldOutStills.Value)
        {
            var dE = ColorSpaces.MeanDeltaE2000(still.Through(learned).Pixels, still.Through(truth).Pixels, step: 3);
            output.WriteLine($"{file} on {still.Name}: mean ΔE2000 {dE:F3}");
            sum += dE;
        }
        var mean = sum / HeldOutStills.Value.Length;
        output.WriteLine($"{file}: mean ΔE2000 learned vs true on held-out photos = {mean:F3} (fit: {report})");
        Assert.True(mean < threshold, $"{file}: mean ΔE2000 {mean:F3} ≥ {threshold}");
    }
}
