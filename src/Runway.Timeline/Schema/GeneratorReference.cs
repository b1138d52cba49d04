using System.Text.Json.Nodes;
using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>Media made by a generator such as bars or solid colour (OTIO <c>GeneratorReference.1</c>).</summary>
public sealed class GeneratorReference : MediaReference
{
    /// <summary>Schema name.</summary>
    public const string Schema = "GeneratorReference";
    /// <summary>Schema version written.</summary>
    public const int Version = 1;

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <summary>What generates the media, e.g. <c>SMPTEBars</c>.</summary>
    public string GeneratorKind { get; set; } = "";

    /// <summary>Generator parameters as ordered JSON values (written with sorted keys).</summary>
    public JsonObject Parameters { get; set; } = new();

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        GeneratorKind = reader.String("generator_kind");
        Parameters = reader.Dictionary("parameters");
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.String("generator_kind", GeneratorKind);
        writer.Dictionary("parameters", Parameters);
    }
}
