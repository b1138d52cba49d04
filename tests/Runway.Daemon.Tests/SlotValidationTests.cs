using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Runway.Daemon.Arena;
using Runway.Daemon.Errors;
using Runway.Daemon.Rendering;
using Runway.Protocol.V1;

namespace Runway.Daemon.Tests;

public sealed class SlotValidationTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ArenaRegistry _registry;
    private readonly SlotLeases _leases = new();
    private readonly FrameRenderer _renderer = new(1 << 24);
    private readonly TestArena _arena;

    public SlotValidationTests()
    {
        _registry = new ArenaRegistry(_dir.Path, 8, NullLogger<ArenaRegistry>.Instance);
        _arena = new TestArena(_dir.Path, slotCount: 4, slotBytes: 4096);
        _arena.Id = _registry.Register(_arena.Path, _arena.FileBytes, 0).Id;
    }

    public void Dispose()
    {
        _registry.Dispose();
        _arena.Dispose();
        _dir.Dispose();
    }

    private RenderFrameRequest Valid(out SlotRef source, out SlotRef output)
    {
        var d = Frames.Rgba8(8, 8);
        source = _arena.Write(0, d, Frames.Noise(256));
        output = _arena.Stamp(1, d);
        return Frames.SlotRequest(Frames.Passthrough, d, source, d, output);
    }

    private BoundFrames Bind(RenderFrameRequest r) => BoundFrames.Bind(r, _renderer.Plan(r), _registry, _leases, inline: null);

    [Fact]
    public void Valid_slots_bind_to_their_payloads()
    {
        var r = Valid(out _, out _);
        using var frames = Bind(r);
        Assert.Equal(256, frames.Source.Length);
        Assert.Equal(_arena.Payload(0, 256).ToArray(), frames.Source.Span.ToArray());
        frames.Complete();
    }

    [Fact]
    public void Unknown_arena_is_stale()
    {
        var r = Valid(out _, out _);
        r.Source.Slot.ArenaId = 999;
        var fault = Expect.Fault(() => Bind(r));
        Assert.Equal(Reasons.StaleSlot, fault.Reason);
        Assert.Contains("arena 999 is not registered", fault.Message);
    }

    [Fact]
    public void Slot_index_out_of_range_is_invalid()
    {
        var r = Valid(out _, out _);
        r.Source.Slot.Slot = 4;
        var fault = Expect.Fault(() => Bind(r));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("out of range", fault.Message);
    }

    [Fact]
    public void Old_generation_is_stale()
    {
        var r = Valid(out var source, out _);
        _arena.Stamp(0, r.Source.Descriptor_); // the client reused the slot for a newer frame
        var fault = Expect.Fault(() => Bind(r));
        Assert.Equal(StatusCode.FailedPrecondition, fault.Code);
        Assert.Equal(Reasons.StaleSlot, fault.Reason);
        Assert.Contains($"request names {source.Generation}", fault.Message);
    }

    [Fact]
    public void Descriptor_that_disagrees_with_the_slot_header_is_invalid()
    {
        var r = Valid(out _, out _);
        r.Source.Descriptor_ = Frames.Rgba8(8, 4);
        r.Output.Descriptor_ = Frames.Rgba8(8, 4);
        var fault = Expect.Fault(() => Bind(r));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("size 8x4 vs slot 8x8", fault.Message);
    }

    [Fact]
    public void Frame_that_does_not_fit_the_slot_is_invalid()
    {
        var d = Frames.Rgba8(64, 64); // 16 KiB in a 4 KiB slot
        var r = Frames.SlotRequest(Frames.Passthrough, d, _arena.Stamp(0, d), d, _arena.Stamp(1, d));
        var fault = Expect.Fault(() => Bind(r));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("needs 16384 bytes", fault.Message);
    }

    [Fact]
    public void Output_slot_equal_to_the_input_is_invalid()
    {
        var r = Valid(out var source, out _);
        r.Output.Slot = source.Clone();
        Assert.Contains("also an input", Expect.Fault(() => Bind(r)).Message);
    }

    [Fact]
    public void Slot_in_use_by_another_render_is_busy()
    {
        var r = Valid(out _, out _);
        using var first = Bind(r);
        var fault = Expect.Fault(() => Bind(r));
        Assert.Equal(Reasons.SlotBusy, fault.Reason);
        Assert.Equal(StatusCode.FailedPrecondition, fault.Code);
        first.Dispose();
        using var again = Bind(r); // released slots can be used again
    }

    [Fact]
    public void Failed_bind_holds_no_slots()
    {
        var r = Valid(out _, out _);
        r.Output.Slot.Generation += 5;
        Expect.Fault(() => Bind(r));
        Assert.Equal(0, _leases.Count);
    }

    [Fact]
    public void Blank_output_header_is_accepted_and_stamped_after_the_render()
    {
        var d = Frames.Rgba8(8, 8);
        var source = _arena.Write(0, d, Frames.Noise(256));
        var output = new SlotRef { ArenaId = _arena.Id, Slot = 2, Generation = 0 };
        var r = Frames.SlotRequest(Frames.Passthrough, d, source, d, output);
        using var frames = Bind(r);
        frames.Complete();
        using var lease = _registry.Acquire(_arena.Id);
        Assert.Null(lease.Arena.ReadSlotHeader(2).Mismatch(d));
    }

    [Fact]
    public void Input_rewritten_during_the_render_makes_the_result_stale()
    {
        var r = Valid(out _, out _);
        using var frames = Bind(r);
        _arena.Stamp(0, r.Source.Descriptor_);
        Assert.Equal(Reasons.StaleSlot, Expect.Fault(frames.Complete).Reason);
    }

    [Fact]
    public void Inline_location_outside_RenderInline_is_invalid()
    {
        var r = Valid(out _, out _);
        r.Source.Inline = true;
        Assert.Contains("RenderInline", Expect.Fault(() => Bind(r)).Message);
    }
}
