namespace Runway.Timeline.Schema;

/// <summary>Empty time on a track (OTIO <c>Gap.1</c>; legacy alias <c>Filler.1</c>).</summary>
public sealed class Gap : Item
{
    /// <summary>Schema name.</summary>
    public const string Schema = "Gap";
    /// <summary>Schema version written.</summary>
    public const int Version = 1;

    /// <summary>An empty gap: source range 0/1 + 0/1, as OTIO creates it.</summary>
    public Gap() => SourceRange = new TimeRange(RationalTime.Zero, RationalTime.Zero);

    /// <summary>A gap of <paramref name="duration"/> starting at 0.</summary>
    public Gap(RationalTime duration) => SourceRange = new TimeRange(new RationalTime(0, duration.Rate), duration);

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <summary>A gap can provide any length: its available range is its source range (or empty).</summary>
    public override TimeRange AvailableRange() => SourceRange ?? new TimeRange(RationalTime.Zero, RationalTime.Zero);
}
