using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>An effect applied to an item, identified by name (OTIO <c>Effect.1</c>; <c>enabled</c> since 0.18).</summary>
public class Effect : OtioObjectWithMetadata
{
    /// <summary>Schema name.</summary>
    public const string Schema = "Effect";
    /// <summary>Schema version written.</summary>
    public const int Version = 1;

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <summary>The host's name for the effect.</summary>
    public string EffectName { get; set; } = "";

    /// <summary>False when the effect is switched off.</summary>
    public bool Enabled { get; set; } = true;

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        EffectName = reader.String("effect_name");
        Enabled = reader.Bool("enabled", true);
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.String("effect_name", EffectName);
        writer.Bool("enabled", Enabled);
    }
}
