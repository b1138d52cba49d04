using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>Media in one file or URL (OTIO <c>ExternalReference.1</c>). Resolve writes plain paths, not file URLs.</summary>
public sealed class ExternalReference : MediaReference
{
    /// <summary>Schema name.</summary>
    public const string Schema = "ExternalReference";
    /// <summary>Schema version written.</summary>
    public const int Version = 1;

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <summary>Where the media is: a URL or a plain path, kept as written.</summary>
    public string TargetUrl { get; set; } = "";

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        TargetUrl = reader.String("target_url");
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.String("target_url", TargetUrl);
    }
}
