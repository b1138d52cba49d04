using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Runway.Daemon.Arena;
using Runway.Daemon.Errors;
using Runway.Protocol;

namespace Runway.Daemon.Tests;

public sealed class ArenaRegistryTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ArenaRegistry _registry;

    public ArenaRegistryTests()
    {
        _registry = new ArenaRegistry(_dir.Path, maxArenas: 3, NullLogger<ArenaRegistry>.Instance);
    }

    public void Dispose()
    {
        _registry.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Register_maps_a_valid_arena_and_reports_its_shape()
    {
        using var arena = new TestArena(_dir.Path, slotCount: 3, slotBytes: 8192);
        var mapped = _registry.Register(arena.Path, arena.FileBytes, Environment.ProcessId);
        Assert.Equal(3, mapped.SlotCount);
        Assert.Equal(8192ul, mapped.SlotBytes);
        Assert.Equal(1, _registry.Count);

        // The daemon sees what the client writes, through its own mapping.
        arena.Id = mapped.Id;
        arena.Payload(1, 4)[0] = 42;
        var slot = arena.Stamp(1, Frames.Rgba8(2, 2));
        using var lease = _registry.Acquire(mapped.Id);
        Assert.Equal(slot.Generation, lease.Arena.ReadSlotHeader(1).Generation);
        Assert.Equal(2u, lease.Arena.ReadSlotHeader(1).Width);
        unsafe { Assert.Equal(42, *(byte*)lease.Arena.PayloadPointer(1, 4)); }
    }

    [Fact]
    public void Ids_are_distinct()
    {
        using var a = new TestArena(_dir.Path);
        using var b = new TestArena(_dir.Path);
        Assert.NotEqual(_registry.Register(a.Path, a.FileBytes, 0).Id, _registry.Register(b.Path, b.FileBytes, 0).Id);
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute)]
    public void Arena_not_exactly_0600_is_refused(UnixFileMode mode)
    {
        using var arena = new TestArena(_dir.Path, mode: mode);
        var fault = Expect.Fault(() => _registry.Register(arena.Path, arena.FileBytes, 0));
        Assert.Equal(StatusCode.InvalidArgument, fault.Code);
        Assert.Contains("0600", fault.Message);
    }

    [Fact]
    public void Arena_outside_the_arena_directory_is_refused()
    {
        using var other = new TempDir();
        using var arena = new TestArena(other.Path);
        var fault = Expect.Fault(() => _registry.Register(arena.Path, arena.FileBytes, 0));
        Assert.Contains("must be directly inside", fault.Message);
    }

    [Fact]
    public void Relative_or_dotted_paths_are_refused()
    {
        using var arena = new TestArena(_dir.Path);
        Expect.Fault(() => _registry.Register(Path.GetFileName(arena.Path), arena.FileBytes, 0));
        var dotted = Path.Combine(_dir.Path, "sub", "..", Path.GetFileName(arena.Path));
        Assert.Equal(StatusCode.InvalidArgument, Expect.Fault(() => _registry.Register(dotted, arena.FileBytes, 0)).Code);
    }

    [Fact]
    public void Symbolic_link_is_refused()
    {
        using var arena = new TestArena(_dir.Path);
        var link = _dir["link"];
        File.CreateSymbolicLink(link, arena.Path);
        Assert.Contains("symbolic link", Expect.Fault(() => _registry.Register(link, arena.FileBytes, 0)).Message);
    }

    [Fact]
    public void Missing_file_and_directory_are_refused()
    {
        Assert.Contains("does not exist", Expect.Fault(() => _registry.Register(_dir["nothing"], 0, 0)).Message);
        Directory.CreateDirectory(_dir["adir"]);
        Assert.Equal(StatusCode.InvalidArgument, Expect.Fault(() => _registry.Register(_dir["adir"], 0, 0)).Code);
    }

    [Fact]
    public void Bad_magic_is_refused()
    {
        using var arena = new TestArena(_dir.Path);
        arena.FileHeader[0] ^= 0xFF;
        Assert.Contains("magic", Expect.Fault(() => _registry.Register(arena.Path, arena.FileBytes, 0)).Message);
    }

    [Fact]
    public void Header_claiming_more_slots_than_the_file_holds_is_refused()
    {
        using var arena = new TestArena(_dir.Path, slotCount: 2, slotBytes: 4096);
        ArenaLayout.WriteHeader(arena.FileHeader, 40, 4096);
        Assert.Contains("needs", Expect.Fault(() => _registry.Register(arena.Path, 0, 0)).Message);
    }

    [Fact]
    public void Declared_size_must_match_the_file()
    {
        using var arena = new TestArena(_dir.Path);
        Assert.Contains("the request says", Expect.Fault(() => _registry.Register(arena.Path, arena.FileBytes + 1, 0)).Message);
    }

    [Fact]
    public void Released_arena_is_unknown_afterwards()
    {
        using var arena = new TestArena(_dir.Path);
        var id = _registry.Register(arena.Path, arena.FileBytes, 0).Id;
        _registry.Release(id);
        Assert.Equal(Reasons.StaleSlot, Expect.Fault(() => _registry.Acquire(id)).Reason);
        Assert.Equal(StatusCode.NotFound, Expect.Fault(() => _registry.Release(id)).Code);
        Assert.Equal(0, _registry.Count);
    }

    [Fact]
    public void Release_while_a_render_holds_the_arena_keeps_the_mapping_until_it_ends()
    {
        using var arena = new TestArena(_dir.Path);
        var id = _registry.Register(arena.Path, arena.FileBytes, 0).Id;
        var lease = _registry.Acquire(id);
        _registry.Release(id);
        lease.Arena.ReadSlotHeader(0); // still mapped: would crash if unmapped
        lease.Dispose();
    }

    [Fact]
    public void Too_many_arenas_is_resource_exhausted()
    {
        var arenas = Enumerable.Range(0, 4).Select(_ => new TestArena(_dir.Path)).ToList();
        try
        {
            for (var i = 0; i < 3; i++) _registry.Register(arenas[i].Path, arenas[i].FileBytes, 0);
            Assert.Equal(StatusCode.ResourceExhausted, Expect.Fault(() => _registry.Register(arenas[3].Path, arenas[3].FileBytes, 0)).Code);
        }
        finally
        {
            arenas.ForEach(a => a.Dispose());
        }
    }

    [Fact]
    public void Arenas_of_exited_processes_are_swept()
    {
        using var arena = new TestArena(_dir.Path);
        using var child = System.Diagnostics.Process.Start("true")!;
        child.WaitForExit();
        var id = _registry.Register(arena.Path, arena.FileBytes, child.Id).Id;
        _registry.SweepOrphans();
        Assert.Equal(Reasons.StaleSlot, Expect.Fault(() => _registry.Acquire(id)).Reason);
    }

    [Fact]
    public void Dispose_releases_every_arena()
    {
        using var arena = new TestArena(_dir.Path);
        var id = _registry.Register(arena.Path, arena.FileBytes, 0).Id;
        _registry.Dispose();
        Assert.Equal(0, _registry.Count);
        Expect.Fault(() => _registry.Acquire(id));
    }
}
