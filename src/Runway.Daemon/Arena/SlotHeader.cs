using System.Buffers.Binary;
using Runway.Protocol;
using Runway.Protocol.V1;

namespace Runway.Daemon.Arena;

/// <summary>One slot header as read from the arena (see <see cref="ArenaLayout"/>); a snapshot, never a live view.</summary>
internal readonly record struct SlotHeader(
    ulong Generation, uint Width, uint Height, Components Components, Depth Depth, ulong RowBytes, bool TopDown, AlphaMode Alpha)
{
    private const uint FlagTopDown = 1, AlphaShift = 1, AlphaMask = 0b11;

    /// <summary>Parses the 64 header bytes; the generation is read separately (volatile) by the caller.</summary>
    public static SlotHeader Parse(ulong generation, ReadOnlySpan<byte> header)
    {
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(header[ArenaLayout.SlotOffFlags..]);
        return new SlotHeader(
            generation,
            BinaryPrimitives.ReadUInt32LittleEndian(header[ArenaLayout.SlotOffWidth..]),
            BinaryPrimitives.ReadUInt32LittleEndian(header[ArenaLayout.SlotOffHeight..]),
            (Components)BinaryPrimitives.ReadUInt32LittleEndian(header[ArenaLayout.SlotOffComponents..]),
            (Depth)BinaryPrimitives.ReadUInt32LittleEndian(header[ArenaLayout.SlotOffDepth..]),
            BinaryPrimitives.ReadUInt64LittleEndian(header[ArenaLayout.SlotOffRowBytes..]),
            (flags & FlagTopDown) != 0,
            (AlphaMode)((flags >> (int)AlphaShift) & AlphaMask));
    }

    /// <summary>Writes every field except the generation (which only ever moves forward, owned by the writer).</summary>
    public static void WriteShape(Span<byte> header, FrameDescriptor d)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffWidth..], d.Width);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffHeight..], d.Height);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffComponents..], (uint)d.Components);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffDepth..], (uint)d.Depth);
        BinaryPrimitives.WriteUInt64LittleEndian(header[ArenaLayout.SlotOffRowBytes..], d.RowBytes);
        var flags = (d.TopDown ? FlagTopDown : 0) | (((uint)Normalise(d.Alpha) & AlphaMask) << (int)AlphaShift);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ArenaLayout.SlotOffFlags..], flags);
    }

    /// <summary>True when the header has never been filled in (width 0): the writer left the shape to the daemon.</summary>
    public bool IsBlank => Width == 0 && Height == 0;

    /// <summary>Null when <paramref name="d"/> describes exactly this slot's frame, else what differs.</summary>
    public string? Mismatch(FrameDescriptor d)
    {
        var diffs = new List<string>();
        if (d.Width != Width || d.Height != Height) diffs.Add($"size {d.Width}x{d.Height} vs slot {Width}x{Height}");
        if (d.Components != Components) diffs.Add($"components {d.Components} vs slot {Components}");
        if (d.Depth != Depth) diffs.Add($"depth {d.Depth} vs slot {Depth}");
        if (d.RowBytes != RowBytes) diffs.Add($"row bytes {d.RowBytes} vs slot {RowBytes}");
        if (d.TopDown != TopDown) diffs.Add($"row order {(d.TopDown ? "top-down" : "bottom-up")} vs slot {(TopDown ? "top-down" : "bottom-up")}");
        if (Normalise(d.Alpha) != Normalise(Alpha)) diffs.Add($"alpha {Normalise(d.Alpha)} vs slot {Normalise(Alpha)}");
        return diffs.Count == 0 ? null : string.Join(", ", diffs);
    }

    /// <summary>Unspecified alpha means straight, on the wire and in slot headers alike.</summary>
    private static AlphaMode Normalise(AlphaMode a) => a == AlphaMode.Unspecified ? AlphaMode.Straight : a;
}
