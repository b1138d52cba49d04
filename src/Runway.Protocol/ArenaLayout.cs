using System.Buffers.Binary;

namespace Runway.Protocol;

/// <summary>
/// Byte layout of a shared-memory frame arena file (little-endian).
/// <code>
/// [0, HeaderBytes)          file header, then the slot header table
///   0  u64 magic "RWARENA1"
///   8  u32 layout version
///   12 u32 slot count
///   16 u64 slot payload bytes (multiple of PageBytes)
///   24 u64 payload offset (= HeaderBytes)
///   SlotTableOffset + i*SlotHeaderBytes: slot header i
/// [HeaderBytes + i*slotBytes, +slotBytes)   slot i payload
/// </code>
/// Slot header: 0 u64 generation (bumped by the writer before every new frame), 8 u32 width, 12 u32 height,
/// 16 u32 components (proto enum), 20 u32 depth (proto enum), 24 u64 row bytes, 32 u32 flags (bit0 top-down,
/// bits 1-2 alpha mode), 36 u32 reserved; 40..63 reserved.
/// </summary>
public static class ArenaLayout
{
    /// <summary>"RWARENA1" as a little-endian u64.</summary>
    public const ulong Magic = 0x31414E4552415752; // 'R','W','A','R','E','N','A','1'
    public const uint LayoutVersion = 1;
    public const int PageBytes = 4096;
    public const int SlotTableOffset = 64;
    public const int SlotHeaderBytes = 64;
    /// <summary>Header + slot table; payloads start page-aligned after it.</summary>
    public const int HeaderBytes = 4096;
    public const int MaxSlots = (HeaderBytes - SlotTableOffset) / SlotHeaderBytes; // 63

    public const int OffMagic = 0, OffVersion = 8, OffSlotCount = 12, OffSlotBytes = 16, OffPayloadOffset = 24;
    public const int SlotOffGeneration = 0, SlotOffWidth = 8, SlotOffHeight = 12, SlotOffComponents = 16,
        SlotOffDepth = 20, SlotOffRowBytes = 24, SlotOffFlags = 32;

    /// <summary>Rounds a payload size up to whole pages.</summary>
    public static ulong RoundToPages(ulong bytes) => (bytes + PageBytes - 1) / PageBytes * PageBytes;

    /// <summary>Total file size for <paramref name="slotCount"/> slots of <paramref name="slotBytes"/> each.</summary>
    public static ulong FileBytes(int slotCount, ulong slotBytes) => HeaderBytes + (ulong)slotCount * RoundToPages(slotBytes);

    public static int SlotHeaderOffset(int slot) => SlotTableOffset + slot * SlotHeaderBytes;

    public static ulong SlotPayloadOffset(int slot, ulong slotBytes) => HeaderBytes + (ulong)slot * slotBytes;

    /// <summary>Writes the file header into the first bytes of a fresh arena.</summary>
    public static void WriteHeader(Span<byte> header, int slotCount, ulong slotBytes)
    {
        if (slotCount < 1 || slotCount > MaxSlots) throw new ArgumentOutOfRangeException(nameof(slotCount));
        if (slotBytes == 0 || slotBytes % PageBytes != 0) throw new ArgumentOutOfRangeException(nameof(slotBytes));
        BinaryPrimitives.WriteUInt64LittleEndian(header[OffMagic..], Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[OffVersion..], LayoutVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[OffSlotCount..], (uint)slotCount);
        BinaryPrimitives.WriteUInt64LittleEndian(header[OffSlotBytes..], slotBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(header[OffPayloadOffset..], HeaderBytes);
    }

    /// <summary>Parses and checks a file header against the file's real size; throws <see cref="InvalidDataException"/> with a reason.</summary>
    public static (int SlotCount, ulong SlotBytes) ReadHeader(ReadOnlySpan<byte> header, ulong fileBytes)
    {
        if (header.Length < HeaderBytes || fileBytes < HeaderBytes)
            throw new InvalidDataException($"arena file is {fileBytes} bytes, smaller than its {HeaderBytes}-byte header");
        if (BinaryPrimitives.ReadUInt64LittleEndian(header[OffMagic..]) != Magic)
            throw new InvalidDataException("arena file has no RWARENA1 magic");
        var version = BinaryPrimitives.ReadUInt32LittleEndian(header[OffVersion..]);
        if (version != LayoutVersion)
            throw new InvalidDataException($"arena layout version {version}; this side speaks {LayoutVersion}");
        var count = BinaryPrimitives.ReadUInt32LittleEndian(header[OffSlotCount..]);
        var slotBytes = BinaryPrimitives.ReadUInt64LittleEndian(header[OffSlotBytes..]);
        if (count < 1 || count > MaxSlots) throw new InvalidDataException($"arena slot count {count} outside 1..{MaxSlots}");
        if (slotBytes == 0 || slotBytes % PageBytes != 0) throw new InvalidDataException($"arena slot size {slotBytes} is not whole pages");
        if (BinaryPrimitives.ReadUInt64LittleEndian(header[OffPayloadOffset..]) != HeaderBytes)
            throw new InvalidDataException("arena payload offset is not the header size");
        var need = FileBytes((int)count, slotBytes);
        if (fileBytes < need) throw new InvalidDataException($"arena file is {fileBytes} bytes; its header needs {need}");
        return ((int)count, slotBytes);
    }
}
