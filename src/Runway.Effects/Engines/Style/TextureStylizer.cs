using OpenCvSharp;
using Runway.Effects.Definitions;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Style;

/// <summary>
/// Texture stylisation with OpenCV's non-photorealistic filters (Stylization, PencilSketch, DetailEnhance,
/// EdgePreservingFilter), which only take 8-bit pictures, applied to scene-linear float without losing its range.
/// </summary>
/// <remarks>
/// <para>HDR handling: each channel is tone-mapped to 0..1 by t = T(x): a square-root encoding (close to a display
/// transfer, cheap) that is kept as is up to <see cref="Knee"/> and rolled off smoothly toward 1 above it, so values
/// far above 1 stay distinct. The filter sees round(255 t); what it changes, Δ = filtered − quantised input, is added to
/// the unquantised t and the sum mapped back through T⁻¹. Pixels the filter leaves alone come back exactly (no 8-bit
/// banding), and highlights above 1 stay above 1 unless the filter really paints over them.</para>
/// <para>Draft: the filter runs on a copy reduced so its longer side is <see cref="DraftMaxSide"/>, and Δ is resized
/// back up; filter extents scale with the reduction so the look matches the final render.</para>
/// </remarks>
public static class TextureStylizer
{
    /// <summary>Longer side of the reduced picture interactive renders stylise.</summary>
    public const int DraftMaxSide = 640;

    /// <summary>Encoded value up to which the tone curve is the plain square root (1.0 linear encodes to 1).</summary>
    public const float Knee = 0.8f;

    /// <summary>Tone curve: scene-linear → 0..1 (see remarks).</summary>
    public static float ToneMap(float x)
    {
        var d = x >= 0 ? MathF.Sqrt(x) : -MathF.Sqrt(-x);
        if (d <= Knee) return d;
        var u = (d - Knee) / (1 - Knee);
        return Knee + (1 - Knee) * u / (1 + u);
    }

    /// <summary>Inverse of <see cref="ToneMap"/>; values at or above 1 come back as a large finite value.</summary>
    public static float ToneUnmap(float t)
    {
        float d;
        if (t <= Knee) d = t;
        else
        {
            var v = MathF.Min((t - Knee) / (1 - Knee), 0.999f);
            d = Knee + (1 - Knee) * v / (1 - v);
        }
        return d >= 0 ? d * d : -d * d;
    }

    /// <summary>
    /// Stylises <paramref name="image"/> in place (RGB; alpha untouched) with <paramref name="texture"/> (a
    /// <see cref="StyleTransferDefinition"/> texture option other than none), mixed in the tone-mapped domain by
    /// <paramref name="strength"/>. <paramref name="sigmaS"/> is the filters' spatial extent in this image's pixels.
    /// </summary>
    public static void Apply(FloatImage image, string texture, float strength, double sigmaS, bool draft, CancellationToken ct)
    {
        var (w, h) = (image.Width, image.Height);
        var scale = draft ? Math.Min(1.0, DraftMaxSide / (double)Math.Max(w, h)) : 1.0;
        var work = scale < 1 ? new Size(Math.Max(8, (int)Math.Round(w * scale)), Math.Max(8, (int)Math.Round(h * scale))) : new Size(w, h);

        // Tone-map in place; the image holds t until the end.
        ForRows(h, ct, y =>
        {
            var row = image.Row(y);
            for (var o = 0; o < row.Length; o += 4)
            {
                row[o] = ToneMap(row[o]);
                row[o + 1] = ToneMap(row[o + 1]);
                row[o + 2] = ToneMap(row[o + 2]);
            }
        });

        using var full = Mat.FromPixelData(h, w, MatType.CV_32FC4, image.Buffer);
        using var small = new Mat();
        if (work.Width != w || work.Height != h) Cv2.Resize(full, small, work, 0, 0, InterpolationFlags.Area);
        else full.CopyTo(small);
        using var bgr = new Mat();
        Cv2.CvtColor(small, bgr, ColorConversionCodes.RGBA2BGR);
        using var input8 = new Mat();
        bgr.ConvertTo(input8, MatType.CV_8UC3, 255);
        ct.ThrowIfCancellationRequested();

        using var styled = new Mat();
        var sigma = (float)Math.Clamp(sigmaS * scale, 1, 200);
        switch (texture)
        {
            case StyleTransferDefinition.TextureStylize:
                Cv2.Stylization(input8, styled, sigma, 0.45f);
                break;
            case StyleTransferDefinition.TexturePencil:
            {
                using var grey = new Mat();
                Cv2.PencilSketch(input8, grey, styled, sigma, 0.07f, 0.02f);
                break;
            }
            case StyleTransferDefinition.TextureDetailEnhance:
                Cv2.DetailEnhance(input8, styled, sigma, 0.15f);
                break;
            case StyleTransferDefinition.TextureEdgePreserving:
                Cv2.EdgePreservingFilter(input8, styled, EdgePreservingMethods.RecursFilter, sigma, 0.4f);
                break;
            default:
                throw new ArgumentException($"unknown texture '{texture}'", nameof(texture));
        }
        ct.ThrowIfCancellationRequested();

        // Δ in 0..1 units, RGB order, at full size.
        using var delta = new Mat();
        using (var styledF = new Mat())
        using (var inputF = new Mat())
        {
            styled.ConvertTo(styledF, MatType.CV_32FC3, 1.0 / 255);
            input8.ConvertTo(inputF, MatType.CV_32FC3, 1.0 / 255);
            using var diff = new Mat();
            Cv2.Subtract(styledF, inputF, diff);
            using var rgb = new Mat();
            Cv2.CvtColor(diff, rgb, ColorConversionCodes.BGR2RGB);
            if (work.Width != w || work.Height != h) Cv2.Resize(rgb, delta, new Size(w, h), 0, 0, InterpolationFlags.Linear);
            else rgb.CopyTo(delta);
        }
        if (!delta.IsContinuous()) throw new InvalidOperationException("OpenCV returned a non-contiguous delta");
        var deltaView = new Temporal.MatView(delta);
        ForRows(h, ct, y =>
        {
            var row = image.Row(y);
            var d = deltaView.Row<float>(y, 3);
            for (int x = 0, o = 0; x < w; x++, o += 4)
            {
                row[o] = ToneUnmap(row[o] + strength * d[x * 3]);
                row[o + 1] = ToneUnmap(row[o + 1] + strength * d[x * 3 + 1]);
                row[o + 2] = ToneUnmap(row[o + 2] + strength * d[x * 3 + 2]);
            }
        });
    }

    private static void ForRows(int height, CancellationToken ct, Action<int> row)
    {
        var bands = Math.Min(height, Environment.ProcessorCount * 4);
        Parallel.For(0, bands, new ParallelOptions { CancellationToken = ct }, band =>
        {
            for (var y = height * band / bands; y < height * (band + 1) / bands; y++) row(y);
        });
    }
}
