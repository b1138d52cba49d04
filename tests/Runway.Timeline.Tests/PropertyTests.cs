using System.Text;
using CsCheck;
using Runway.Timeline.Schema;
using Runway.Timeline.Serialization;

namespace Runway.Timeline.Tests;

/// <summary>
/// Properties of time arithmetic and of the reader/writer, checked on values from CsCheck generators. The values come
/// from a fixed PCG seed so every run checks the same cases (CI must be deterministic); a failure names the case.
/// </summary>
public class PropertyTests
{
    private const int Iterations = 2000;

    private static void ForAll<T>(Gen<T> gen, int iterations, Action<T> property)
    {
        var pcg = new PCG(7, 20261124UL);
        for (var i = 0; i < iterations; i++)
        {
            var value = gen.Generate(pcg, null, out _);
            try
            {
                property(value);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"property failed on case {i}: {Describe(value)}\n{ex.Message}");
            }
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        OtioObject o => OtioJson.WriteToString(o, new OtioWriteOptions { IndentSize = 0 }),
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "null",
    };

    private static readonly Gen<double> Rates = Gen.OneOf(24.0, 25.0, 30.0, 48.0, 50.0, 60.0, 24000.0 / 1001,
        30000.0 / 1001, 60000.0 / 1001, 48000.0, 44100.0, 1.0, 1000.0);

    // Whole frames at broadcast and audio rates: the values editors and OTIO files actually hold.
    private static readonly Gen<RationalTime> Times =
        Gen.Select(Gen.Long[-1_000_000, 1_000_000], Rates, (v, r) => new RationalTime(v, r));

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(a));

    [Fact]
    public void Adding_then_subtracting_a_time_returns_the_original_instant()
    {
        ForAll(Gen.Select(Times, Times), Iterations, t =>
        {
            var (a, b) = t;
            var back = a + b - b;
            Assert.True(Close(back.ToSeconds(), a.ToSeconds()), $"{a} + {b} - {b} = {back}");
        });
    }

    [Fact]
    public void Addition_is_commutative_and_lands_on_the_larger_rate()
    {
        ForAll(Gen.Select(Times, Times), Iterations, t =>
        {
            var (a, b) = t;
            var ab = a + b;
            var ba = b + a;
            Assert.Equal(Math.Max(a.Rate, b.Rate), ab.Rate);
            Assert.Equal(ab.Rate, ba.Rate);
            Assert.True(Close(ab.Value, ba.Value));
        });
    }

    [Fact]
    public void Rescaling_preserves_the_instant_and_ordering_agrees_with_seconds()
    {
        ForAll(Gen.Select(Times, Times, Rates), Iterations, t =>
        {
            var (a, b, rate) = t;
            Assert.True(Close(a.RescaledTo(rate).ToSeconds(), a.ToSeconds()));
            Assert.Equal(a.ToSeconds() < b.ToSeconds(), a < b);
            Assert.Equal(Math.Sign(a.ToSeconds().CompareTo(b.ToSeconds())), Math.Sign(a.CompareTo(b)));
            if (a == b) Assert.Equal(a.GetHashCode(), b.GetHashCode());
            Assert.Equal(a, a.RescaledTo(a.Rate * 2));
        });
    }

    [Fact]
    public void Timecode_round_trips_every_frame_at_every_smpte_rate()
    {
        ForAll(Gen.Select(Gen.OneOf(Timecode.SmpteRates.ToArray()), Gen.Double[0, 1]), Iterations, t =>
        {
            var (rate, fraction) = t;
            var perDay = OpentimeTests.LabelsPerDay(rate);
            var frame = (long)(fraction * (perDay - 1));
            var timecode = new RationalTime(frame, rate).ToTimecode(rate);
            Assert.Equal(frame, RationalTime.FromTimecode(timecode, rate).Value);
            Assert.Equal(Timecode.HasDropFrame(rate), timecode.Contains(';'));
        });
    }

    [Fact]
    public void Range_extension_contains_both_and_clamping_stays_inside()
    {
        var ranges = Gen.Select(Gen.Long[-10_000, 10_000], Gen.Long[0, 10_000], Gen.OneOf(24.0, 25.0, 30000.0 / 1001))
            .Select((s, d, r) => TimeRange.FromValues(s, d, r));
        ForAll(Gen.Select(ranges, ranges), Iterations, t =>
        {
            var (a, b) = t;
            var union = a.ExtendedBy(b);
            Assert.True(union.Contains(a) && union.Contains(b));
            if (a.Intersects(b)) Assert.True(b.Contains(a.ClampedTo(b)));
        });
    }

    private static readonly Gen<string> Names = Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 0, 12],
        Gen.OneOf("", "é", "日本", "🎬", "\"q\"", "a\\b", "\n\t"), (s, extra) => s + extra);

    private static readonly Gen<Clip> Clips = Gen.Select(Names, Gen.Long[0, 100_000], Gen.Long[1, 5000], Rates, Gen.Bool,
        Gen.Double.Unit, Gen.Long)
        .Select((name, start, duration, rate, enabled, score, big) =>
        {
            var clip = new Clip { Name = name, Enabled = enabled, SourceRange = TimeRange.FromValues(start, duration, rate) };
            clip.MediaReference = new ExternalReference { TargetUrl = "/m/" + name, AvailableRange = TimeRange.FromValues(0, start + duration, rate) };
            clip.Metadata["score"] = score;
            clip.Metadata["big"] = big;
            clip.Metadata["list " + name] = new System.Text.Json.Nodes.JsonArray(1, 2.5, "x", null, true);
            clip.Markers.Add(new Marker { Name = name, Color = "YELLOW", MarkedRange = TimeRange.FromValues(start, 1, rate), Comment = name });
            return clip;
        });

    private static readonly Gen<Schema.Timeline> Timelines = Gen.Select(Names, Clips.List[0, 5].List[1, 3])
        .Select((name, tracks) =>
        {
            var timeline = new Schema.Timeline { Name = name };
            foreach (var clips in tracks)
            {
                var track = new Track { Name = name };
                foreach (var clip in clips)
                {
                    track.Children.Add(clip);
                    track.Children.Add(new Gap(new RationalTime(3, 24)));
                }
                timeline.Tracks.Children.Add(track);
            }
            return timeline;
        });

    [Fact]
    public void Written_timelines_read_back_and_write_the_same_bytes()
    {
        ForAll(Timelines, 300, timeline =>
        {
            var bytes = OtioJson.WriteToUtf8(timeline);
            var back = OtioJson.Read<Schema.Timeline>(bytes);
            Assert.Equal(Encoding.UTF8.GetString(bytes), OtioJson.WriteToString(back));
            Assert.Equal(timeline.FindClips().Select(c => (c.Name, c.SourceRange, c.Enabled)), back.FindClips().Select(c => (c.Name, c.SourceRange, c.Enabled)));
            Assert.Equal(timeline.Duration(), back.Duration());
        });
    }

    [Fact]
    public void Grisu2_digits_are_the_shortest_round_trip_digits_for_almost_every_double()
    {
        // Grisu2 is shortest for ~99.9% of doubles; a systematic slip in the port would show up as many differences.
        var differ = 0;
        ForAll(Gen.Double, 20000, value =>
        {
            if (!double.IsFinite(value) || value == 0) return;
            var (digits, _) = Grisu2.Digits(Math.Abs(value));
            var shortest = Math.Abs(value).ToString("E16", System.Globalization.CultureInfo.InvariantCulture);
            var r = Math.Abs(value).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            var mantissa = (r.Contains('E') ? r[..r.IndexOf('E')] : r).Replace(".", "").TrimStart('0').TrimEnd('0');
            if (mantissa != digits.TrimEnd('0')) differ++;
            Assert.True(digits.Length <= 17, shortest);
        });
        Assert.True(differ < 100, $"{differ} of 20000 doubles got digits other than the shortest");
    }

    [Fact]
    public void Any_double_survives_write_and_read_exactly_and_is_written_as_a_double()
    {
        ForAll(Gen.Double, 20000, value =>
        {
            var text = DoubleFormat.Format(value);
            var back = JsonTreeReader.Parse(Encoding.UTF8.GetBytes(text), 4)!.GetValue<double>();
            Assert.True(value.Equals(back), $"{value:R} -> {text} -> {back:R}");
            Assert.True(text.Contains('.') || text.Contains('e') || !double.IsFinite(value), text);
        });
    }
}
