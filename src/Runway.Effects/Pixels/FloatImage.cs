using System.Buffers;

namespace Runway.Effects.Pixels;

/// <summary>
/// The working image every engine sees: RGBA float32, scene-linear, straight (un-premultiplied) alpha,
/// rows top-down and tightly packed. The buffer is rented from the shared pool and returned on dispose.
/// </summary>
public sealed class FloatImage : IDisposable
{
    private float[]? _buffer;

    public FloatImage(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} is not positive");
        Width = width;
        Height = height;
        _buffer = ArrayPool<float>.Shared.Rent(checked(width * height * 4));
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Floats per row (4 per pixel).</summary>
    public int Stride => Width * 4;

    /// <summary>All pixels, row-major, RGBA interleaved.</summary>
    public Span<float> Pixels => Buffer.AsSpan(0, Width * Height * 4);

    public Span<float> Row(int y) => Buffer.AsSpan(y * Stride, Stride);

    /// <summary>The pooled array behind the pixels (may be longer than needed); for interop such as OpenCV Mat wrapping.</summary>
    public float[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(FloatImage));

    public void CopyTo(FloatImage other)
    {
        if (other.Width != Width || other.Height != Height) throw new ArgumentException("image sizes differ", nameof(other));
        Pixels.CopyTo(other.Pixels);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null) ArrayPool<float>.Shared.Return(buffer);
    }
}
