using System.Buffers;
using Runway.Daemon.Arena;
using Runway.Daemon.Errors;
using Runway.Protocol.V1;

namespace Runway.Daemon.Rendering;

/// <summary>Pixels that arrived inline (RenderInline), in pooled arrays; empty entries were not sent inline.</summary>
internal sealed class InlineFrames : IDisposable
{
    public byte[]? Source { get; set; }

    public byte[]? Mask { get; set; }

    public byte[]? Output { get; set; }

    /// <summary>Neighbouring frames' source and mask bytes, in request order (null entries: not sent inline).</summary>
    public List<(byte[]? Source, byte[]? Mask)> Neighbours { get; } = [];

    /// <summary>Named clips' bytes, in request order (null entries: not sent inline).</summary>
    public List<byte[]?> Clips { get; } = [];

    /// <summary>Bytes of one inline frame: whole rows, <c>height × row_bytes</c>.</summary>
    public static long Bytes(FrameDescriptor d) => (long)d.Height * (long)Math.Min(d.RowBytes, (ulong)long.MaxValue / Math.Max(1, d.Height));

    /// <summary>A pooled array for an inline frame; frames over 2 GiB are refused (ResourceExhausted).</summary>
    public static byte[] Rent(long bytes) => bytes <= Array.MaxLength
        ? ArrayPool<byte>.Shared.Rent((int)Math.Max(bytes, 1))
        : throw RunwayFault.Exhausted($"an inline frame of {bytes} bytes is over the 2 GiB limit");

    public void Dispose()
    {
        if (Source is not null) ArrayPool<byte>.Shared.Return(Source);
        if (Mask is not null) ArrayPool<byte>.Shared.Return(Mask);
        if (Output is not null) ArrayPool<byte>.Shared.Return(Output);
        foreach (var (source, mask) in Neighbours)
        {
            if (source is not null) ArrayPool<byte>.Shared.Return(source);
            if (mask is not null) ArrayPool<byte>.Shared.Return(mask);
        }
        Neighbours.Clear();
        foreach (var clip in Clips)
            if (clip is not null) ArrayPool<byte>.Shared.Return(clip);
        Clips.Clear();
        Source = Mask = Output = null;
    }
}

/// <summary>
/// The frames of one render, resolved to bytes: arena slots checked and held (arena references + slot leases), or
/// inline arrays. <see cref="Complete"/> re-checks that no input slot was rewritten during the render and stamps the
/// output slot's header.
/// </summary>
internal sealed class BoundFrames : IDisposable
{
    private readonly List<IDisposable> _holds = [];
    private readonly List<(MappedArena Arena, int Slot, ulong Generation, string Role)> _inputs = [];
    private (MappedArena Arena, int Slot, FrameDescriptor Descriptor)? _outputSlot;

    public PixelBuffer Source { get; private set; }

    public PixelBuffer Mask { get; private set; }

    public PixelBuffer Output { get; private set; }

    /// <summary>Neighbouring frames, in request order.</summary>
    public List<NeighbourPixels> Neighbours { get; } = [];

    /// <summary>Named clips' bytes, in the plan's clip order.</summary>
    public List<PixelBuffer> Clips { get; } = [];

    /// <summary>
    /// Resolves every frame of <paramref name="request"/>. Slot references are checked: arena registered, slot in
    /// range, generation current, descriptor equal to the slot header, frame fits the slot, output distinct from the
    /// inputs, and no other render holding the slot. Throws <see cref="RunwayFault"/> naming what is wrong.
    /// </summary>
    public static BoundFrames Bind(RenderFrameRequest request, RenderPlan plan, ArenaRegistry arenas, SlotLeases leases, InlineFrames? inline)
    {
        var frames = new BoundFrames();
        try
        {
            var slots = new List<(uint, int)>();
            frames.Source = frames.Input(request.Source, "source", plan.Source.SpanBytes, inline?.Source, arenas, slots);
            if (request.Mask is not null && plan.Mask is { } mask)
                frames.Mask = frames.Input(request.Mask, "mask", mask.SpanBytes, inline?.Mask, arenas, slots);
            for (var i = 0; i < plan.Neighbours.Count; i++)
            {
                var layout = plan.Neighbours[i];
                var wire = request.Neighbours[i];
                var sent = inline is not null && i < inline.Neighbours.Count ? inline.Neighbours[i] : default;
                var source = frames.Input(wire.Source, $"neighbour {i} source", layout.Source.SpanBytes, sent.Source, arenas, slots);
                var maskBytes = wire.Mask is not null && layout.Mask is { } ml
                    ? frames.Input(wire.Mask, $"neighbour {i} mask", ml.SpanBytes, sent.Mask, arenas, slots)
                    : default;
                frames.Neighbours.Add(new NeighbourPixels(source, maskBytes));
            }
            for (var i = 0; i < plan.Clips.Count; i++)
            {
                var sent = inline is not null && i < inline.Clips.Count ? inline.Clips[i] : null;
                frames.Clips.Add(frames.Input(request.Clips[i].Frame, $"clip '{plan.Clips[i].Name}'", plan.Clips[i].Layout.SpanBytes, sent, arenas, slots));
            }
            frames.Output = frames.OutputFrame(request.Output, plan.Output.SpanBytes, inline?.Output, arenas, slots);
            if (slots.Count > 0) frames._holds.Add(leases.Acquire(slots.Distinct().ToList()));
            return frames;
        }
        catch
        {
            frames.Dispose();
            throw;
        }
    }

    /// <summary>After rendering: fails (stale-slot) if an input was rewritten meanwhile; writes the output slot header.</summary>
    public void Complete()
    {
        foreach (var (arena, slot, generation, role) in _inputs)
        {
            var now = arena.ReadGeneration(slot);
            if (now != generation)
                throw RunwayFault.Stale($"{role} slot {slot} of arena {arena.Id} was rewritten during the render (generation {generation} → {now}); the result is not trustworthy");
        }
        if (_outputSlot is { } o) SlotHeader.WriteShape(o.Arena.SlotHeaderBytes(o.Slot), o.Descriptor);
    }

    public void Dispose()
    {
        for (var i = _holds.Count - 1; i >= 0; i--) _holds[i].Dispose();
        _holds.Clear();
    }

    private PixelBuffer Input(FrameInput input, string role, long spanBytes, byte[]? inline, ArenaRegistry arenas, List<(uint, int)> slots)
    {
        switch (input.LocationCase)
        {
            case FrameInput.LocationOneofCase.Slot:
            {
                var (arena, header) = Slot(input.Slot, role, arenas);
                if (header.Mismatch(input.Descriptor_) is { } diff)
                    throw RunwayFault.Invalid($"{role} descriptor does not match slot {input.Slot.Slot} of arena {arena.Id}: {diff}");
                CheckFits(arena, input.Slot.Slot, role, spanBytes);
                slots.Add((arena.Id, (int)input.Slot.Slot));
                _inputs.Add((arena, (int)input.Slot.Slot, header.Generation, role));
                return PixelBuffer.OfPointer(arena.PayloadPointer((int)input.Slot.Slot, spanBytes), (int)spanBytes);
            }
            case FrameInput.LocationOneofCase.Inline when input.Inline:
                return inline is not null
                    ? PixelBuffer.OfArray(inline, (int)spanBytes)
                    : throw RunwayFault.Invalid($"the {role} is marked inline; inline pixels only travel through Render.RenderInline");
            default:
                throw RunwayFault.Invalid($"the {role} frame says neither which slot holds it nor that it is inline");
        }
    }

    private PixelBuffer OutputFrame(FrameOutput output, long spanBytes, byte[]? inline, ArenaRegistry arenas, List<(uint, int)> slots)
    {
        switch (output.LocationCase)
        {
            case FrameOutput.LocationOneofCase.Slot:
            {
                var (arena, header) = Slot(output.Slot, "output", arenas);
                var key = (arena.Id, (int)output.Slot.Slot);
                if (slots.Contains(key))
                    throw RunwayFault.Invalid($"output slot {output.Slot.Slot} of arena {arena.Id} is also an input; write the result to a slot of its own");
                // The output slot's header may be left blank for the daemon to fill in; if the client described it,
                // the description must agree with the request.
                if (!header.IsBlank && header.Mismatch(output.Descriptor_) is { } diff)
                    throw RunwayFault.Invalid($"output descriptor does not match slot {output.Slot.Slot} of arena {arena.Id}: {diff}");
                CheckFits(arena, output.Slot.Slot, "output", spanBytes);
                slots.Add(key);
                _outputSlot = (arena, (int)output.Slot.Slot, output.Descriptor_);
                return PixelBuffer.OfPointer(arena.PayloadPointer((int)output.Slot.Slot, spanBytes), (int)spanBytes);
            }
            case FrameOutput.LocationOneofCase.Inline when output.Inline:
                return inline is not null
                    ? PixelBuffer.OfArray(inline, (int)spanBytes)
                    : throw RunwayFault.Invalid("the output is marked inline; inline pixels only travel through Render.RenderInline");
            default:
                throw RunwayFault.Invalid("the output frame says neither which slot receives it nor that it is inline");
        }
    }

    private (MappedArena Arena, SlotHeader Header) Slot(SlotRef slotRef, string role, ArenaRegistry arenas)
    {
        var lease = arenas.Acquire(slotRef.ArenaId);
        _holds.Add(lease);
        var arena = lease.Arena;
        if (slotRef.Slot >= (uint)arena.SlotCount)
            throw RunwayFault.Invalid($"{role} slot {slotRef.Slot} is out of range: arena {arena.Id} has slots 0..{arena.SlotCount - 1}");
        var header = arena.ReadSlotHeader((int)slotRef.Slot);
        if (header.Generation != slotRef.Generation)
            throw RunwayFault.Stale(
                $"{role} slot {slotRef.Slot} of arena {arena.Id} is at generation {header.Generation}, the request names {slotRef.Generation}; the slot was rewritten or reused");
        return (arena, header);
    }

    private static void CheckFits(MappedArena arena, uint slot, string role, long spanBytes)
    {
        if ((ulong)spanBytes > arena.SlotBytes)
            throw RunwayFault.Invalid($"{role} frame needs {spanBytes} bytes but slot {slot} of arena {arena.Id} holds {arena.SlotBytes}");
    }
}
