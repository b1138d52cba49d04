namespace Runway.Timeline;

/// <summary>Base of every error this library raises: bad files, bad times, impossible range queries.</summary>
public class OtioException : Exception
{
    /// <summary>Creates the error with a message for people.</summary>
    public OtioException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// A file could not be read or written: invalid or truncated JSON, wrong types, excessive nesting, unknown or too-new
/// schema versions. <see cref="JsonPath"/> names the place in the document (<c>$.tracks.children[2].name</c>).
/// </summary>
public sealed class OtioFormatException : OtioException
{
    /// <summary>Creates the error for a place in the document.</summary>
    public OtioFormatException(string jsonPath, string problem, Exception? inner = null)
        : base($"{jsonPath}: {problem}", inner)
    {
        JsonPath = jsonPath;
        Problem = problem;
    }

    /// <summary>Where in the document the problem is, as a JSONPath (<c>$</c> is the root).</summary>
    public string JsonPath { get; }

    /// <summary>The problem without the path.</summary>
    public string Problem { get; }
}

/// <summary>A time or timecode operation has no valid answer (negative timecode, unsupported rate, bad string).</summary>
public sealed class OpentimeException : OtioException
{
    /// <summary>Creates the error.</summary>
    public OpentimeException(string message) : base(message) { }
}

/// <summary>A range query cannot be answered (no available range, not a child, child outside the trimmed range).</summary>
public sealed class OtioRangeException : OtioException
{
    /// <summary>Creates the error.</summary>
    public OtioRangeException(string message) : base(message) { }
}
