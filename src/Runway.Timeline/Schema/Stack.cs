namespace Runway.Timeline.Schema;

/// <summary>Children layered on top of each other, all starting at 0 (OTIO <c>Stack.1</c>); the last is on top.</summary>
public sealed class Stack : Composition
{
    /// <summary>Schema name.</summary>
    public const string Schema = "Stack";
    /// <summary>Schema version written.</summary>
    public const int Version = 1;

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <summary>Every child starts at 0 and lasts its own duration.</summary>
    public override TimeRange RangeOfChildAt(int index)
    {
        var duration = Children[index].Duration();
        return new TimeRange(new RationalTime(0, duration.Rate), duration);
    }

    /// <summary>From 0 for the longest child's duration.</summary>
    public override TimeRange AvailableRange()
    {
        var duration = RationalTime.Zero;
        foreach (var child in Children)
            if (child is Item item && item.Duration() is var d && d > duration) duration = d;
        return new TimeRange(new RationalTime(0, duration.Rate), duration);
    }
}
