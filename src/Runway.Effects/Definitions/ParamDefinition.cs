namespace Runway.Effects.Definitions;

/// <summary>Param kinds, mapped by the shim to OFX param types.</summary>
public enum ParamKind { Double, Integer, Boolean, Choice, String, Double2D, Rgba }

/// <summary>One option of a choice param: a stable value sent on the wire and a label shown to users.</summary>
public sealed record ChoiceOption(string Value, string Label);

/// <summary>
/// A user-facing parameter. Numbers carry both a hard range (validated) and a display range (slider), because
/// hosts such as Resolve want both. <see cref="Spatial"/> params are in pixels at full resolution and scale with
/// the host's render scale.
/// </summary>
public sealed record ParamDefinition(
    string Name,
    string Label,
    ParamKind Kind,
    string Hint,
    object Default,
    double? Min = null,
    double? Max = null,
    double? DisplayMin = null,
    double? DisplayMax = null,
    IReadOnlyList<ChoiceOption>? Options = null,
    bool Spatial = false,
    bool Animates = true,
    string Page = "Controls");
