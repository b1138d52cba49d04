using System.Globalization;

namespace Runway.Effects.Definitions;

/// <summary>A request's param values that failed validation against the effect's definition.</summary>
public sealed class ParamException(string message) : ArgumentException(message);

/// <summary>
/// Param values for one render, validated against an <see cref="EffectDefinition"/>: every param present
/// (defaults filled in), of the declared kind and inside its hard range.
/// </summary>
public sealed class ParamSet
{
    private readonly Dictionary<string, object> _values;

    private ParamSet(EffectDefinition definition, Dictionary<string, object> values)
    {
        Definition = definition;
        _values = values;
    }

    public EffectDefinition Definition { get; }

    /// <summary>
    /// Validates raw values (double, long/int, bool, string, double[]) by name. Unknown names, wrong kinds,
    /// unknown choice options and out-of-range numbers throw <see cref="ParamException"/> naming the param.
    /// </summary>
    public static ParamSet Bind(EffectDefinition definition, IReadOnlyDictionary<string, object> raw)
    {
        foreach (var name in raw.Keys)
        {
            if (definition.FindParam(name) is null)
                throw new ParamException($"unknown param '{name}' for {definition.Id}; known: {string.Join(", ", definition.Params.Select(p => p.Name))}");
        }
        var values = new Dictionary<string, object>(definition.Params.Count);
        foreach (var p in definition.Params)
            values[p.Name] = raw.TryGetValue(p.Name, out var v) ? Coerce(definition, p, v) : p.Default;
        return new ParamSet(definition, values);
    }

    /// <summary>Parses "name=value" text (CLI <c>--set</c>) into a raw value of the param's kind.</summary>
    public static object ParseText(EffectDefinition definition, string name, string text)
    {
        var p = definition.FindParam(name) ?? throw new ParamException(
            $"unknown param '{name}' for {definition.Id}; known: {string.Join(", ", definition.Params.Select(x => x.Name))}");
        var inv = CultureInfo.InvariantCulture;
        try
        {
            return p.Kind switch
            {
                ParamKind.Double => double.Parse(text, inv),
                ParamKind.Integer => long.Parse(text, inv),
                ParamKind.Boolean => text.ToLowerInvariant() switch
                {
                    "1" or "true" or "yes" or "on" => true,
                    "0" or "false" or "no" or "off" => false,
                    _ => throw new FormatException(),
                },
                ParamKind.Double2D or ParamKind.Rgba => text.Split(',').Select(s => double.Parse(s, inv)).ToArray(),
                _ => text,
            };
        }
        catch (FormatException)
        {
            throw new ParamException($"param '{name}' of {definition.Id} wants a {p.Kind} value, got '{text}'");
        }
    }

    public double Double(string name) => Get<double>(name);

    public int Integer(string name) => (int)Get<long>(name);

    public bool Boolean(string name) => Get<bool>(name);

    /// <summary>The chosen option's value (not its label).</summary>
    public string Choice(string name) => Get<string>(name);

    public string String(string name) => Get<string>(name);

    public IReadOnlyList<double> Doubles(string name) => Get<double[]>(name);

    /// <summary>All values, for cache keys and logs, in definition order.</summary>
    public IEnumerable<KeyValuePair<string, object>> All => Definition.Params.Select(p => new KeyValuePair<string, object>(p.Name, _values[p.Name]));

    private T Get<T>(string name) => _values.TryGetValue(name, out var v)
        ? (T)v
        : throw new KeyNotFoundException($"{Definition.Id} has no param '{name}'");

    private static object Coerce(EffectDefinition effect, ParamDefinition p, object value)
    {
        ParamException Wrong() => new($"param '{p.Name}' of {effect.Id} wants a {p.Kind} value, got {Describe(value)}");
        switch (p.Kind)
        {
            case ParamKind.Double:
            {
                var d = value switch { double x => x, float x => x, long x => x, int x => x, _ => throw Wrong() };
                CheckRange(effect, p, d);
                return d;
            }
            case ParamKind.Integer:
            {
                var i = value switch
                {
                    long x => x,
                    int x => x,
                    double x when x == Math.Floor(x) && Math.Abs(x) < 1e15 => (long)x,
                    _ => throw Wrong(),
                };
                CheckRange(effect, p, i);
                return i;
            }
            case ParamKind.Boolean:
                return value switch { bool b => b, long x and (0 or 1) => x == 1, int x and (0 or 1) => x == 1, _ => throw Wrong() };
            case ParamKind.Choice:
            {
                var options = p.Options ?? [];
                var chosen = value switch
                {
                    string s => options.FirstOrDefault(o => o.Value == s),
                    long i when i >= 0 && i < options.Count => options[(int)i],
                    int i when i >= 0 && i < options.Count => options[i],
                    _ => null,
                };
                return chosen?.Value ?? throw new ParamException(
                    $"param '{p.Name}' of {effect.Id} has no option {Describe(value)}; options: {string.Join(", ", options.Select(o => o.Value))}");
            }
            case ParamKind.String:
                return value as string ?? throw Wrong();
            case ParamKind.Double2D:
            case ParamKind.Rgba:
            {
                var want = p.Kind == ParamKind.Double2D ? 2 : 4;
                if (value is not double[] arr || arr.Length != want) throw Wrong();
                foreach (var d in arr) CheckRange(effect, p, d);
                return arr;
            }
            default:
                throw Wrong();
        }
    }

    private static void CheckRange(EffectDefinition effect, ParamDefinition p, double v)
    {
        if (double.IsNaN(v) || (p.Min is { } min && v < min) || (p.Max is { } max && v > max))
            throw new ParamException($"param '{p.Name}' of {effect.Id} is {v.ToString(CultureInfo.InvariantCulture)}, outside {p.Min?.ToString(CultureInfo.InvariantCulture) ?? "-inf"}..{p.Max?.ToString(CultureInfo.InvariantCulture) ?? "inf"}");
    }

    private static string Describe(object v) => v switch
    {
        string s => $"'{s}'",
        double[] a => $"[{string.Join(", ", a.Select(x => x.ToString(CultureInfo.InvariantCulture)))}]",
        IFormattable f => $"{f.ToString(null, CultureInfo.InvariantCulture)} ({v.GetType().Name})",
        _ => v.ToString() ?? "null",
    };
}
