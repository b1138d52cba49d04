using System.Runtime.InteropServices;

namespace Runway.Benchmarks;

/// <summary>Page-aligned unmanaged memory standing in for a host's image buffer.</summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    public NativeBuffer(long bytes)
    {
        Bytes = bytes;
        Pointer = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 4096);
        // Touch every page so first-use page faults are not billed to whatever runs first.
        new Span<byte>(Pointer, checked((int)Math.Min(bytes, int.MaxValue))).Fill(0x5A);
        if (bytes > int.MaxValue) new Span<byte>(Pointer + int.MaxValue, (int)(bytes - int.MaxValue)).Fill(0x5A);
    }

    public byte* Pointer { get; private set; }
    public long Bytes { get; }

    public void CopyTo(NativeBuffer other) => Buffer.MemoryCopy(Pointer, other.Pointer, other.Bytes, Bytes);

    public void Dispose()
    {
        if (Pointer == null) return;
        NativeMemory.AlignedFree(Pointer);
        Pointer = null;
    }
}
