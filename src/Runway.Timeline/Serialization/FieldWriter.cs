using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Runway.Timeline.Schema;

namespace Runway.Timeline.Serialization;

/// <summary>
/// Writes schema objects the way OTIO's own writer does: <c>OTIO_SCHEMA</c> first, then unknown fields sorted, then
/// the type's fields base class first; dictionaries sorted by key; doubles always with a fraction (or exponent),
/// <c>NaN</c>/<c>Infinity</c>/<c>-Infinity</c> bare; integers as int64.
/// </summary>
internal sealed class FieldWriter(Utf8JsonWriter json)
{
    public void WriteObject(OtioObject value)
    {
        json.WriteStartObject();
        json.WriteString("OTIO_SCHEMA", $"{value.SchemaName}.{value.SchemaVersion.ToString(CultureInfo.InvariantCulture)}");
        foreach (var (key, node) in Sorted(value.UnknownFields))
        {
            json.WritePropertyName(key);
            WriteNode(node);
        }
        value.WriteFields(this);
        json.WriteEndObject();
    }

    public void String(string key, string value) => json.WriteString(key, value);

    public void Long(string key, long value) => json.WriteNumber(key, value);

    public void Bool(string key, bool value) => json.WriteBoolean(key, value);

    public void Double(string key, double value)
    {
        json.WritePropertyName(key);
        WriteDouble(value);
    }

    public void Time(string key, RationalTime? value)
    {
        json.WritePropertyName(key);
        if (value is { } t) WriteTime(t);
        else json.WriteNullValue();
    }

    public void Range(string key, TimeRange? value)
    {
        json.WritePropertyName(key);
        if (value is { } r) WriteRange(r);
        else json.WriteNullValue();
    }

    public void Color(string key, OtioColor? value)
    {
        json.WritePropertyName(key);
        if (value is null) json.WriteNullValue();
        else WriteColor(value);
    }

    private void WriteColor(OtioColor value)
    {
        json.WriteStartObject();
        json.WriteString("OTIO_SCHEMA", "Color.1");
        Double("r", value.R);
        Double("g", value.G);
        Double("b", value.B);
        Double("a", value.A);
        String("name", value.Name);
        json.WriteEndObject();
    }

    public void Box(string key, Box2d? value)
    {
        json.WritePropertyName(key);
        if (value is { } box) WriteBox(box);
        else json.WriteNullValue();
    }

    private void WriteBox(Box2d box)
    {
        json.WriteStartObject();
        json.WriteString("OTIO_SCHEMA", "Box2d.1");
        V2d("min", box.Min);
        V2d("max", box.Max);
        json.WriteEndObject();
    }

    private void V2d(string key, V2d v)
    {
        json.WritePropertyName(key);
        json.WriteStartObject();
        json.WriteString("OTIO_SCHEMA", "V2d.1");
        Double("x", v.X);
        Double("y", v.Y);
        json.WriteEndObject();
    }

    public void Dictionary(string key, JsonObject value)
    {
        json.WritePropertyName(key);
        WriteNode(value);
    }

    public void Object(string key, OtioObject? value)
    {
        json.WritePropertyName(key);
        if (value is null) json.WriteNullValue();
        else WriteObject(value);
    }

    public void List<T>(string key, IEnumerable<T> values) where T : OtioObject
    {
        json.WritePropertyName(key);
        json.WriteStartArray();
        foreach (var value in values) WriteObject(value);
        json.WriteEndArray();
    }

    public void Map<T>(string key, IEnumerable<KeyValuePair<string, T>> values) where T : OtioObject
    {
        json.WritePropertyName(key);
        json.WriteStartObject();
        foreach (var (name, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            json.WritePropertyName(name);
            WriteObject(value);
        }
        json.WriteEndObject();
    }

    private void WriteTime(RationalTime t)
    {
        json.WriteStartObject();
        json.WriteString("OTIO_SCHEMA", "RationalTime.1");
        Double("rate", t.Rate);
        Double("value", t.Value);
        json.WriteEndObject();
    }

    private void WriteRange(TimeRange r)
    {
        json.WriteStartObject();
        json.WriteString("OTIO_SCHEMA", "TimeRange.1");
        json.WritePropertyName("duration");
        WriteTime(r.Duration);
        json.WritePropertyName("start_time");
        WriteTime(r.StartTime);
        json.WriteEndObject();
    }

    /// <summary>
    /// Writes a metadata value. Objects naming a known OTIO schema are read through the model and written in schema
    /// order (as OTIO does, since it holds them as objects); everything else is written with sorted keys.
    /// </summary>
    public void WriteNode(JsonNode? node)
    {
        switch (node)
        {
            case null:
                json.WriteNullValue();
                break;
            case JsonObject obj when obj.ContainsKey("OTIO_SCHEMA") && TryAsSchema(obj, out var written):
                written();
                break;
            case JsonObject obj:
                json.WriteStartObject();
                if (obj["OTIO_SCHEMA"] is { } schema)
                {
                    json.WritePropertyName("OTIO_SCHEMA");
                    WriteNode(schema);
                }
                foreach (var (key, value) in Sorted(obj).Where(p => p.Key != "OTIO_SCHEMA"))
                {
                    json.WritePropertyName(key);
                    WriteNode(value);
                }
                json.WriteEndObject();
                break;
            case JsonArray array:
                json.WriteStartArray();
                foreach (var item in array) WriteNode(item);
                json.WriteEndArray();
                break;
            case JsonValue value:
                WriteScalar(value);
                break;
        }
    }

    private bool TryAsSchema(JsonObject obj, out Action write)
    {
        write = () => { };
        try
        {
            var (name, _) = ObjectReader.ParseSchema(obj, "$");
            var copy = obj.DeepClone();
            switch (name)
            {
                case "RationalTime": { var t = ObjectReader.ReadTime(copy, "$"); write = () => WriteTime(t); return true; }
                case "TimeRange": { var r = ObjectReader.ReadRange(copy, "$"); write = () => WriteRange(r); return true; }
                case "Color": { var c = ObjectReader.ReadColor(copy, "$"); write = () => WriteColor(c); return true; }
                case "Box2d": { var b = ObjectReader.ReadBox(copy, "$"); write = () => WriteBox(b); return true; }
                case "TimeTransform" or "V2d": return false; // sorted key order is OTIO's order for these
            }
            var model = new ObjectReader().ReadObject(copy, "$");
            write = () => WriteObject(model);
            return true;
        }
        catch (OtioFormatException)
        {
            // Not a valid schema object: carry it as plain JSON.
            return false;
        }
    }

    private void WriteScalar(JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                json.WriteStringValue(value.GetValue<string>());
                return;
            case JsonValueKind.True:
                json.WriteBooleanValue(true);
                return;
            case JsonValueKind.False:
                json.WriteBooleanValue(false);
                return;
            case JsonValueKind.Null:
                json.WriteNullValue();
                return;
        }
        if (value.TryGetValue<long>(out var l)) json.WriteNumberValue(l);
        else if (value.TryGetValue<int>(out var i)) json.WriteNumberValue(i);
        else if (value.TryGetValue<short>(out var s)) json.WriteNumberValue(s);
        else if (value.TryGetValue<uint>(out var ui)) json.WriteNumberValue(ui);
        else if (value.TryGetValue<double>(out var d)) WriteDouble(d);
        else if (value.TryGetValue<float>(out var f)) WriteDouble(f);
        else if (value.TryGetValue<decimal>(out var m)) WriteDouble((double)m);
        else if (value.TryGetValue<JsonElement>(out var e))
        {
            if (e.TryGetInt64(out var el)) json.WriteNumberValue(el);
            else WriteDouble(e.GetDouble());
        }
        else WriteDouble(value.GetValue<double>());
    }

    private void WriteDouble(double value) => json.WriteRawValue(DoubleFormat.Format(value), skipInputValidation: true);

    private static IEnumerable<KeyValuePair<string, JsonNode?>> Sorted(JsonObject obj) =>
        obj.OrderBy(p => p.Key, StringComparer.Ordinal);
}
