using Runway.Effects.Definitions;
using Runway.Effects.Engines.Style;
using Runway.Effects.Pixels;
using Runway.Effects.Quality;
using Runway.Looks;
using Xunit.Abstractions;

namespace Runway.Effects.Tests;

/// <summary>
/// Style transfer on real pictures and real video (shared testdata: style/{content,styles}, clips/01_dog.mp4), at
/// reduced size to keep the suite quick. Thresholds are measured figures with a margin, written down with the reason.
/// </summary>
public sealed class StyleTransferQualityTests(ITestOutputHelper output)
{
    private const int PictureSide = 320;

    private static readonly string[] Contents = ["amber.jpg", "golden_gate.jpg", "tubingen.jpg"];
    private static readonly string[] Styles = ["mosaic.jpg", "starry_night.jpg", "the_scream.jpg", "udnie.jpg"];

    // Measured 2026-11-24 (3 contents × 4 styles at 320 px, colour stage only, output clamped to 0..1 as an SDR display
    // shows it). Untouched content vs reference: mean ΔE2000 of means 15.50, covariance distance 6.77.
    //   covariance:  means 0.34 (worst pair 1.23), covariance distance 0.45 — matches both moments by construction;
    //                what is left is gamut clipping.
    //   histogram:   means 0.69 (worst 1.68), covariance distance 3.60 — per-channel matching ignores correlations.
    //   mean-spread: means 0.85 (worst 2.20), covariance distance 4.37 — per-channel spread only.
    // Thresholds: about twice the measured figure (clipping depends on the decoder and resize), still a large drop.
    [Theory]
    [InlineData(StyleTransferDefinition.ColourCovariance, 1.0, 2.5, 1.0)]
    [InlineData(StyleTransferDefinition.ColourHistogram, 1.5, 3.0, 4.5)]
    [InlineData(StyleTransferDefinition.ColourMeanSpread, 1.7, 4.0, 5.3)]
    public void Colour_statistics_move_toward_the_reference_on_real_pictures(string method, double maxMeanDe, double maxWorstMeanDe, double maxCovarianceDe)
    {
        var engine = new StyleTransferEngine();
        // The colour stage alone: texture stylisation changes colour statistics on purpose (inked edges darken the
        // mean), which would blur what this measures. The contact sheet shows colour only too.
        var parameters = StyleTransferMedia.Params(
            (StyleTransferDefinition.ParamColourMethod, method),
            (StyleTransferDefinition.ParamTexture, StyleTransferDefinition.TextureNone));
        var styles = Styles.Select(s => StyleTransferMedia.LoadLinear(TestData.File($"style/styles/{s}"), PictureSide)).ToList();
        var contents = Contents.Select(c => StyleTransferMedia.LoadLinear(TestData.File($"style/content/{c}"), PictureSide)).ToList();
        double meanBefore = 0, meanAfter = 0, covBefore = 0, covAfter = 0, worstMeanAfter = 0;
        var pairs = 0;
        var sheet = new List<IReadOnlyList<FloatImage>>();
        var outputs = new List<FloatImage>();
        try
        {
            foreach (var content in contents)
            {
                var row = new List<FloatImage> { content };
                var contentStats = ColourStatistics.Measure(content, 60_000, quantiles: false);
                foreach (var style in styles)
                {
                    var result = new FloatImage(content.Width, content.Height);
                    outputs.Add(result);
                    engine.Render(StyleTransferMedia.Frame(content, result, parameters, style), CancellationToken.None);
                    var styleStats = ColourStatistics.Measure(style, 60_000, quantiles: false);
                    // Measured as shown on an SDR display (clamped to 0..1): colours the transfer pushes out of gamut count
                    // where they land on screen, not where the unclipped float says.
                    using var shown = Clamped(result);
                    var resultStats = ColourStatistics.Measure(shown, 60_000, quantiles: false);
                    var mb = ColorSpaces.DeltaE2000(contentStats.MeanLab(), styleStats.MeanLab());
                    var ma = ColorSpaces.DeltaE2000(resultStats.MeanLab(), styleStats.MeanLab());
                    var cb = styleStats.CovarianceDistanceE2000(contentStats);
                    var ca = styleStats.CovarianceDistanceE2000(resultStats);
                    output.WriteLine($"{method} {pairs}: mean ΔE2000 {mb:0.00} → {ma:0.00}, covariance distance {cb:0.00} → {ca:0.00}");
                    meanBefore += mb;
                    meanAfter += ma;
                    covBefore += cb;
                    covAfter += ca;
                    worstMeanAfter = Math.Max(worstMeanAfter, ma);
                    Assert.True(ma < mb && ca < cb, $"pair {pairs}: statistics did not move toward the reference");
                    pairs++;
                    row.Add(result);
                }
                sheet.Add(row);
            }
            sheet.Insert(0, [contents[0], .. styles]);
            output.WriteLine(StyleTransferMedia.WriteContactSheet($"colour-{method}", sheet, 160));
            meanBefore /= pairs;
            meanAfter /= pairs;
            covBefore /= pairs;
            covAfter /= pairs;
            output.WriteLine($"{method}: mean over {pairs} pairs: mean ΔE2000 {meanBefore:0.00} → {meanAfter:0.00} (worst {worstMeanAfter:0.00}), covariance distance {covBefore:0.00} → {covAfter:0.00}");
            Assert.True(meanBefore > 10 && covBefore > 5, "the pairs should start far apart; the data changed?");
            Assert.True(meanAfter <= maxMeanDe, $"mean ΔE2000 of means {meanAfter:0.00} > {maxMeanDe}");
            Assert.True(worstMeanAfter <= maxWorstMeanDe, $"worst pair's ΔE2000 of means {worstMeanAfter:0.00} > {maxWorstMeanDe}");
            Assert.True(covAfter <= maxCovarianceDe, $"mean covariance distance {covAfter:0.00} > {maxCovarianceDe}");
        }
        finally
        {
            foreach (var i in outputs.Concat(styles).Concat(contents)) i.Dispose();
        }
    }

    private static FloatImage Clamped(FloatImage image)
    {
        var copy = new FloatImage(image.Width, image.Height);
        var src = image.Pixels;
        var dst = copy.Pixels;
        for (var i = 0; i < src.Length; i++) dst[i] = Math.Clamp(src[i], 0f, 1f);
        return copy;
    }

    // Measured 2026-11-24: warped flicker (TemporalMetrics, motion from the clean frames) of pencil-textured output,
    // 01_dog.mp4 frames 60–64 at 360 px: 0.0216 per-frame, 0.0144 with stabilisation 0.5 (ratio 0.67; re-measured
    // 2026-11-24: 0.0196 → 0.0131, 0.67). The threshold, tightened from 0.85, is the
    // measured ratio plus 0.05, as flow on other builds may differ slightly.
    [Fact]
    public void Stabilisation_lowers_flicker_on_real_video()
    {
        var frames = StyleTransferMedia.LoadVideo(TestData.File("clips/01_dog.mp4"), 60, 5, 360);
        using var style = StyleTransferMedia.LoadLinear(TestData.File("style/styles/starry_night.jpg"), PictureSide);
        var engine = new StyleTransferEngine();
        var outputs = new List<FloatImage>();
        try
        {
            double Flicker(double stabilisation, string texture)
            {
                var p = StyleTransferMedia.Params(
                    (StyleTransferDefinition.ParamTexture, texture),
                    (StyleTransferDefinition.ParamTemporal, stabilisation));
                var rendered = new List<FloatImage>();
                for (var t = 0; t < frames.Count; t++)
                {
                    var result = new FloatImage(frames[t].Width, frames[t].Height);
                    outputs.Add(result);
                    IReadOnlyList<TimedImage> neighbours = t > 0 ? [new TimedImage(t - 1, frames[t - 1], null)] : [];
                    engine.Render(StyleTransferMedia.Frame(frames[t], result, p, style, t, neighbours), CancellationToken.None);
                    rendered.Add(result);
                }
                var mask = Enumerable.Repeat((byte)1, frames[0].Width * frames[0].Height).ToArray();
                double sum = 0;
                for (var t = 1; t < frames.Count; t++) sum += TemporalMetrics.WarpedFlicker(rendered[t - 1], rendered[t], frames[t - 1], frames[t], mask);
                return sum / (frames.Count - 1);
            }
            // Pencil: the texture whose per-frame decisions (hatching) boil most, so the one that needs stabilising.
            var plain = Flicker(0, StyleTransferDefinition.TexturePencil);
            var plainFrames = outputs.ToList();
            var stable = Flicker(0.5, StyleTransferDefinition.TexturePencil);
            output.WriteLine($"pencil on 01_dog.mp4 frames 60-64 at 360 px: flicker unstabilised {plain:0.0000}, stabilised 0.5 {stable:0.0000} (ratio {stable / plain:0.00})");
            output.WriteLine(StyleTransferMedia.WriteContactSheet("stabilisation-pencil",
                [frames, plainFrames, outputs.Skip(plainFrames.Count).ToList()], 160));
            Assert.True(stable <= 0.72 * plain, $"stabilised flicker ratio {stable / plain:0.00} > 0.72");
        }
        finally
        {
            foreach (var i in outputs.Concat(frames)) i.Dispose();
        }
    }

    // The draft's stabilisation (reduced copies cached, blended at ≤640 px and upsampled) on 01_dog.mp4 frames 60–64 at
    // 960 px, rendered in order so each previous draft is cached. Measured 2026-11-24 (Release), pencil after
    // starry_night: warped flicker 0.02281 per-frame, 0.01787 stabilised 0.5 (ratio 0.78). With a synthetic warm
    // reference the full-size blend this replaced gave ratio 0.72 against 0.77 here, but it also mixed a resampled,
    // softer copy of the previous frame into the full-size detail (see TemporalStabilizer.BlendReduced).
    // Re-measured 2026-11-24 (Release, load about 20): ratio 0.783, sharpness (mean |Laplacian| of √luminance) 0.04952 →
    // 0.04786, −3.3%. At 1280 px the full-size blend the draft used before lost 5.5% (6.1% with a warm reference) for
    // ratio 0.76 — see TemporalStabilizer.BlendReduced. Thresholds: the measured ratio plus 0.04 (Farnebäck flow from
    // another OpenCV build may differ a little), and a sharpness loss between this blend's and the full-size blend's,
    // so that buying flicker back with blur fails here.
    private const double MaxDraftFlickerRatio = 0.82;
    private const double MaxDraftSharpnessLoss = 0.045;

    [Fact]
    public void Draft_stabilisation_lowers_flicker_on_real_video()
    {
        var frames = StyleTransferMedia.LoadVideo(TestData.File("clips/01_dog.mp4"), 60, 5, 960);
        using var style = StyleTransferMedia.LoadLinear(TestData.File("style/styles/starry_night.jpg"), PictureSide);
        var outputs = new List<FloatImage>();
        try
        {
            double sharpness = 0;
            double Flicker(double stabilisation)
            {
                sharpness = 0;
                var engine = new StyleTransferEngine();
                var p = StyleTransferMedia.Params(
                    (StyleTransferDefinition.ParamTexture, StyleTransferDefinition.TexturePencil),
                    (StyleTransferDefinition.ParamTemporal, stabilisation));
                var rendered = new List<FloatImage>();
                for (var t = 0; t < frames.Count; t++)
                {
                    var result = new FloatImage(frames[t].Width, frames[t].Height);
                    outputs.Add(result);
                    IReadOnlyList<TimedImage> neighbours = t > 0 ? [new TimedImage(t - 1, frames[t - 1], null)] : [];
                    var r = engine.Render(StyleTransferMedia.Frame(frames[t], result, p, style, t, neighbours, interactive: true), CancellationToken.None);
                    if (t > 0 && stabilisation > 0) Assert.Contains(r.Notes, n => n.StartsWith("draft: stabilised", StringComparison.Ordinal));
                    if (t > 0) sharpness += StyleTransferMedia.Sharpness(result) / (frames.Count - 1);
                    rendered.Add(result);
                }
                var mask = Enumerable.Repeat((byte)1, frames[0].Width * frames[0].Height).ToArray();
                double sum = 0;
                for (var t = 1; t < frames.Count; t++) sum += TemporalMetrics.WarpedFlicker(rendered[t - 1], rendered[t], frames[t - 1], frames[t], mask);
                return sum / (frames.Count - 1);
            }
            var plain = Flicker(0);
            var plainSharpness = sharpness;
            var stable = Flicker(0.5);
            var sharpnessChange = sharpness / plainSharpness - 1;
            output.WriteLine($"draft pencil on 01_dog.mp4 frames 60-64 at 960 px: flicker unstabilised {plain:0.00000}, stabilised 0.5 {stable:0.00000} (ratio {stable / plain:0.000}); sharpness {plainSharpness:0.00000} → {sharpness:0.00000} ({sharpnessChange:+0.0%;-0.0%})");
            Assert.True(stable <= MaxDraftFlickerRatio * plain, $"stabilised draft flicker ratio {stable / plain:0.000} > {MaxDraftFlickerRatio}");
            Assert.True(sharpnessChange >= -MaxDraftSharpnessLoss, $"stabilisation softened the draft by {-sharpnessChange:0.0%} (allowed {MaxDraftSharpnessLoss:0%})");
        }
        finally
        {
            foreach (var i in outputs.Concat(frames)) i.Dispose();
        }
    }
}
