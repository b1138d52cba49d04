using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Runway.Timeline.Serialization;

/// <summary>
/// Parses OTIO's JSON dialect into ordered <see cref="JsonNode"/> values with System.Text.Json's
/// <see cref="Utf8JsonReader"/>: integers stay <see cref="long"/> (larger ones become doubles, as OTIO's reader does),
/// numbers with a fraction or exponent are doubles, and the bare <c>NaN</c>, <c>Inf</c>, <c>Infinity</c>,
/// <c>-Inf</c>, <c>-Infinity</c> tokens OTIO writes are read as doubles. Nesting is limited; every error names the
/// JSON path and line.
/// </summary>
internal static class JsonTreeReader
{
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8, int maxDepth)
    {
        if (utf8.StartsWith(Encoding.UTF8.Preamble)) utf8 = utf8[Encoding.UTF8.Preamble.Length..];
        var specials = new Dictionary<long, double>();
        var buffer = NeutralizeSpecialNumbers(utf8, specials);
        var path = new List<string>();
        var reader = new Utf8JsonReader(buffer, new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            if (!reader.Read()) throw new OtioFormatException("$", "the document is empty");
            var root = ReadValue(ref reader, specials, path);
            if (reader.Read()) throw new OtioFormatException("$", $"unexpected data after the document at byte {reader.TokenStartIndex + 1}");
            return root;
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader validates structure; string contents are only decoded (and found invalid) on GetString.
            throw new OtioFormatException(PathOf(path), $"invalid UTF-8 in a string: {ex.Message}", ex);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : "";
            var problem = ex.Message;
            var cut = problem.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) problem = problem[..cut];
            throw new OtioFormatException(PathOf(path), $"invalid JSON{where}: {problem}", ex);
        }
    }

    private static JsonNode? ReadValue(ref Utf8JsonReader reader, Dictionary<long, double> specials, List<string> path)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var obj = new JsonObject();
                while (true)
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.EndObject) return obj;
                    if (specials.ContainsKey(reader.TokenStartIndex))
                        throw new OtioFormatException(PathOf(path), "a bare NaN/Infinity cannot be an object key");
                    var key = reader.GetString()!;
                    path.Add("." + key);
                    reader.Read();
                    var value = ReadValue(ref reader, specials, path);
                    if (obj.ContainsKey(key)) throw new OtioFormatException(PathOf(path), "duplicate key");
                    obj.Add(key, value);
                    path.RemoveAt(path.Count - 1);
                }
            }
            case JsonTokenType.StartArray:
            {
                var array = new JsonArray();
                for (var index = 0; ; index++)
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.EndArray) return array;
                    path.Add($"[{index}]");
                    array.Add(ReadValue(ref reader, specials, path));
                    path.RemoveAt(path.Count - 1);
                }
            }
            case JsonTokenType.String:
                return specials.TryGetValue(reader.TokenStartIndex, out var special)
                    ? JsonValue.Create(special)
                    : JsonValue.Create(reader.GetString());
            case JsonTokenType.Number:
                return ReadNumber(ref reader);
            case JsonTokenType.True:
                return JsonValue.Create(true);
            case JsonTokenType.False:
                return JsonValue.Create(false);
            case JsonTokenType.Null:
                return null;
            default:
                throw new OtioFormatException(PathOf(path), $"unexpected JSON token {reader.TokenType}");
        }
    }

    private static JsonValue ReadNumber(ref Utf8JsonReader reader)
    {
        var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
        var isInteger = raw.AsSpan().IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
        if (isInteger && reader.TryGetInt64(out var integer)) return JsonValue.Create(integer);
        // Out-of-range integers and exponents become the nearest double (±Infinity past double's range).
        if (Utf8Parser.TryParse(raw, out double value, out var consumed, 'E') && consumed == raw.Length)
            return JsonValue.Create(value);
        return JsonValue.Create(double.Parse(Encoding.ASCII.GetString(raw), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Replaces each bare NaN/Infinity token outside strings with a string token of the same length (so positions
    /// and line numbers stay true) and records the value by the token's offset.
    /// </summary>
    private static ReadOnlySpan<byte> NeutralizeSpecialNumbers(ReadOnlySpan<byte> input, Dictionary<long, double> specials)
    {
        byte[]? copy = null;
        var inString = false;
        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            if (inString)
            {
                if (b == (byte)'\\') i++;
                else if (b == (byte)'"') inString = false;
                continue;
            }
            if (b == (byte)'"') { inString = true; continue; }
            if (b is not ((byte)'N' or (byte)'I' or (byte)'-')) continue;
            var rest = input[i..];
            (int Length, double Value) match =
                rest.StartsWith("NaN"u8) ? (3, double.NaN) :
                rest.StartsWith("Infinity"u8) ? (8, double.PositiveInfinity) :
                rest.StartsWith("Inf"u8) ? (3, double.PositiveInfinity) :
                rest.StartsWith("-Infinity"u8) ? (9, double.NegativeInfinity) :
                rest.StartsWith("-Inf"u8) ? (4, double.NegativeInfinity) : (0, 0);
            if (match.Length == 0) continue;
            copy ??= input.ToArray();
            copy[i] = (byte)'"';
            copy[i + 1] = b == (byte)'-' ? (byte)'-' : b;
            copy[i + 2] = (byte)'"';
            for (var j = 3; j < match.Length; j++) copy[i + j] = (byte)' ';
            specials[i] = match.Value;
            i += match.Length - 1;
        }
        return copy is null ? input : copy;
    }

    internal static string PathOf(List<string> segments) => "$" + string.Concat(segments);
}
