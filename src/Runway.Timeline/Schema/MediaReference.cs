using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>Base of the references a clip uses to find its media: the range and image bounds the media offers.</summary>
public abstract class MediaReference : OtioObjectWithMetadata
{
    /// <summary>The media's time range (e.g. source timecode in, duration), or null when unknown.</summary>
    public TimeRange? AvailableRange { get; set; }

    /// <summary>The media's image bounds, or null.</summary>
    public Box2d? AvailableImageBounds { get; set; }

    /// <summary>True for a placeholder that points at no media.</summary>
    public virtual bool IsMissingReference => false;

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        AvailableRange = reader.OptionalRange("available_range");
        AvailableImageBounds = reader.OptionalBox("available_image_bounds");
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.Range("available_range", AvailableRange);
        writer.Box("available_image_bounds", AvailableImageBounds);
    }
}
