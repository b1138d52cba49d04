using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>
/// Children played one after another (OTIO <c>Track.1</c>; legacy alias <c>Sequence.1</c>). Transitions overlap their
/// neighbours and take no track time.
/// </summary>
public sealed class Track : Composition
{
    /// <summary>Schema name.</summary>
    public const string Schema = "Track";
    /// <summary>Schema version written.</summary>
    public const int Version = 1;

    /// <summary>Kind of a video track.</summary>
    public const string VideoKind = "Video";
    /// <summary>Kind of an audio track.</summary>
    public const string AudioKind = "Audio";

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <summary><c>Video</c> or <c>Audio</c> (other strings are kept).</summary>
    public string Kind { get; set; } = VideoKind;

    /// <summary>A child starts at the sum of the preceding non-transition durations; a transition spans
    /// (start − in_offset, in_offset + out_offset).</summary>
    public override TimeRange RangeOfChildAt(int index)
    {
        var child = Children[index];
        var start = StartOfChildAt(index);
        if (child is Transition transition)
            return new TimeRange(start - transition.InOffset, transition.InOffset + transition.OutOffset);
        return new TimeRange(start, child.Duration());
    }

    /// <summary>Sum of item durations, plus a leading transition's in_offset and a trailing one's out_offset.</summary>
    public override TimeRange AvailableRange()
    {
        var duration = RationalTime.Zero;
        foreach (var child in Children)
            if (child is Item item) duration += item.Duration();
        if (Children.Count > 0)
        {
            if (Children[0] is Transition first) duration += first.InOffset;
            if (Children[^1] is Transition last) duration += last.OutOffset;
        }
        return new TimeRange(new RationalTime(0, duration.Rate), duration);
    }

    /// <inheritdoc />
    public override (RationalTime? Head, RationalTime? Tail) HandlesOfChild(Composable child)
    {
        var index = IndexOfChild(child);
        RationalTime? head = index > 0 && Children[index - 1] is Transition before ? before.InOffset : null;
        RationalTime? tail = index + 1 < Children.Count && Children[index + 1] is Transition after ? after.OutOffset : null;
        return (head, tail);
    }

    private RationalTime StartOfChildAt(int index)
    {
        var start = RationalTime.Zero;
        for (var i = 0; i < index; i++)
            if (Children[i] is Item item) start += item.Duration();
        // A zero at rate 1 would otherwise leave the first child's start at rate 1.
        return index == 0 || start.Value == 0 ? new RationalTime(0, RateHint(index)) : start;
    }

    private double RateHint(int index)
    {
        var child = Children[index];
        return child is Transition t ? t.InOffset.Rate : child.Duration().Rate;
    }

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        Kind = reader.String("kind", VideoKind);
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.String("kind", Kind);
    }
}
