using System.CommandLine;
using Runway.Effects;
using Runway.Effects.Definitions;
using Spectre.Console;

namespace Runway.Cli.Commands;

/// <summary><c>runway effects [--json]</c>: the effects this build defines (the same data the OFX bundle ships).</summary>
public static class EffectsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print effects.json (the file the OFX bundle ships)." };
        var cmd = new Command("effects", "List the effects and their params.") { json };
        cmd.SetAction(result =>
        {
            if (result.GetValue(json))
            {
                Console.Out.Write(EffectCatalog.ToJson());
                Console.Out.WriteLine();
                return 0;
            }
            foreach (var effect in EffectCatalog.All.Where(e => !e.Hidden))
            {
                var table = new Table().Title($"[bold]{Markup.Escape(effect.Label)}[/]  [grey]{Markup.Escape(effect.Id)}[/]")
                    .AddColumns("param", "kind", "default", "range", "hint");
                foreach (var p in effect.Params)
                {
                    var range = p.Kind == ParamKind.Choice
                        ? string.Join(" | ", p.Options!.Select(o => o.Value))
                        : p.Min is null && p.Max is null ? "" : $"{p.Min}..{p.Max}";
                    table.AddRow(Markup.Escape(p.Name), p.Kind.ToString(), Markup.Escape(FormatDefault(p.Default)), Markup.Escape(range), Markup.Escape(p.Hint));
                }
                AnsiConsole.MarkupLine(Markup.Escape(effect.Description));
                AnsiConsole.Write(table);
            }
            return 0;
        });
        return cmd;
    }

    private static string FormatDefault(object value) => value switch
    {
        double[] a => string.Join(",", a),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
