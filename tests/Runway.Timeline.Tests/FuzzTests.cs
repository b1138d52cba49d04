using System.Diagnostics;
using System.Text;
using Runway.Timeline.Serialization;

namespace Runway.Timeline.Tests;

/// <summary>
/// Feeds mutated sample files and hostile inputs to the reader: every outcome must be a schema object or the
/// library's own <see cref="OtioException"/> — never another exception type, a crash, or a hang.
/// </summary>
public class FuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly byte[][] Tokens =
        ["{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), ","u8.ToArray(), ":"u8.ToArray(), "\""u8.ToArray(),
         "null"u8.ToArray(), "NaN"u8.ToArray(), "-Inf"u8.ToArray(), "1e999"u8.ToArray(), "-0"u8.ToArray(), "\"Clip.9\""u8.ToArray(),
         "\"OTIO_SCHEMA\""u8.ToArray(), "99999999999999999999"u8.ToArray(), "true"u8.ToArray(), "\\u0000"u8.ToArray(), [0xff], [0xc3]];

    [Fact]
    public void Mutated_samples_give_an_object_or_an_otio_exception()
    {
        var samples = TestData.OtioSamples().Select(n => File.ReadAllBytes(TestData.File(Path.Combine("otio", n)))).ToArray();
        var random = new Random(20261124);   // fixed seed: the same 6000 mutants on every run
        var outcomes = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 6000; i++)
        {
            var mutant = Mutate(samples[i % samples.Length], random);
            string outcome;
            try
            {
                var read = OtioJson.Read(mutant);
                OtioJson.WriteToUtf8(read);
                outcome = "read";
            }
            catch (OtioException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                if (ex is OtioFormatException format) Assert.StartsWith("$", format.JsonPath);
                outcome = ex.GetType().Name;
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"mutant {i} threw {ex.GetType().Name}: {ex.Message}\n{Encoding.UTF8.GetString(mutant)}");
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        output.WriteLine($"6000 mutants in {clock.Elapsed.TotalSeconds:F2} s: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"fuzzing took {clock.Elapsed}");
        // Both paths must be exercised or the test proves nothing.
        Assert.True(outcomes.GetValueOrDefault("read") > 100, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault(nameof(OtioFormatException)) > 1000, string.Join(", ", outcomes));
    }

    private static byte[] Mutate(byte[] source, Random random)
    {
        var bytes = new List<byte>(source);
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 40))); break;
                case 1: bytes.InsertRange(at, Tokens[random.Next(Tokens.Length)]); break;
                case 2: bytes[at] = (byte)random.Next(256); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break; // truncate
                case 4: // swap a number for a string or vice versa
                    bytes.InsertRange(at, "\"x\""u8.ToArray());
                    break;
                default: // duplicate a slice (often a duplicate key or an extra element)
                    var length = Math.Min(bytes.Count - at, random.Next(1, 200));
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
            }
        }
        return bytes.ToArray();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("{}")]
    [InlineData("{\"OTIO_SCHEMA\": 3}")]
    [InlineData("{\"OTIO_SCHEMA\": \"Clip\"}")]
    [InlineData("{\"OTIO_SCHEMA\": \"Clip.0\"}")]
    [InlineData("{\"OTIO_SCHEMA\": \"RationalTime.1\", \"rate\": 24, \"value\": 1}")]
    [InlineData("{\"OTIO_SCHEMA\": \"Timeline.1\"} trailing")]
    [InlineData("{\"OTIO_SCHEMA\": \"Gap.1\", \"metadata\": {NaN: 1}}")]
    [InlineData("{\"OTIO_SCHEMA\": \"Gap.1\", \"metadata\": {\"a\": 1, \"a\": 2}}")]
    [InlineData("{\"OTIO_SCHEMA\": \"Gap.1\", \"metadata\": {\"a\": Nan}}")]
    [InlineData("{\"OTIO_SCHEMA\": \"Gap.1\", \"metadata\": {\"a\": 1,}}")]
    public void Documents_that_are_not_schema_objects_are_rejected_at_the_root(string json)
    {
        var ex = Assert.Throws<OtioFormatException>(() => OtioJson.Read(json));
        Assert.StartsWith("$", ex.JsonPath);
    }

    [Fact]
    public void Truncated_json_names_the_place_it_stopped()
    {
        var text = File.ReadAllText(TestData.File("otio/simple_cut.otio"));
        var cut = text[..text.IndexOf("\"target_url\": \"file:///folder/wind", StringComparison.Ordinal)];
        var ex = Assert.Throws<OtioFormatException>(() => OtioJson.Read(cut));
        Assert.Contains("invalid JSON", ex.Message);
        Assert.StartsWith("$.tracks.children[0].children[1].media_reference", ex.JsonPath);
        Assert.Matches(@"line \d+", ex.Message);
    }

    [Theory]
    [InlineData("\"name\": \"Clip-002\"", "\"name\": 7", "$.tracks.children[0].children[1].name", "expected a string, found a number")]
    [InlineData("\"enabled\": true", "\"enabled\": \"yes\"", "$.tracks.children[0].children[0].enabled", "expected true or false")]
    [InlineData("\"rate\": 24,", "\"rate\": \"24\",", "$.tracks.children[0].children[0].media_reference.available_range.duration.rate", "expected a number")]
    [InlineData("\"effects\": [],", "\"effects\": {},", "$.tracks.children[0].children[0].effects", "expected an array")]
    [InlineData("\"markers\": [],", "\"markers\": [null],", "$.tracks.children[0].children[0].markers[0]", "found null")]
    [InlineData("\"markers\": [],", "\"markers\": [{\"OTIO_SCHEMA\": \"Gap.1\"}],", "$.tracks.children[0].children[0].markers[0]", "expected Marker, found Gap.1")]
    [InlineData("\"metadata\": {},", "\"metadata\": [],", "$.metadata", "expected an object")]
    public void Wrong_types_name_the_json_path(string find, string replace, string path, string problem)
    {
        var text = File.ReadAllText(TestData.File("otio/simple_cut.otio"));
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{find}' not in the sample");
        var broken = text[..at] + replace + text[(at + find.Length)..];
        var ex = Assert.Throws<OtioFormatException>(() => OtioJson.Read(broken));
        Assert.Equal(path, ex.JsonPath);
        Assert.Contains(problem, ex.Message);
    }

    [Fact]
    public void Bad_values_in_image_sequences_and_clip_keys_name_the_field()
    {
        var seq = File.ReadAllText(TestData.File("otio/image_sequence_example.otio")).Replace("\"missing_frame_policy\": \"error\"", "\"missing_frame_policy\": \"loop\"");
        var ex = Assert.Throws<OtioFormatException>(() => OtioJson.Read(seq));
        // The path is where the field is in the file (Clip.1 media_reference), not where the upgrade moved it.
        Assert.Equal("$.tracks.children[0].children[0].media_reference.missing_frame_policy", ex.JsonPath);

        var clip = """{"OTIO_SCHEMA": "Clip.2", "media_references": {"A": null}, "active_media_reference_key": "B"}""";
        Assert.Equal("$.active_media_reference_key", Assert.Throws<OtioFormatException>(() => OtioJson.Read(clip)).JsonPath);
        var empty = """{"OTIO_SCHEMA": "Clip.2", "media_references": {"": null}, "active_media_reference_key": ""}""";
        Assert.Equal("$.media_references", Assert.Throws<OtioFormatException>(() => OtioJson.Read(empty)).JsonPath);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(600)]
    public void Absurd_nesting_is_rejected_without_exhausting_the_stack(int depth)
    {
        var json = "{\"OTIO_SCHEMA\": \"Timeline.1\", \"metadata\": {\"deep\": " + new string('[', depth) + new string(']', depth) + "}}";
        var ex = Assert.Throws<OtioFormatException>(() => OtioJson.Read(json));
        Assert.Contains("depth", ex.Message);
        Assert.StartsWith("$.metadata.deep", ex.JsonPath);
    }

    [Fact]
    public void Deeply_nested_stacks_within_the_limit_read_and_write()
    {
        // 40 levels of Track ▸ Stack: far beyond real edits, well inside the default limit.
        var inner = "{\"OTIO_SCHEMA\": \"Gap.1\"}";
        for (var i = 0; i < 40; i++) inner = $"{{\"OTIO_SCHEMA\": \"{(i % 2 == 0 ? "Track.1" : "Stack.1")}\", \"children\": [{inner}]}}";
        var read = OtioJson.Read(inner);
        Assert.Contains("Gap.1", OtioJson.WriteToString(read));
    }
}
