namespace Runway.Cli.Media;

/// <summary>What a <c>--input</c> or <c>--output</c> path names.</summary>
public enum MediaKind { Image, Sequence, Video }

/// <summary>Classifies paths: a printf pattern (<c>%04d</c>) or a directory is a sequence, known video extensions are video.</summary>
public static class MediaPaths
{
    private static readonly HashSet<string> VideoExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v",
    };

    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".pam", ".ppm", ".pgm", ".bmp", ".webp", ".hdr", ".pfm",
    };

    public static MediaKind Classify(string path)
    {
        if (path.Contains('%') || Directory.Exists(path)) return MediaKind.Sequence;
        return VideoExtensions.Contains(Path.GetExtension(path)) ? MediaKind.Video : MediaKind.Image;
    }

    public static bool IsImageFile(string path) => ImageExtensions.Contains(Path.GetExtension(path));

    /// <summary>The frames of a sequence: files matching a printf pattern in frame order, or the images in a directory by name.</summary>
    public static IReadOnlyList<string> ExpandSequence(string pattern)
    {
        if (Directory.Exists(pattern))
        {
            return Directory.EnumerateFiles(pattern).Where(IsImageFile).Order(StringComparer.Ordinal).ToList();
        }
        var dir = Path.GetDirectoryName(pattern) is { Length: > 0 } d ? d : ".";
        var name = Path.GetFileName(pattern);
        var start = name.IndexOf('%');
        var end = name.IndexOf('d', start);
        if (start < 0 || end < 0) throw new ArgumentException($"'{pattern}' is not a sequence pattern such as frame_%04d.png");
        var prefix = name[..start];
        var suffix = name[(end + 1)..];
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"sequence folder '{dir}' does not exist");
        return Directory.EnumerateFiles(dir)
            .Select(f => (Path: f, Name: Path.GetFileName(f)))
            .Where(f => f.Name.StartsWith(prefix, StringComparison.Ordinal) && f.Name.EndsWith(suffix, StringComparison.Ordinal)
                        && f.Name.Length > prefix.Length + suffix.Length
                        && f.Name[prefix.Length..^suffix.Length].All(char.IsAsciiDigit))
            .OrderBy(f => long.Parse(f.Name[prefix.Length..^suffix.Length]))
            .Select(f => f.Path)
            .ToList();
    }

    /// <summary>The output file for frame <paramref name="index"/> of a sequence pattern or directory.</summary>
    public static string SequenceFramePath(string pattern, int index, string defaultExtension = ".png")
    {
        if (!pattern.Contains('%')) return Path.Combine(pattern, $"frame_{index:D4}{defaultExtension}");
        var start = pattern.LastIndexOf('%');
        var end = pattern.IndexOf('d', start);
        var spec = pattern[(start + 1)..end];
        var width = spec.TrimStart('0') is { Length: > 0 } w ? int.Parse(w) : 1;
        return pattern[..start] + index.ToString(new string('0', width)) + pattern[(end + 1)..];
    }
}
