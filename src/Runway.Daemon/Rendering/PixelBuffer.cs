namespace Runway.Daemon.Rendering;

/// <summary>
/// Where one frame's bytes are for a render: inside a mapped arena slot (kept alive by the render's arena lease) or
/// in a pooled array (inline path). Exactly <see cref="Length"/> bytes, the layout's span.
/// </summary>
internal readonly unsafe struct PixelBuffer
{
    private readonly byte[]? _array;
    private readonly nint _pointer;

    private PixelBuffer(byte[]? array, nint pointer, int length)
    {
        _array = array;
        _pointer = pointer;
        Length = length;
    }

    public int Length { get; }

    public bool IsEmpty => _array is null && _pointer == 0;

    public Span<byte> Span => _array is not null ? _array.AsSpan(0, Length) : new Span<byte>((void*)_pointer, Length);

    public static PixelBuffer OfArray(byte[] array, int length) => new(array, 0, length);

    public static PixelBuffer OfPointer(nint pointer, int length) => new(null, pointer, length);
}
