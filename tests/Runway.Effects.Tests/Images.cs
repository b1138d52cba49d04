using Runway.Effects.Definitions;
using Runway.Effects.Pixels;

namespace Runway.Effects.Tests;

/// <summary>Small builders for synthetic test images and inpaint frames.</summary>
internal static class Images
{
    public static FloatImage Filled(int width, int height, Func<int, int, (float R, float G, float B, float A)> pixel)
    {
        var image = new FloatImage(width, height);
        for (var y = 0; y < height; y++)
        {
            var row = image.Row(y);
            for (var x = 0; x < width; x++)
            {
                var (r, g, b, a) = pixel(x, y);
                row[x * 4] = r;
                row[x * 4 + 1] = g;
                row[x * 4 + 2] = b;
                row[x * 4 + 3] = a;
            }
        }
        return image;
    }

    /// <summary>A mask image: white opaque where <paramref name="hole"/> is true, black opaque elsewhere.</summary>
    public static FloatImage Mask(int width, int height, Func<int, int, bool> hole) =>
        Filled(width, height, (x, y) => hole(x, y) ? (1f, 1f, 1f, 1f) : (0f, 0f, 0f, 1f));

    public static bool BitEqual(FloatImage a, FloatImage b) =>
        a.Width == b.Width && a.Height == b.Height &&
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.Pixels).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.Pixels));

    public static ParamSet InpaintParams(params (string Name, object Value)[] values) =>
        ParamSet.Bind(InpaintDefinition.Definition, values.ToDictionary(v => v.Name, v => v.Value));

    public static EffectFrame Frame(FloatImage source, FloatImage? mask, FloatImage output, ParamSet parameters,
        double renderScale = 1, bool interactive = false) =>
        new(source, mask, output, parameters, Time: 0, renderScale, interactive, InstanceId: "test");
}
