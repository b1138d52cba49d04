using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>A constant speed change (OTIO <c>LinearTimeWarp.1</c>): media time advances time_scalar × item time.</summary>
public class LinearTimeWarp : Effect
{
    /// <summary>Schema name.</summary>
    public new const string Schema = "LinearTimeWarp";
    /// <summary>Schema version written.</summary>
    public new const int Version = 1;

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <summary>Speed factor: 2 is double speed, 0 a freeze, negative reverse.</summary>
    public double TimeScalar { get; set; } = 1;

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        TimeScalar = reader.Double("time_scalar", 1);
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.Double("time_scalar", TimeScalar);
    }
}
