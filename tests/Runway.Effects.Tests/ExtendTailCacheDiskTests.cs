using Runway.Effects.Engines.Extend;
using Runway.Effects.Pixels;
using Xunit.Abstractions;

namespace Runway.Effects.Tests;

/// <summary>
/// Extend shot's tail cache on disk: finished frames written to a cache directory serve a new engine (a restarted
/// daemon), a damaged file is never served, and the directory stays within its byte budget, least recently used first.
/// </summary>
public sealed class ExtendTailCacheDiskTests(ITestOutputHelper log) : IDisposable
{
    private const int W = 320, H = 180;
    private readonly string _dir = Directory.CreateTempSubdirectory("rw-tails-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    // Revealed-pixel fill off keeps each render short; the cache does not care what the frame holds.
    private static readonly ExtendShotOptions Quick = new(FillRevealed: false);

    private static bool Cached(EffectResult r) => r.Notes.Any(n => n.StartsWith(ExtendShotEngine.NoteTailCached, StringComparison.Ordinal));

    private string[] TailFiles() => Directory.GetFiles(_dir, "*" + TailCache.FileExtension);

    [Fact]
    public void Tail_frames_on_disk_serve_a_new_engine_as_after_a_daemon_restart()
    {
        using var texture = ExtendShotTests.Texture(700, 400);
        var clip = ExtendShotTests.Pan(texture, 2.5);
        try
        {
            var settings = new TailCacheSettings(Directory: _dir);
            using var output = new FloatImage(W, H);
            var first = new ExtendShotEngine(Quick, settings).Render(ExtendShotTests.At(clip, output, 8, ExtendShotTests.Params()), CancellationToken.None);
            Assert.False(Cached(first));
            var rendered = output.Pixels.ToArray();
            Assert.Single(TailFiles());

            output.Pixels.Clear();
            var restarted = new ExtendShotEngine(Quick, settings);
            var again = restarted.Render(ExtendShotTests.At(clip, output, 8, ExtendShotTests.Params()) with { InstanceId = "after restart" },
                CancellationToken.None);
            log.WriteLine(string.Join("; ", again.Notes));
            Assert.Contains(again.Notes, n => n.StartsWith(ExtendShotEngine.NoteTailCached + " (disk)", StringComparison.Ordinal));
            Assert.True(rendered.AsSpan().SequenceEqual(output.Pixels), "the frame read from disk differs from the rendered one");
            // The first render's own notes come back with it.
            Assert.Contains(again.Notes, n => n.StartsWith("extrapolated frame 2", StringComparison.Ordinal));
            // Read from disk once, then held in memory.
            Assert.Equal(1, restarted.CachedFrames);
            Assert.Contains(restarted.Render(ExtendShotTests.At(clip, output, 8, ExtendShotTests.Params()), CancellationToken.None).Notes,
                n => n.StartsWith(ExtendShotEngine.NoteTailCached + ":", StringComparison.Ordinal));

            // Control: an engine without the directory has nothing cached, so the disk hit above is real.
            Assert.False(Cached(new ExtendShotEngine(Quick).Render(ExtendShotTests.At(clip, output, 8, ExtendShotTests.Params()), CancellationToken.None)));
        }
        finally
        {
            clip.ForEach(f => f.Dispose());
        }
    }

    [Theory]
    [InlineData("flip", "failed its checksum")]
    [InlineData("truncate", "truncated")]
    public void A_damaged_tail_file_is_deleted_and_the_frame_rendered_again_with_a_note(string damage, string expected)
    {
        using var texture = ExtendShotTests.Texture(700, 400);
        var clip = ExtendShotTests.Pan(texture, 2.5);
        try
        {
            var settings = new TailCacheSettings(Directory: _dir);
            using var output = new FloatImage(W, H);
            new ExtendShotEngine(Quick, settings).Render(ExtendShotTests.At(clip, output, 8, ExtendShotTests.Params()), CancellationToken.None);
            var rendered = output.Pixels.ToArray();
            var file = Assert.Single(TailFiles());
            var length = new FileInfo(file).Length;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
            {
                if (damage == "flip")
                {
                    // One bit in the middle of the pixels: a frame that still decodes, only the checksum can tell.
                    stream.Position = length / 2;
                    var b = stream.ReadByte();
                    stream.Position = length / 2;
                    stream.WriteByte((byte)(b ^ 0x10));
                }
                else
                {
                    stream.SetLength(length - 1000); // a write cut short
                }
            }

            output.Pixels.Fill(0.5f);
            var result = new ExtendShotEngine(Quick, settings).Render(ExtendShotTests.At(clip, output, 8, ExtendShotTests.Params()), CancellationToken.None);
            log.WriteLine(string.Join("; ", result.Notes));
            Assert.False(Cached(result), "a damaged file must never be served");
            var note = Assert.Single(result.Notes, n => n.StartsWith("tail cache file", StringComparison.Ordinal));
            Assert.Contains(expected, note, StringComparison.Ordinal);
            Assert.Contains("deleted, frame rendered again", note, StringComparison.Ordinal);
            Assert.True(rendered.AsSpan().SequenceEqual(output.Pixels), "the frame rendered again differs from the first render");

            // The re-render replaced the file with a sound one, and the note about the damage is not stored with it.
            Assert.Equal(length, new FileInfo(Assert.Single(TailFiles())).Length);
            var later = new ExtendShotEngine(Quick, settings).Render(ExtendShotTests.At(clip, output, 8, ExtendShotTests.Params()), CancellationToken.None);
            Assert.True(Cached(later));
            Assert.DoesNotContain(later.Notes, n => n.StartsWith("tail cache file", StringComparison.Ordinal));
        }
        finally
        {
            clip.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public void Disk_budget_is_respected_least_recently_used_first_and_again_after_a_restart()
    {
        using var a = ExtendShotTests.Constant(0.1f);
        using var b = ExtendShotTests.Constant(0.2f);
        using var c = ExtendShotTests.Constant(0.3f);
        using var output = new FloatImage(W, H);
        // The documented layout: magic 8, width 4, height 4, key 4 + 1, note count 4, note 4 + 1, pixel count 8, pixels,
        // checksum 16.
        const long size = 8 + 4 + 4 + 5 + 4 + 5 + 8 + W * H * 16L + 16;
        // Memory budget 0: every hit below comes from disk.
        var cache = new TailCache(new TailCacheSettings(0, _dir, 2 * size + size / 2));
        cache.Add("a", a, ["x"]);
        Assert.Equal(size, cache.FileBytes);
        cache.Add("b", b, ["x"]);
        Assert.Equal(TailSource.Disk, cache.Find("a", output).Source); // a is now more recent than b
        cache.Add("c", c, ["x"]);

        Assert.Equal(2, cache.FileCount);
        Assert.Equal(2, TailFiles().Length);
        Assert.True(cache.FileBytes <= 2 * size + size / 2);
        Assert.Equal(TailSource.None, cache.Find("b", output).Source);
        Assert.False(File.Exists(Path.Combine(_dir, TailCache.FileName("b"))));
        Assert.Equal(TailSource.Disk, cache.Find("a", output).Source);
        Assert.Equal(0.1f, output.Pixels[^1]);
        Assert.Equal(TailSource.Disk, cache.Find("c", output).Source); // c is the most recently used
        Assert.Equal(0.3f, output.Pixels[^1]);

        // A restart with a smaller budget trims the folder to it on first use, keeping the most recently used file.
        var smaller = new TailCache(new TailCacheSettings(0, _dir, size + size / 2));
        Assert.Equal(1, smaller.FileCount);
        Assert.Equal(size, smaller.FileBytes);
        Assert.Equal(TailSource.Disk, smaller.Find("c", output).Source);
        Assert.Equal(TailSource.None, smaller.Find("a", output).Source);

        // Below one frame's size the folder is emptied on first use and a frame is not written at all.
        var tiny = new TailCache(new TailCacheSettings(0, _dir, size / 2));
        Assert.Null(tiny.Add("d", a, ["x"]));
        Assert.Equal(0, tiny.FileCount);
        Assert.Empty(TailFiles());
        Assert.False(File.Exists(Path.Combine(_dir, TailCache.FileName("d"))));
    }
}
