using Runway.Timeline.Serialization;

namespace Runway.Timeline.Schema;

/// <summary>
/// A piece of media on a track (OTIO <c>Clip.2</c>, read from <c>Clip.1</c> by the upgrade table). Holds one or more
/// media references by key; the active one supplies the available range. A clip always has a reference for its
/// active key (a missing or null one becomes <see cref="MissingReference"/>).
/// </summary>
public sealed class Clip : Item
{
    /// <summary>Schema name.</summary>
    public const string Schema = "Clip";
    /// <summary>Schema version written (the dialect Resolve 18.5+ reads).</summary>
    public const int Version = 2;
    /// <summary>The key OTIO uses for a clip's single reference.</summary>
    public const string DefaultMediaKey = "DEFAULT_MEDIA";

    private readonly SortedDictionary<string, MediaReference> _references = new(StringComparer.Ordinal)
    {
        [DefaultMediaKey] = new MissingReference(),
    };

    /// <inheritdoc />
    public override string SchemaName => Schema;
    /// <inheritdoc />
    public override int SchemaVersion => Version;

    /// <summary>The key of the active reference.</summary>
    public string ActiveMediaReferenceKey { get; private set; } = DefaultMediaKey;

    /// <summary>All references by key (sorted by key, as written).</summary>
    public IReadOnlyDictionary<string, MediaReference> MediaReferences => _references;

    /// <summary>The active reference; setting null stores a <see cref="MissingReference"/> under the active key.</summary>
    public MediaReference MediaReference
    {
        get => _references[ActiveMediaReferenceKey];
        set => _references[ActiveMediaReferenceKey] = value ?? new MissingReference();
    }

    /// <summary>Replaces all references and the active key.</summary>
    /// <exception cref="ArgumentException">An empty key, or the active key missing from the map.</exception>
    public void SetMediaReferences(IEnumerable<KeyValuePair<string, MediaReference?>> references, string activeKey)
    {
        var copy = references.ToList();
        if (copy.Any(r => r.Key.Length == 0)) throw new ArgumentException("media reference keys must not be empty", nameof(references));
        if (copy.All(r => r.Key != activeKey))
            throw new ArgumentException($"the active key '{activeKey}' is not among the media references", nameof(activeKey));
        _references.Clear();
        foreach (var (key, reference) in copy) _references[key] = reference ?? new MissingReference();
        ActiveMediaReferenceKey = activeKey;
    }

    /// <summary>Adds or replaces a reference without changing the active key.</summary>
    public void SetMediaReference(string key, MediaReference? reference)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        _references[key] = reference ?? new MissingReference();
    }

    /// <summary>Makes another existing key active (e.g. switch between original and processed media).</summary>
    /// <exception cref="ArgumentException">No reference under that key.</exception>
    public void SetActiveMediaReferenceKey(string key)
    {
        if (!_references.ContainsKey(key)) throw new ArgumentException($"no media reference under key '{key}'", nameof(key));
        ActiveMediaReferenceKey = key;
    }

    /// <summary>The active reference's available range.</summary>
    /// <exception cref="OtioRangeException">The reference has none.</exception>
    public override TimeRange AvailableRange() => MediaReference.AvailableRange
        ?? throw new OtioRangeException($"clip '{Name}': media reference '{ActiveMediaReferenceKey}' has no available_range, so the clip needs a source_range");

    internal override void ReadFields(FieldReader reader)
    {
        base.ReadFields(reader);
        var references = reader.Map<MediaReference>("media_references");
        var active = reader.String("active_media_reference_key", DefaultMediaKey);
        if (references.Count == 0) references.Add(new(active, null));
        if (references.Any(r => r.Key.Length == 0))
            throw reader.Fail("media_references", "a media reference key is empty");
        if (references.All(r => r.Key != active))
            throw reader.Fail("active_media_reference_key", $"'{active}' is not a key of media_references");
        SetMediaReferences(references, active);
    }

    internal override void WriteFields(FieldWriter writer)
    {
        base.WriteFields(writer);
        writer.Map("media_references", _references);
        writer.String("active_media_reference_key", ActiveMediaReferenceKey);
    }
}
