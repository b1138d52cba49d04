namespace Runway.Timeline.Schema;

/// <summary>A placeholder for media that is not known or not found (OTIO <c>MissingReference.1</c>).</summary>
public sealed class MissingReference : MediaReference
{
    /// <summary>Schema name.</summary>
    public const string Schema = "MissingReference";
    /// <summary>Schema version written.</summary>
    public const int Version = 1;

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <inheritdoc />
    public override bool IsMissingReference => true;
}
