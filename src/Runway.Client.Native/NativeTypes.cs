using System.Runtime.InteropServices;

namespace Runway.Client.Native;

// Mirrors of the structs in ../Runway.Client/include/runway_client.h (x86-64 / aarch64 LP64 layout).
// Field order and sizes must match the header exactly; tests/Runway.Client.Tests/native checks them from C.

/// <summary>rw_error.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct RwError
{
    public const int MessageBytes = 1024;
    public int Code;
    public fixed byte Message[MessageBytes];
}

/// <summary>rw_image.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RwImage
{
    public nint Data;
    public long RowBytes;
    public int X1, Y1, X2, Y2;
    public int Components;
    public int Depth;
    public int Alpha;
    public int Reserved;
}

/// <summary>rw_param.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct RwParam
{
    public byte* Name;
    public int Type;
    public int Count;
    public fixed double Values[4];
    public byte* Text;
}

/// <summary>rw_render_request.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct RwRenderRequest
{
    public uint StructSize;
    public byte* EffectId;
    public byte* InstanceId;
    public double Time;
    public fixed int Window[4];
    public fixed double RenderScale[2];
    public double PixelAspect;
    public int Interactive;
    public int TimeoutMs;
    public RwImage* Source;
    public RwImage* Mask;
    public RwImage* Output;
    public RwParam* Params;
    public int ParamCount;
    public delegate* unmanaged<nint, int> AbortFn;
    public nint AbortUser;

    // Appended fields: present only when StructSize reaches past AbortUser.
    public RwFrame* Neighbours;
    public int NeighbourCount;

    // Appended second: present only when StructSize reaches past SourceLast.
    public RwNamedImage* Clips;
    public int ClipCount;
    public int HasSourceRange;
    public double SourceFirst;
    public double SourceLast;

    /// <summary>Size of the struct before the appended fields: what callers built against the first header send.</summary>
    public static uint BaseSize
    {
        get
        {
            RwRenderRequest r = default;
            return (uint)((byte*)&r.Neighbours - (byte*)&r);
        }
    }

    /// <summary>Size up to and including the neighbour fields (callers built against the second header).</summary>
    public static uint NeighboursSize
    {
        get
        {
            RwRenderRequest r = default;
            return (uint)((byte*)&r.Clips - (byte*)&r);
        }
    }
}

/// <summary>rw_named_image.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct RwNamedImage
{
    public byte* Name;
    public RwImage* Image;
}

/// <summary>rw_frame.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct RwFrame
{
    public double Time;
    public RwImage* Source;
    public RwImage* Mask;
}

/// <summary>rw_param_type.</summary>
internal enum RwParamType
{
    Double = 1,
    Int = 2,
    Bool = 3,
    String = 4,
    Doubles = 5,
}
