namespace Runway.Timeline.Schema;

/// <summary>Holds one frame (OTIO <c>FreezeFrame.1</c>): a LinearTimeWarp named "FreezeFrame" with time_scalar 0.</summary>
public sealed class FreezeFrame : LinearTimeWarp
{
    /// <summary>Schema name.</summary>
    public new const string Schema = "FreezeFrame";
    /// <summary>Schema version written.</summary>
    public new const int Version = 1;

    /// <summary>A freeze: effect name "FreezeFrame", time scalar 0.</summary>
    public FreezeFrame()
    {
        EffectName = "FreezeFrame";
        TimeScalar = 0;
    }

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;
}
