using Runway.Effects.Pixels;

namespace Runway.Benchmarks;

/// <summary>Synthetic frames the effect benchmarks render: deterministic, photo-like enough to exercise the engines.</summary>
internal static class BenchFrames
{
    /// <summary>
    /// A textured gradient with an HDR highlight (value 4), the scene shifted left by <paramref name="shift"/> pixels so
    /// consecutive frames look like a camera pan.
    /// </summary>
    public static FloatImage TexturedPan(int w, int h, int shift)
    {
        var image = new FloatImage(w, h);
        for (var y = 0; y < h; y++)
        {
            var row = image.Row(y);
            for (var x = 0; x < w; x++)
            {
                var u = x + shift;
                row[x * 4] = 0.1f + 0.6f * u / w + (u / 24 % 2) * 0.05f;
                row[x * 4 + 1] = 0.2f + 0.4f * y / h + ((u * 7 + y * 13) % 31) / 620f;
                row[x * 4 + 2] = 0.3f + 0.2f * MathF.Sin(u * 0.01f) * MathF.Cos(y * 0.013f);
                row[x * 4 + 3] = 1f;
                if ((u - 1300) * (u - 1300) + (y - 300) * (y - 300) < 2500) row[x * 4] = row[x * 4 + 1] = row[x * 4 + 2] = 4f;
            }
        }
        return image;
    }
}
