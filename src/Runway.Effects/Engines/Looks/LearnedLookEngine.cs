using Runway.Effects.Definitions;
using Runway.Looks;

namespace Runway.Effects.Engines.Looks;

/// <summary>
/// Renders <see cref="LearnedLookDefinition"/>: resolves the look (name in the user's looks folder or .cube path),
/// parses it once per file version (<see cref="LookCache"/>, keyed by path and modification time) and applies it to
/// the straight-alpha working image in bands on every core. Interactive and final renders are the same: the apply is
/// already real time.
/// </summary>
public sealed class LearnedLookEngine : IEffect
{
    /// <summary>Engine name reported in results.</summary>
    public const string Name = "classical/lut";

    /// <summary>Note when no look is chosen.</summary>
    public const string NoteNoLook = "no look chosen: source returned";

    private readonly LookCache _cache = new();
    private readonly string? _looksFolder;

    /// <summary>Creates the engine; <paramref name="looksFolder"/> overrides the user's looks folder (tests).</summary>
    public LearnedLookEngine(string? looksFolder = null) => _looksFolder = looksFolder;

    public EffectDefinition Definition => LearnedLookDefinition.Definition;

    // Looks re-shaped by the shaper param, so the kernel (padded lattice) is built once per look and shaper, not per frame.
    private readonly Dictionary<(Look, InputShaper?), Look> _shaped = [];
    private readonly Lock _shapedLock = new();

    /// <summary>The shaper the params ask for; Overridden is false for "from look".</summary>
    private static (InputShaper? Shaper, bool Overridden) ChosenShaper(ParamSet p)
    {
        try
        {
            return p.Choice(LearnedLookDefinition.ParamShaper) switch
            {
                LearnedLookDefinition.ShaperNone => (null, true),
                LearnedLookDefinition.ShaperLinear => (new InputShaper(ShaperKind.Linear,
                    p.Double(LearnedLookDefinition.ParamRangeMin), p.Double(LearnedLookDefinition.ParamRangeMax)).Validated(), true),
                LearnedLookDefinition.ShaperLog2 => (new InputShaper(ShaperKind.Log2,
                    p.Double(LearnedLookDefinition.ParamStopsMin), p.Double(LearnedLookDefinition.ParamStopsMax)).Validated(), true),
                _ => (null, false),
            };
        }
        catch (ArgumentException e)
        {
            throw new ParamException(e.Message);
        }
    }

    private Look WithShaper(Look look, InputShaper? shaper)
    {
        lock (_shapedLock)
        {
            if (_shaped.TryGetValue((look, shaper), out var hit)) return hit;
            if (_shaped.Count >= 16) _shaped.Clear();
            return _shaped[(look, shaper)] = look.WithInputShaper(shaper);
        }
    }

    public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
    {
        var source = frame.Source;
        var output = frame.Output;
        if (output.Width != source.Width || output.Height != source.Height)
            throw new ArgumentException($"output is {output.Width}x{output.Height}, source is {source.Width}x{source.Height}", nameof(frame));
        var name = frame.Params.String(LearnedLookDefinition.ParamLook).Trim();
        if (name.Length == 0)
        {
            source.CopyTo(output);
            return EffectResult.From(Name, NoteNoLook);
        }
        Look look;
        try
        {
            look = _cache.Get(LookLibrary.Resolve(name, _looksFolder));
        }
        catch (Exception e) when (e is FileNotFoundException or FormatException or IOException or UnauthorizedAccessException)
        {
            // A missing or broken look is the request's problem, reported to the host as an invalid param.
            throw new ParamException($"look '{name}': {e.Message}");
        }
        var (shaper, overridden) = ChosenShaper(frame.Params);
        if (overridden) look = WithShaper(look, shaper);
        var strength = (float)frame.Params.Double(LearnedLookDefinition.ParamStrength);
        look.Apply(source.Buffer, output.Buffer, source.Width, source.Height, strength, cancellationToken);
        var shape = look.Cube is { } cube ? $"{cube.Size}³ tetrahedral" : $"1D {look.Shaper!.Size}";
        if (look.InputShaper is { } input) shape = $"{input.Describe()} shaper + {shape}";
        else if (look.Cube is not null && look.Shaper is not null) shape = $"1D {look.Shaper.Size} shaper + {shape}";
        var note = $"look {Path.GetFileNameWithoutExtension(name)} ({shape})";
        if (overridden && look.Cube is null) note += "; shaper param ignored: the look has no 3D table";
        return EffectResult.From(Name, note);
    }
}
