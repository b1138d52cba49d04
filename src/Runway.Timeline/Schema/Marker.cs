using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>
/// A note on a range of an item (OTIO <c>Marker.2</c>, the dialect Resolve reads; <c>Marker.1</c> is upgraded and
/// the unreleased <c>Marker.3</c> with a Color.1 colour is read and written back as a colour name).
/// </summary>
public sealed class Marker : OtioObjectWithMetadata
{
    /// <summary>Schema name.</summary>
    public const string Schema = "Marker";
    /// <summary>Schema version written.</summary>
    public const int Version = 2;

    /// <summary>The colour names OTIO defines for markers.</summary>
    public static IReadOnlyList<string> ColorNames { get; } =
        ["PINK", "RED", "ORANGE", "YELLOW", "GREEN", "CYAN", "BLUE", "PURPLE", "MAGENTA", "BLACK", "WHITE"];

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <summary>Uppercase colour name (see <see cref="ColorNames"/>); other strings are kept as written.</summary>
    public string Color { get; set; } = "RED";

    /// <summary>The marked range in the owning item's time frame.</summary>
    public TimeRange MarkedRange { get; set; } = new(RationalTime.Zero, RationalTime.Zero);

    /// <summary>Free text.</summary>
    public string Comment { get; set; } = "";

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        Color = reader.String("color", "RED");
        MarkedRange = reader.OptionalRange("marked_range") ?? new TimeRange(RationalTime.Zero, RationalTime.Zero);
        Comment = reader.String("comment");
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.String("color", Color);
        writer.Range("marked_range", MarkedRange);
        writer.String("comment", Comment);
    }
}
