using System.Buffers.Binary;
using System.Collections.Concurrent;
using Runway.Client.Arenas;
using Runway.Protocol;
using Runway.Protocol.V1;

namespace Runway.Client.Tests;

public sealed class ArenaTests
{
    [Fact]
    public void Arena_file_is_private_sized_by_the_layout_and_has_a_readable_header()
    {
        using var arena = FrameArena.Create(5, 3 << 20);
        var info = new FileInfo(arena.Path);
        Assert.StartsWith("/dev/shm/runway-", arena.Path);
        Assert.Contains($"-{Environment.ProcessId}-", Path.GetFileName(arena.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(arena.Path));
        Assert.Equal((long)ArenaLayout.FileBytes(5, 3 << 20), info.Length);
        var header = new byte[ArenaLayout.HeaderBytes];
        using (var f = new FileStream(arena.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)) f.ReadExactly(header);
        Assert.Equal((5, (ulong)(3 << 20)), ArenaLayout.ReadHeader(header, (ulong)info.Length));
    }

    [Fact]
    public void Disposing_an_arena_unlinks_its_file()
    {
        var arena = FrameArena.Create(3, 1 << 20);
        var path = arena.Path;
        Assert.True(File.Exists(path));
        arena.Dispose();
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Sweeping_removes_arenas_of_dead_processes_and_keeps_live_ones()
    {
        var dir = Directory.CreateTempSubdirectory("rw-sweep-").FullName;
        try
        {
            using var mine = FrameArena.Create(3, 1 << 20, dir);
            // A pid above the kernel's maximum can never be alive.
            var dead = Path.Combine(dir, $"runway-{Path.GetFileName(mine.Path).Split('-')[1]}-99999999-deadbeef");
            File.WriteAllBytes(dead, [1, 2, 3]);
            var unrelated = Path.Combine(dir, "something-else");
            File.WriteAllBytes(unrelated, [1]);
            Assert.Equal(1, FrameArena.SweepStale(dir));
            Assert.False(File.Exists(dead));
            Assert.True(File.Exists(mine.Path));
            Assert.True(File.Exists(unrelated));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Slots_are_leased_exclusively_under_contention()
    {
        using var arena = FrameArena.Create(16, 1 << 20);
        var taken = new ConcurrentBag<int>();
        Parallel.For(0, 64, _ =>
        {
            var slot = arena.TryLease();
            if (slot >= 0) taken.Add(slot);
        });
        Assert.Equal(16, taken.Count);
        Assert.Equal(16, taken.Distinct().Count());
        Assert.Equal(-1, arena.TryLease());
        arena.Release(7);
        Assert.Equal(7, arena.TryLease());
        Assert.Throws<InvalidOperationException>(() => { arena.Release(3); arena.Release(3); });
    }

    [Fact]
    public void Stamping_a_slot_fills_its_header_and_bumps_its_generation()
    {
        using var arena = FrameArena.Create(3, 1 << 20);
        var before = arena.Generation(1);
        var frame = new FrameDescriptor
        {
            Width = 33, Height = 17, Components = Components.Rgb, Depth = Depth.F16, RowBytes = 33 * 6, TopDown = false,
            Alpha = AlphaMode.Premultiplied,
        };
        var g1 = arena.Stamp(1, frame);
        var g2 = arena.Stamp(1, frame);
        Assert.Equal(before + 1, g1);
        Assert.Equal(g1 + 1, g2);
        Assert.Equal(g2, arena.Generation(1));
        Assert.Equal(0UL, arena.Generation(0));

        var bytes = File.ReadAllBytes(arena.Path);
        var h = bytes.AsSpan(ArenaLayout.SlotHeaderOffset(1), ArenaLayout.SlotHeaderBytes);
        Assert.Equal(g2, BinaryPrimitives.ReadUInt64LittleEndian(h[ArenaLayout.SlotOffGeneration..]));
        Assert.Equal(33u, BinaryPrimitives.ReadUInt32LittleEndian(h[ArenaLayout.SlotOffWidth..]));
        Assert.Equal(17u, BinaryPrimitives.ReadUInt32LittleEndian(h[ArenaLayout.SlotOffHeight..]));
        Assert.Equal((uint)Components.Rgb, BinaryPrimitives.ReadUInt32LittleEndian(h[ArenaLayout.SlotOffComponents..]));
        Assert.Equal((uint)Depth.F16, BinaryPrimitives.ReadUInt32LittleEndian(h[ArenaLayout.SlotOffDepth..]));
        Assert.Equal(198UL, BinaryPrimitives.ReadUInt64LittleEndian(h[ArenaLayout.SlotOffRowBytes..]));
        Assert.Equal(2u << 1, BinaryPrimitives.ReadUInt32LittleEndian(h[ArenaLayout.SlotOffFlags..]));
        Assert.Equal(g2 + 1, arena.Invalidate(1));
    }

    [Fact]
    public void Hd_and_4k_frames_of_every_depth_fit_their_size_classes()
    {
        foreach (var (w, h) in new[] { (1920, 1080), (3840, 2160) })
            foreach (var bpp in new[] { 4, 8, 16 })
            {
                var bytes = (ulong)(w * h * bpp);
                var cls = ArenaPool.ClassFor(bytes);
                Assert.True(cls >= bytes);
                Assert.True(cls < 2 * bytes || cls == ArenaPool.MinSlotBytes, $"{w}x{h}x{bpp}: class {cls} wastes more than half");
                Assert.True(ArenaPool.SlotsPerArena(cls) >= 3);
            }
    }

    [Fact]
    public async Task Pool_grows_a_bigger_class_for_a_bigger_frame_and_reuses_released_slots()
    {
        var retired = new List<FrameArena>();
        using var pool = new ArenaPool(1UL << 30, "/dev/shm", retired.Add);
        var hd = (ulong)(1920 * 1080 * 8);
        var uhd = (ulong)(3840 * 2160 * 8);
        var a = await pool.LeaseAsync(hd, 0, hd, CancellationToken.None);
        var b = await pool.LeaseAsync(uhd, hd / 4, uhd, CancellationToken.None);
        Assert.True(a.Source.Capacity >= hd && a.Output.Capacity >= hd);
        Assert.True(b.Source.Capacity >= uhd && b.Mask.Capacity >= hd / 4);
        Assert.NotEqual(a.Source.Arena, b.Source.Arena);
        Assert.NotEqual((a.Source.Arena, a.Source.Slot), (a.Output.Arena, a.Output.Slot));
        pool.Release(a);
        var c = await pool.LeaseAsync(hd, 0, hd, CancellationToken.None);
        Assert.Contains(c.Source.Arena, pool.Arenas);
        Assert.Equal(a.Source.Arena, c.Source.Arena);
        pool.Release(b);
        pool.Release(c);
        Assert.Empty(retired);
    }

    [Fact]
    public async Task Pool_refuses_a_frame_larger_than_its_cap_with_resource_exhausted()
    {
        using var pool = new ArenaPool(64UL << 20, "/dev/shm", _ => { });
        var e = await Assert.ThrowsAsync<RunwayException>(async () => await pool.LeaseAsync(100UL << 20, 0, 100UL << 20, CancellationToken.None));
        Assert.Equal(RunwayStatus.ResourceExhausted, e.Status);
    }

    [Fact]
    public async Task Pool_at_its_cap_waits_for_a_release_instead_of_failing()
    {
        // The cap holds exactly one arena of 3 x 128 MiB: one render's worth (source, mask, output).
        const ulong frame = 100UL << 20;
        using var pool = new ArenaPool(ArenaLayout.FileBytes(3, 128UL << 20), "/dev/shm", _ => { });
        Assert.Equal(3, ArenaPool.SlotsPerArena(ArenaPool.ClassFor(frame)));
        var first = await pool.LeaseAsync(frame, 0, frame, CancellationToken.None);
        var second = pool.LeaseAsync(frame, frame, frame, CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(second.IsCompleted);
        pool.Release(first);
        var got = await second.WaitAsync(TimeSpan.FromSeconds(5));
        pool.Release(got);
        using var cts = new CancellationTokenSource(50);
        var held = await pool.LeaseAsync(frame, frame, frame, CancellationToken.None);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pool.LeaseAsync(1 << 20, 0, 1 << 20, cts.Token));
        pool.Release(held);
    }
}
