using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>
/// A bag of any schema objects, e.g. several timelines in one file (OTIO <c>SerializableCollection.1</c>; legacy
/// spelling <c>SerializeableCollection.1</c>). Unknown schemas are allowed and carried.
/// </summary>
public sealed class SerializableCollection : OtioObjectWithMetadata
{
    /// <summary>Schema name.</summary>
    public const string Schema = "SerializableCollection";
    /// <summary>Schema version written.</summary>
    public const int Version = 1;

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <summary>The members in order.</summary>
    public List<OtioObject> Children { get; set; } = [];

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        Children = reader.List<OtioObject>("children");
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.List("children", Children);
    }
}
