using System.Text.Json.Nodes;
using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>
/// Base of every OTIO schema object. Each concrete type declares its schema name and version next to itself and has a
/// matched pair <see cref="ReadFields"/>/<see cref="WriteFields"/>; fields the type does not know are kept in
/// <see cref="UnknownFields"/> and written back, so data from newer tools survives a round trip.
/// </summary>
public abstract class OtioObject
{
    /// <summary>Schema name written in <c>OTIO_SCHEMA</c> (without the version).</summary>
    public abstract string SchemaName { get; }

    /// <summary>Schema version this type writes.</summary>
    public abstract int SchemaVersion { get; }

    /// <summary>Fields read from a file that this type does not model, in file order (written sorted).</summary>
    public JsonObject UnknownFields { get; } = new();

    /// <summary>Reads this type's own fields (base class first), removing each from the reader.</summary>
    internal abstract void ReadFields(FieldReader reader);

    /// <summary>Writes this type's own fields, base class first.</summary>
    internal abstract void WriteFields(FieldWriter writer);
}

/// <summary>An object with a <c>name</c> and a <c>metadata</c> dictionary (ordered JSON values).</summary>
public abstract class OtioObjectWithMetadata : OtioObject
{
    /// <summary>Display name; a JSON null reads as "".</summary>
    public string Name { get; set; } = "";

    /// <summary>Free-form metadata (e.g. <c>Resolve_OTIO</c>), carried untouched; written with sorted keys.</summary>
    public JsonObject Metadata { get; set; } = new();

    internal override void ReadFields(FieldReader reader)
    {
        Metadata = reader.Dictionary("metadata");
        Name = reader.String("name");
    }

    internal override void WriteFields(FieldWriter writer)
    {
        writer.Dictionary("metadata", Metadata);
        writer.String("name", Name);
    }
}

/// <summary>A schema this library does not know, kept whole and written back under its original name and version.</summary>
public sealed class UnknownSchema : OtioObject
{
    /// <summary>Creates the carrier for <c>name.version</c>.</summary>
    public UnknownSchema(string originalName, int originalVersion)
    {
        OriginalSchemaName = originalName;
        OriginalSchemaVersion = originalVersion;
    }

    /// <summary>The schema name as read.</summary>
    public string OriginalSchemaName { get; }

    /// <summary>The schema version as read.</summary>
    public int OriginalSchemaVersion { get; }

    /// <inheritdoc />
    public override string SchemaName => OriginalSchemaName;

    /// <inheritdoc />
    public override int SchemaVersion => OriginalSchemaVersion;

    // Everything lands in UnknownFields, which the writer emits sorted, as OTIO does for an unknown schema's data.
    internal override void ReadFields(FieldReader reader) { }

    internal override void WriteFields(FieldWriter writer) { }
}
