using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>
/// Base of clips, gaps and compositions: a source range (the part of the item used), effects, markers, an enabled
/// flag (OTIO 0.15) and an optional colour (OTIO 0.18, added without a version bump).
/// </summary>
public abstract class Item : Composable
{
    /// <summary>The part of the item used, in the item's own time frame; null means all of its available range.</summary>
    public TimeRange? SourceRange { get; set; }

    /// <summary>Effects applied to the item, in order.</summary>
    public List<Effect> Effects { get; set; } = [];

    /// <summary>Markers, with ranges in this item's time frame.</summary>
    public List<Marker> Markers { get; set; } = [];

    /// <summary>False when the editor disabled the item (it still takes time).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The item's display colour, or null.</summary>
    public OtioColor? Color { get; set; }

    /// <summary>The range the item could provide (media, or the span of its children).</summary>
    /// <exception cref="OtioRangeException">The item cannot know (e.g. a clip without an available range).</exception>
    public abstract TimeRange AvailableRange();

    /// <summary>The source range when set, else the available range.</summary>
    public TimeRange TrimmedRange() => SourceRange ?? AvailableRange();

    /// <inheritdoc />
    public override RationalTime Duration() => TrimmedRange().Duration;

    /// <summary>
    /// The trimmed range extended back by the previous transition's in_offset and forward by the next transition's
    /// out_offset: the media a renderer must provide for this item.
    /// </summary>
    public TimeRange VisibleRange()
    {
        var result = TrimmedRange();
        if (Parent is null) return result;
        var (head, tail) = Parent.HandlesOfChild(this);
        if (head is { } h) result = new TimeRange(result.StartTime - h, result.Duration + h);
        if (tail is { } t) result = new TimeRange(result.StartTime, result.Duration + t);
        return result;
    }

    /// <summary>
    /// Maps <paramref name="time"/> from this item's time frame to <paramref name="toItem"/>'s (e.g. a timeline time
    /// on the tracks stack to a clip's media time), through their common ancestor; null returns the time unchanged.
    /// </summary>
    public RationalTime TransformedTime(RationalTime time, Item? toItem)
    {
        if (toItem is null) return time;
        Item root = this;
        while (root.Parent is not null) root = root.Parent;
        var result = time;
        Item item = this;
        while (!ReferenceEquals(item, root) && !ReferenceEquals(item, toItem))
        {
            var parent = item.Parent!;
            result = result - item.TrimmedRange().StartTime + parent.RangeOfChild(item).StartTime;
            item = parent;
        }
        var ancestor = item;
        item = toItem;
        while (!ReferenceEquals(item, root) && !ReferenceEquals(item, ancestor))
        {
            var parent = item.Parent ?? throw new OtioRangeException($"'{toItem.Name}' is not in the same tree as '{Name}'");
            result = result + item.TrimmedRange().StartTime - parent.RangeOfChild(item).StartTime;
            item = parent;
        }
        if (!ReferenceEquals(item, ancestor))
            throw new OtioRangeException($"'{toItem.Name}' is not in the same tree as '{Name}'");
        return result;
    }

    /// <summary>Maps a range's start like <see cref="TransformedTime"/>; the duration is unchanged.</summary>
    public TimeRange TransformedTimeRange(TimeRange range, Item? toItem) =>
        new(TransformedTime(range.StartTime, toItem), range.Duration);

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        SourceRange = reader.OptionalRange("source_range");
        Effects = reader.List<Effect>("effects");
        Markers = reader.List<Marker>("markers");
        Enabled = reader.Bool("enabled", true);
        Color = reader.OptionalColor("color");
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.Range("source_range", SourceRange);
        writer.List("effects", Effects);
        writer.List("markers", Markers);
        writer.Bool("enabled", Enabled);
        writer.Color("color", Color);
    }
}
