using System.Collections.ObjectModel;
using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>An item made of children (tracks and stacks). Children know their parent; an object has one parent.</summary>
public abstract class Composition : Item
{
    /// <summary>Creates an empty composition.</summary>
    protected Composition() => Children = new ChildList(this);

    /// <summary>Children in order; adding sets their <see cref="Composable.Parent"/>.</summary>
    public Collection<Composable> Children { get; }

    /// <summary>The range of the child at <paramref name="index"/> in this composition's time frame (untrimmed).</summary>
    public abstract TimeRange RangeOfChildAt(int index);

    /// <summary>The transition lengths around a child: (previous in_offset, next out_offset).</summary>
    public virtual (RationalTime? Head, RationalTime? Tail) HandlesOfChild(Composable child) => (null, null);

    /// <summary>
    /// The range of a child or deeper descendant in this composition's time frame; for a descendant each
    /// intermediate parent's start is added (OTIO's <c>range_of_child</c>).
    /// </summary>
    public TimeRange RangeOfChild(Composable descendant)
    {
        ArgumentNullException.ThrowIfNull(descendant);
        var current = descendant;
        TimeRange? result = null;
        while (true)
        {
            var parent = current.Parent ?? throw new OtioRangeException($"'{descendant.Name}' is not inside '{Name}'");
            var range = parent.RangeOfChildAt(parent.IndexOfChild(current));
            result = result is { } r ? new TimeRange(r.StartTime + range.StartTime, r.Duration) : range;
            if (ReferenceEquals(parent, this)) return result.Value;
            current = parent;
        }
    }

    /// <summary>The range of a direct child clamped to this composition's source range.</summary>
    /// <exception cref="OtioRangeException">The child lies wholly outside the source range.</exception>
    public TimeRange TrimmedRangeOfChild(Composable child) => TrimmedRangeOfChildAt(IndexOfChild(child));

    /// <summary>The range of the child at <paramref name="index"/> clamped to this composition's source range.</summary>
    public TimeRange TrimmedRangeOfChildAt(int index)
    {
        var range = RangeOfChildAt(index);
        if (SourceRange is not { } trim) return range;
        if (range.EndTimeExclusive <= trim.StartTime || range.StartTime >= trim.EndTimeExclusive)
            throw new OtioRangeException($"child {index} ('{Children[index].Name}') of '{Name}' lies outside its source range {trim}");
        return range.ClampedTo(trim);
    }

    /// <summary>All clips below this composition, depth first, in child order.</summary>
    public IEnumerable<Clip> FindClips()
    {
        foreach (var child in Children)
        {
            if (child is Clip clip) yield return clip;
            else if (child is Composition composition)
                foreach (var inner in composition.FindClips()) yield return inner;
        }
    }

    /// <summary>Index of a direct child (by reference).</summary>
    /// <exception cref="OtioRangeException">Not a child of this composition.</exception>
    public int IndexOfChild(Composable child)
    {
        for (var i = 0; i < Children.Count; i++)
            if (ReferenceEquals(Children[i], child)) return i;
        throw new OtioRangeException($"'{child.Name}' is not a child of '{Name}'");
    }

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        foreach (var child in reader.List<Composable>("children")) Children.Add(child);
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.List("children", Children);
    }

    private sealed class ChildList(Composition owner) : Collection<Composable>
    {
        protected override void InsertItem(int index, Composable item)
        {
            Adopt(item);
            base.InsertItem(index, item);
        }

        protected override void SetItem(int index, Composable item)
        {
            Adopt(item);
            this[index].Parent = null;
            base.SetItem(index, item);
        }

        protected override void RemoveItem(int index)
        {
            this[index].Parent = null;
            base.RemoveItem(index);
        }

        protected override void ClearItems()
        {
            foreach (var child in this) child.Parent = null;
            base.ClearItems();
        }

        // One parent per object keeps range_in_parent well defined (and makes cycles impossible).
        private void Adopt(Composable item)
        {
            ArgumentNullException.ThrowIfNull(item);
            if (item.Parent is not null)
                throw new InvalidOperationException($"'{item.Name}' already belongs to '{item.Parent.Name}'; remove it there first");
            for (Composition? c = owner; c is not null; c = c.Parent)
                if (ReferenceEquals(c, item)) throw new InvalidOperationException($"'{item.Name}' cannot contain itself");
            item.Parent = owner;
        }
    }
}
