namespace Runway.Timeline.Schema;

/// <summary>Anything that can sit in a composition's children: items and transitions.</summary>
public abstract class Composable : OtioObjectWithMetadata
{
    /// <summary>The composition holding this object, or null at the top.</summary>
    public Composition? Parent { get; internal set; }

    /// <summary>True when the object takes time in a track (items); false for transitions, which overlap.</summary>
    public virtual bool Visible => true;

    /// <summary>This object's range in its parent's time frame.</summary>
    /// <exception cref="OtioRangeException">The object has no parent.</exception>
    public TimeRange RangeInParent() =>
        (Parent ?? throw new OtioRangeException($"'{Name}' has no parent, so it has no range in a parent")).RangeOfChild(this);

    /// <summary>The range in the parent, clamped to the parent's source range.</summary>
    public TimeRange TrimmedRangeInParent() =>
        (Parent ?? throw new OtioRangeException($"'{Name}' has no parent, so it has no range in a parent")).TrimmedRangeOfChild(this);

    /// <summary>Length this object occupies (for a transition, in_offset + out_offset).</summary>
    public abstract RationalTime Duration();
}
