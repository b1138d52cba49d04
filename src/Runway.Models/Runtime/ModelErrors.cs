namespace Runway.Models.Runtime;

/// <summary>Why a model could not be used; services map these to status codes.</summary>
public enum ModelErrorKind
{
    /// <summary>No pack with that id (or none for that effect).</summary>
    NotFound,

    /// <summary>The pack is broken: manifest, files, sha256, graph mismatch, or ONNX Runtime could not load it.</summary>
    Unusable,

    /// <summary>Loading it would exceed the memory budget (it is bigger than the budget, or the rest is in use).</summary>
    OverBudget,
}

/// <summary>A model that cannot be served, with a message for people.</summary>
public sealed class ModelException(ModelErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public ModelErrorKind Kind { get; } = kind;
}
