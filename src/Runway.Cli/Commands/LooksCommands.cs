using System.CommandLine;
using System.Text.Json;
using OpenCvSharp;
using Runway.Cli.Media;
using Runway.Effects.Definitions;
using Runway.Effects.Presets;
using Runway.Looks;
using Spectre.Console;

namespace Runway.Cli.Commands;

/// <summary>
/// <c>runway looks learn|apply|export|list</c>: learn a look from before/after stills or a mood board, apply it through
/// the daemon (the learned-look effect), convert it between .cube dialects, and list stored looks and look presets.
/// </summary>
public static class LooksCommands
{
    public static Command Create()
    {
        var looks = new Command("looks", "Learn, apply, export and list colour looks (.cube 3D LUTs).");
        looks.Subcommands.Add(Learn());
        looks.Subcommands.Add(Apply());
        looks.Subcommands.Add(Export());
        looks.Subcommands.Add(List());
        return looks;
    }

    private static Command Learn()
    {
        var before = new Option<string[]>("--before") { Description = "Ungraded still (repeat, paired in order with --after)." };
        var after = new Option<string[]>("--after") { Description = "Graded version of the matching --before still." };
        var moodboard = new Option<string[]>("--moodboard") { Description = "Reference stills of the wanted look (no pairs needed).", AllowMultipleArgumentsPerToken = true };
        var source = new Option<string[]>("--source") { Description = "With --moodboard: stills of the footage to match to the board.", AllowMultipleArgumentsPerToken = true };
        var size = new Option<int>("--size") { Description = "LUT nodes per axis: 17, 33 or 65.", DefaultValueFactory = _ => 33 };
        var smoothness = new Option<double?>("--smoothness") { Description = "Smoothness weight of the pair fit (default 1e-7; raise for noisy hand grades, e.g. 1e-5)." };
        var output = new Option<string?>("--output", "-o") { Description = ".cube file to write." };
        var save = new Option<string?>("--save") { Description = "Also store the look by this name in ~/.config/runway/looks." };
        var title = new Option<string?>("--title") { Description = "TITLE written in the .cube." };
        var dialect = DialectOption();
        var json = new Option<bool>("--json") { Description = "Print a JSON summary." };
        var cmd = new Command("learn", "Learn a look from before/after pairs or from a mood board, as a .cube 3D LUT.")
        {
            before, after, moodboard, source, size, smoothness, output, save, title, dialect, json,
        };
        cmd.SetAction(async (result, ct) => await Run(async () =>
        {
            var outputPath = result.GetValue(output);
            var saveName = result.GetValue(save);
            if (outputPath is null && saveName is null) throw new ArgumentException("give --output look.cube and/or --save name");
            var n = result.GetValue(size);
            if (n is < 2 or > CubeFormat.MaxSize3D) throw new ArgumentException($"--size {n} is outside 2..{CubeFormat.MaxSize3D} (17, 33 or 65 are usual)");
            var pairsBefore = result.GetValue(before) ?? [];
            var pairsAfter = result.GetValue(after) ?? [];
            var board = result.GetValue(moodboard) ?? [];
            if (pairsBefore.Length != pairsAfter.Length)
                throw new ArgumentException($"{pairsBefore.Length} --before but {pairsAfter.Length} --after stills; give them in pairs");
            if ((pairsBefore.Length == 0) == (board.Length == 0))
                throw new ArgumentException("give either --before/--after pairs or --moodboard stills");

            Lut3D lut;
            object summary;
            string comment;
            if (board.Length > 0)
            {
                var references = await Task.Run(() => board.Select(f => LoadStill(f).Pixels).ToArray(), ct);
                var sources = (result.GetValue(source) ?? []).Select(f => LoadStill(f).Pixels).ToArray();
                lut = await Task.Run(() => MoodBoard.Fit(references, n, sources, step: 2), ct);
                comment = $"mood board look from {board.Length} reference still(s){(sources.Length > 0 ? $" matched to {sources.Length} source still(s)" : "")}";
                summary = new { kind = "moodboard", references = board.Length, sources = sources.Length, size = n };
            }
            else
            {
                var samples = new LookSamples();
                for (var i = 0; i < pairsBefore.Length; i++)
                {
                    var b = LoadStill(pairsBefore[i]);
                    var a = LoadStill(pairsAfter[i]);
                    if (a.Width != b.Width || a.Height != b.Height)
                        throw new ArgumentException($"'{pairsBefore[i]}' is {b.Width}x{b.Height} but '{pairsAfter[i]}' is {a.Width}x{a.Height}; pairs must be aligned stills of one size");
                    samples.AddImages(b.Pixels, a.Pixels);
                }
                var options = new LutFitOptions { Size = n };
                if (result.GetValue(smoothness) is { } alpha) options = options with { Smoothness = alpha };
                var (fitted, report) = await Task.Run(() => LutFitter.Fit(samples, options, ct), ct);
                lut = fitted;
                comment = $"learned from {pairsBefore.Length} before/after pair(s): {report.Samples} samples, rms residual {report.RmsResidual:F4}";
                summary = new { kind = "pairs", pairs = pairsBefore.Length, size = n, report.Samples, report.RmsResidual, report.MedianResidual, report.Outliers, report.Iterations, report.Seconds };
            }

            var look = new Look(null, lut, result.GetValue(title) ?? saveName ?? Path.GetFileNameWithoutExtension(outputPath), [$"runway looks learn: {comment}"]);
            var written = new List<string>();
            if (outputPath is not null)
            {
                CubeFormat.Write(outputPath, look, result.GetValue(dialect));
                written.Add(outputPath);
            }
            if (saveName is not null)
            {
                var folder = LookLibrary.UserFolder();
                Directory.CreateDirectory(folder);
                var stored = Path.Combine(folder, saveName + ".cube");
                CubeFormat.Write(stored, look, CubeDialect.Resolve);
                written.Add(stored);
            }
            if (result.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { summary, written }));
            else Console.WriteLine($"{comment} → {string.Join(", ", written)}");
        }));
        return cmd;
    }

    private static Command Apply()
    {
        var look = new Option<string>("--look", "-l") { Description = "Look name (runway looks list) or .cube path.", Required = true };
        var input = new Option<string>("--input", "-i") { Description = "Image, image sequence or video.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Image, sequence pattern/folder or video to write.", Required = true };
        var strength = new Option<double>("--strength") { Description = "0 = source, 1 = full look.", DefaultValueFactory = _ => 1.0 };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary instead of progress." };
        var cmd = new Command("apply", "Apply a look through the daemon (the learned-look effect).") { look, input, output, strength, json };
        cmd.SetAction(async (result, ct) =>
        {
            string path;
            try
            {
                // Resolved here so a typo fails before any frame is read, and the daemon gets an absolute path.
                path = LookLibrary.Resolve(result.GetValue(look)!);
            }
            catch (Exception e) when (e is FileNotFoundException or ArgumentException)
            {
                Console.Error.WriteLine($"runway: {e.Message}");
                return 2;
            }
            var args = new List<string>
            {
                "render", LearnedLookDefinition.Id, "--input", result.GetValue(input)!, "--output", result.GetValue(output)!,
                "--set", $"{LearnedLookDefinition.ParamLook}={path}",
                "--set", FormattableString.Invariant($"{LearnedLookDefinition.ParamStrength}={result.GetValue(strength)}"),
            };
            if (result.GetValue(json)) args.Add("--json");
            return await new RootCommand { RenderCommand.Create() }.Parse(args).InvokeAsync(cancellationToken: ct);
        });
        return cmd;
    }

    private static Command Export()
    {
        var look = new Option<string>("--look", "-l") { Description = "Look name or .cube path.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = ".cube file to write.", Required = true };
        var dialect = DialectOption();
        var size = new Option<int?>("--size") { Description = "Resample the 3D table to this many nodes per axis (e.g. 33 for Resolve)." };
        var cmd = new Command("export", "Write a look as .cube in Resolve's or Adobe's dialect.") { look, output, dialect, size };
        cmd.SetAction(async (result, ct) => await Run(() =>
        {
            var source = CubeFormat.Read(LookLibrary.Resolve(result.GetValue(look)!));
            if (result.GetValue(size) is { } n)
            {
                if (n is < 2 or > CubeFormat.MaxSize3D) throw new ArgumentException($"--size {n} is outside 2..{CubeFormat.MaxSize3D}");
                // Resampling keeps the shaper's domain (or the cube's) as the new table's domain.
                var (min, max) = source.Shaper is { } s ? (s.DomainMin, s.DomainMax) : (source.Cube!.DomainMin, source.Cube.DomainMax);
                source = new Look(null, source.Bake(n, min, max), source.Title, [.. source.Comments, $"resampled to {n}^3"]);
            }
            CubeFormat.Write(result.GetValue(output)!, source, result.GetValue(dialect));
            Console.WriteLine($"{result.GetValue(look)} → {result.GetValue(output)} ({result.GetValue(dialect)} dialect)");
            return Task.CompletedTask;
        }));
        return cmd;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var cmd = new Command("list", "List looks stored in ~/.config/runway/looks and learned-look presets.") { json };
        cmd.SetAction(async (result, ct) => await Run(() =>
        {
            var stored = LookLibrary.List();
            var presets = PresetLibrary.LoadAll(PresetLibrary.Folders()).Where(p => p.EffectId == LearnedLookDefinition.Id).ToList();
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    folder = LookLibrary.UserFolder(),
                    looks = stored.Select(l => new { l.Name, l.Path, l.Title, l.Size }),
                    presets = presets.Select(p => new { p.Name, p.Label, p.Description, look = p.Values.GetValueOrDefault(LearnedLookDefinition.ParamLook) }),
                }));
                return Task.CompletedTask;
            }
            var table = new Table().Title($"looks in {Markup.Escape(LookLibrary.UserFolder())}").AddColumns("name", "size", "title");
            foreach (var l in stored) table.AddRow(Markup.Escape(l.Name), $"{l.Size}³", Markup.Escape(l.Title ?? ""));
            AnsiConsole.Write(table);
            if (presets.Count > 0)
            {
                var pt = new Table().Title("learned-look presets").AddColumns("preset", "look", "description");
                foreach (var p in presets)
                    pt.AddRow(Markup.Escape(p.Name), Markup.Escape(p.Values.GetValueOrDefault(LearnedLookDefinition.ParamLook)?.ToString() ?? ""), Markup.Escape(p.Description));
                AnsiConsole.Write(pt);
            }
            return Task.CompletedTask;
        }));
        return cmd;
    }

    private static Option<CubeDialect> DialectOption() => new("--dialect")
    {
        Description = "resolve (LUT_*_INPUT_RANGE, shaper + 3D in one file) or adobe (DOMAIN_MIN/MAX, one table).",
        DefaultValueFactory = _ => CubeDialect.Resolve,
        CustomParser = r => r.Tokens.Single().Value.ToLowerInvariant() switch
        {
            "resolve" => CubeDialect.Resolve,
            "adobe" or "iridas" => CubeDialect.Adobe,
            var other => throw new ArgumentException($"--dialect '{other}': use resolve or adobe"),
        },
    };

    /// <summary>A still as RGBA float code values (8-bit /255, 16-bit /65535, float as stored).</summary>
    private static (int Width, int Height, float[] Pixels) LoadStill(string path)
    {
        using var rgba = FrameReader.ReadImage(path);
        var scale = rgba.Depth() switch { MatType.CV_8U => 1 / 255.0, MatType.CV_16U => 1 / 65535.0, _ => 1.0 };
        using var f = new Mat();
        rgba.ConvertTo(f, MatType.CV_32FC4, scale);
        var pixels = new float[f.Rows * f.Cols * 4];
        using var continuous = f.IsContinuous() ? f.Clone() : f.Clone();
        System.Runtime.InteropServices.Marshal.Copy(continuous.Data, pixels, 0, pixels.Length);
        return (f.Cols, f.Rows, pixels);
    }

    private static Task<int> Run(Func<Task> body) => DaemonCommands.Run(async () =>
    {
        try
        {
            await body();
        }
        catch (Exception e) when (e is FormatException or NotSupportedException)
        {
            // .cube parse errors carry file:line; shown like the other user errors.
            throw new InvalidDataException(e.Message, e);
        }
    });
}
