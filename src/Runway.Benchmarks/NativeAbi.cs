using System.Runtime.InteropServices;
using System.Text;

namespace Runway.Benchmarks;

/// <summary>
/// libRunwayClient.so loaded the way the OFX shim loads it, to time renders through the C ABI
/// (structs mirror src/Runway.Client/include/runway_client.h).
/// </summary>
public sealed unsafe class NativeAbi : IDisposable
{
    [StructLayout(LayoutKind.Sequential)]
    public struct RwImage
    {
        public void* Data;
        public long RowBytes;
        public int X1, Y1, X2, Y2;
        public int Components, Depth, Alpha, Reserved;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct RwRenderRequest
    {
        public uint StructSize;
        public byte* EffectId;
        public byte* InstanceId;
        public double Time;
        public int WindowX1, WindowY1, WindowX2, WindowY2;
        public double RenderScaleX, RenderScaleY;
        public double PixelAspect;
        public int Interactive;
        public int TimeoutMs;
        public RwImage* Source;
        public RwImage* Mask;
        public RwImage* Output;
        public void* Params;
        public int ParamCount;
        public void* AbortFn;
        public void* AbortUser;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct RwError
    {
        public int Code;
        public fixed byte Message[1024];

        public readonly string Text()
        {
            fixed (byte* m = Message) return Marshal.PtrToStringUTF8((nint)m) ?? "";
        }
    }

    private readonly nint _library;
    private readonly delegate* unmanaged<int> _abiVersion;
    private readonly delegate* unmanaged<byte*, RwError*, void*> _create;
    private readonly delegate* unmanaged<void*, void> _destroy;
    private readonly delegate* unmanaged<void*, RwRenderRequest*, RwError*, int> _render;
    private void* _client;

    public NativeAbi(string path)
    {
        _library = NativeLibrary.Load(path);
        _abiVersion = (delegate* unmanaged<int>)NativeLibrary.GetExport(_library, "rw_abi_version");
        _create = (delegate* unmanaged<byte*, RwError*, void*>)NativeLibrary.GetExport(_library, "rw_client_create");
        _destroy = (delegate* unmanaged<void*, void>)NativeLibrary.GetExport(_library, "rw_client_destroy");
        _render = (delegate* unmanaged<void*, RwRenderRequest*, RwError*, int>)NativeLibrary.GetExport(_library, "rw_client_render");
        if (_abiVersion() != 1) throw new InvalidOperationException($"libRunwayClient ABI {_abiVersion()}, expected 1");
        RwError error;
        var name = Encoding.UTF8.GetBytes("runway-bench(c-abi)\0");
        fixed (byte* n = name) _client = _create(n, &error);
        if (_client == null) throw new InvalidOperationException($"rw_client_create failed: {error.Text()}");
    }

    /// <summary>Renders <paramref name="effectId"/> from one RGBA buffer to another through rw_client_render.</summary>
    public void Render(string effectId, NativeBuffer source, NativeBuffer output, int width, int height, int depth, int bytesPerPixel)
    {
        var id = Encoding.UTF8.GetBytes(effectId + "\0");
        var src = new RwImage { Data = source.Pointer, RowBytes = (long)width * bytesPerPixel, X2 = width, Y2 = height, Components = 1, Depth = depth, Alpha = 1 };
        var dst = src with { Data = output.Pointer };
        RwError error;
        int status;
        fixed (byte* e = id)
        {
            var request = new RwRenderRequest
            {
                StructSize = (uint)sizeof(RwRenderRequest),
                EffectId = e,
                WindowX2 = width,
                WindowY2 = height,
                RenderScaleX = 1,
                RenderScaleY = 1,
                PixelAspect = 1,
                Source = &src,
                Output = &dst,
            };
            status = _render(_client, &request, &error);
        }
        if (status != 0) throw new InvalidOperationException($"rw_client_render failed ({status}): {error.Text()}");
    }

    public void Dispose()
    {
        if (_client != null) _destroy(_client);
        _client = null;
        // The NativeAOT runtime inside the library cannot be unloaded; the handle stays for the process's life.
    }
}
