namespace Runway.Timeline.Schema;

/// <summary>An RGBA colour with an optional name (OTIO <c>Color.1</c>, used by Item.color since OTIO 0.18).</summary>
public sealed record OtioColor(double R = 1.0, double G = 1.0, double B = 1.0, double A = 1.0, string Name = "");

/// <summary>A 2D point (OTIO <c>V2d.1</c>).</summary>
public readonly record struct V2d(double X, double Y);

/// <summary>An axis-aligned box (OTIO <c>Box2d.1</c>), e.g. a reference's available image bounds.</summary>
public readonly record struct Box2d(V2d Min, V2d Max);
