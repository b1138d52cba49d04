using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>
/// A blend between its neighbours on a track (OTIO <c>Transition.1</c>): it reaches <see cref="InOffset"/> back into
/// the previous item and <see cref="OutOffset"/> forward into the next, and takes no track time itself.
/// </summary>
public sealed class Transition : Composable
{
    /// <summary>Schema name.</summary>
    public const string Schema = "Transition";
    /// <summary>Schema version written.</summary>
    public const int Version = 1;
    /// <summary>The standard dissolve.</summary>
    public const string SmpteDissolve = "SMPTE_Dissolve";
    /// <summary>Any other transition.</summary>
    public const string CustomTransition = "Custom_Transition";

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <inheritdoc />
    public override bool Visible => false;

    /// <summary><c>SMPTE_Dissolve</c>, <c>Custom_Transition</c>, or a host's own string.</summary>
    public string TransitionType { get; set; } = "";

    /// <summary>How far the transition reaches into the previous item.</summary>
    public RationalTime InOffset { get; set; } = RationalTime.Zero;

    /// <summary>How far the transition reaches into the next item.</summary>
    public RationalTime OutOffset { get; set; } = RationalTime.Zero;

    /// <summary>in_offset + out_offset.</summary>
    public override RationalTime Duration() => InOffset + OutOffset;

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        InOffset = reader.Time("in_offset", RationalTime.Zero);
        OutOffset = reader.Time("out_offset", RationalTime.Zero);
        TransitionType = reader.String("transition_type");
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.Time("in_offset", InOffset);
        writer.Time("out_offset", OutOffset);
        writer.String("transition_type", TransitionType);
    }
}
