using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using OpenCvSharp;
using Runway.Client;
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
        var output = new Option<string?>("--output", "-o") { Description = ".cube or .3dl file to write (by extension)." };
        var shaper = new Option<string>("--shaper")
        {
            Description = "Input shaper before the lattice, for HDR/log stills: none, linear:MIN:MAX, log2 (−8..+8 stops around 0.18) or log2:MIN:MAX[:MIDDLE].",
            DefaultValueFactory = _ => "none",
        };
        var save = new Option<string?>("--save") { Description = "Also store the look by this name in ~/.config/runway/looks." };
        var title = new Option<string?>("--title") { Description = "TITLE written in the .cube." };
        var dialect = DialectOption();
        var json = new Option<bool>("--json") { Description = "Print a JSON summary." };
        var generalise = new Option<bool>("--generalise")
        {
            Description = "Pairs from different photos: fit a tone curve plus a regularised 3D residual, chosen by leave-one-photo-out cross-validation (needs 2+ pairs).",
        };
        var daemon = new Option<bool>("--daemon") { Description = "Learn in the daemon (Looks.Learn job with progress) instead of in this process." };
        var cmd = new Command("learn", "Learn a look from before/after pairs or from a mood board, as a .cube 3D LUT.")
        {
            before, after, moodboard, source, size, smoothness, shaper, output, save, title, dialect, json, generalise, daemon,
        };
        cmd.SetAction(async (result, ct) => await Run(async () =>
        {
            var outputPath = result.GetValue(output);
            var saveName = result.GetValue(save);
            if (outputPath is null && saveName is null) throw new ArgumentException("give --output look.cube and/or --save name");
            if (result.GetValue(daemon))
            {
                await LearnInDaemon(result, outputPath, saveName, ct);
                return;
            }
            var n = result.GetValue(size);
            if (n is < 2 or > CubeFormat.MaxSize3D) throw new ArgumentException($"--size {n} is outside 2..{CubeFormat.MaxSize3D} (17, 33 or 65 are usual)");
            var pairsBefore = result.GetValue(before) ?? [];
            var pairsAfter = result.GetValue(after) ?? [];
            var board = result.GetValue(moodboard) ?? [];
            if (pairsBefore.Length != pairsAfter.Length)
                throw new ArgumentException($"{pairsBefore.Length} --before but {pairsAfter.Length} --after stills; give them in pairs");
            if ((pairsBefore.Length == 0) == (board.Length == 0))
                throw new ArgumentException("give either --before/--after pairs or --moodboard stills");
            var inputShaper = InputShaper.Parse(result.GetValue(shaper)!);
            if (inputShaper is not null && board.Length > 0)
                throw new ArgumentException("--shaper applies to --before/--after pairs; a mood board look works on 0..1 stills");

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
                var fitSamples = inputShaper is null ? samples : samples.Shaped(inputShaper);
                if (result.GetValue(generalise))
                {
                    if (pairsBefore.Length < 2) throw new ArgumentException("--generalise needs at least 2 --before/--after pairs (it cross-validates over them)");
                    options = (await Task.Run(() => LutFitter.CrossValidate(fitSamples, LutFitter.GeneralisingCandidates, ct), ct)).Best;
                }
                if (result.GetValue(smoothness) is { } alpha) options = options with { Smoothness = alpha };
                var (fitted, report) = await Task.Run(() => LutFitter.Fit(fitSamples, options, ct), ct);
                // A generalising fit is solved on its own coarse lattice (what was validated), then sampled at --size.
                lut = fitted.Size == n ? fitted : Lut3D.FromFunction(n, fitted.Apply, fitted.DomainMin, fitted.DomainMax);
                var how = result.GetValue(generalise)
                    ? $" (generalised: {options.Size}³ on a {options.ToneCurveBins}-bin tone-curve prior, prior weight {options.PriorWeight:g}, chosen by leave-one-photo-out)"
                    : "";
                comment = $"learned from {pairsBefore.Length} before/after pair(s){how}: {report.Samples} samples, rms residual {report.RmsResidual:F4}";
                summary = new { kind = "pairs", pairs = pairsBefore.Length, size = n, report.Samples, report.RmsResidual, report.MedianResidual, report.Outliers, report.Iterations, report.Seconds };
            }

            var look = new Look(null, lut, result.GetValue(title) ?? saveName ?? Path.GetFileNameWithoutExtension(outputPath), [$"runway looks learn: {comment}"])
                .WithInputShaper(inputShaper);
            var written = new List<string>();
            if (outputPath is not null)
            {
                WriteLook(outputPath, look, LookFiles.IsThreeDl(outputPath) ? "3dl" : "cube", result.GetValue(dialect), ThreeDlFormat.DefaultOutputBits);
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

    /// <summary>
    /// <c>looks learn --daemon</c>: the daemon's Looks.Learn job writes the look (absolute paths, since the daemon's
    /// working directory is not ours), progress goes to stderr, and the file is then re-written here when another
    /// dialect or a stored copy is asked for.
    /// </summary>
    private static async Task LearnInDaemon(ParseResult result, string? outputPath, string? saveName, CancellationToken ct)
    {
        string? Opt(string name) => result.GetValue<string?>(name);
        string[] Many(string name) => (result.GetValue<string[]>(name) ?? []).Select(Path.GetFullPath).ToArray();
        var stored = saveName is null ? null : Path.Combine(LookLibrary.UserFolder(), saveName + ".cube");
        if (stored is not null) Directory.CreateDirectory(LookLibrary.UserFolder());
        var primary = Path.GetFullPath(outputPath ?? stored!);
        var request = new Runway.Protocol.V1.LearnLookRequest
        {
            Size = (uint)Math.Max(0, result.GetValue<int>("--size")),
            Shaper = result.GetValue<string>("--shaper") ?? "none",
            OutputPath = primary,
            Title = Opt("--title") ?? saveName ?? Path.GetFileNameWithoutExtension(primary),
            Generalise = result.GetValue<bool>("--generalise"),
        };
        request.BeforePaths.AddRange(Many("--before"));
        request.AfterPaths.AddRange(Many("--after"));
        request.MoodboardPaths.AddRange(Many("--moodboard"));
        request.SourcePaths.AddRange(Many("--source"));
        if (result.GetValue<double?>("--smoothness") is { } alpha) request.Smoothness = alpha;
        var asJson = result.GetValue<bool>("--json");

        await using var client = ClientFactory.Create();
        Runway.Protocol.V1.LearnLookResult learned;
        try
        {
            var progress = new Progress<Runway.Protocol.V1.LearnLookProgress>(p =>
            {
                if (!asJson) Console.Error.Write($"\r{p.Stage,-16} {p.Fraction * 100,5:F1}%");
            });
            learned = await client.LearnLookAsync(request, progress, ct);
            if (!asJson) Console.Error.WriteLine();
        }
        catch (RunwayException e) when (e.InnerException is RpcException { StatusCode: StatusCode.Unimplemented })
        {
            throw new InvalidDataException("the running daemon has no Looks.Learn (it is older than this runway): stop it with `runway daemon stop` and retry", e);
        }
        catch (RunwayException e) when (e.Status == RunwayStatus.InvalidArgument)
        {
            if (!asJson) Console.Error.WriteLine();
            throw new ArgumentException(e.Message, e);
        }

        var written = new List<string> { primary };
        var dialect = result.GetValue<CubeDialect>("--dialect");
        if (outputPath is not null && dialect != CubeDialect.Resolve && !LookFiles.IsThreeDl(primary))
            CubeFormat.Write(primary, CubeFormat.Read(primary), dialect);
        if (stored is not null && outputPath is not null)
        {
            CubeFormat.Write(stored, LookFiles.Read(primary), CubeDialect.Resolve);
            written.Add(stored);
        }
        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                summary = new
                {
                    kind = learned.Kind, size = learned.Size, samples = learned.Samples, rmsResidual = learned.RmsResidual,
                    medianResidual = learned.MedianResidual, outliers = learned.Outliers, meanDeltaE2000 = learned.MeanDeltaE2000,
                    seconds = learned.Seconds, daemon = true,
                },
                written,
            }));
        }
        else Console.WriteLine($"{learned.Note} → {string.Join(", ", written)}");
    }

    private static Command Apply()
    {
        var look = new Option<string>("--look", "-l") { Description = "Look name (runway looks list) or .cube/.3dl path.", Required = true };
        var input = new Option<string>("--input", "-i") { Description = "Image, image sequence or video.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Image, sequence pattern/folder or video to write.", Required = true };
        var strength = new Option<double>("--strength") { Description = "0 = source, 1 = full look.", DefaultValueFactory = _ => 1.0 };
        var shaper = new Option<string?>("--shaper")
        {
            Description = "Override the look's input shaper: none, linear:MIN:MAX, log2 or log2:MIN_STOPS:MAX_STOPS (default: the look's own).",
        };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary instead of progress." };
        var cmd = new Command("apply", "Apply a look (.cube or .3dl) through the daemon (the learned-look effect).") { look, input, output, strength, shaper, json };
        cmd.SetAction(async (result, ct) =>
        {
            string path;
            InputShaper? chosen = null;
            var shaperText = result.GetValue(shaper);
            try
            {
                // Resolved here so a typo fails before any frame is read, and the daemon gets an absolute path.
                path = LookLibrary.Resolve(result.GetValue(look)!);
                if (shaperText is not null) chosen = InputShaper.Parse(shaperText);
                if (chosen is { Kind: ShaperKind.Log2 } && chosen.Middle != 0.18)
                    throw new ArgumentException("--shaper: the effect's log2 shaper is centred on 0.18 (give log2:MIN:MAX)");
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
            if (shaperText is not null)
            {
                args.AddRange(["--set", $"{LearnedLookDefinition.ParamShaper}={chosen?.Kind switch { ShaperKind.Linear => LearnedLookDefinition.ShaperLinear, ShaperKind.Log2 => LearnedLookDefinition.ShaperLog2, _ => LearnedLookDefinition.ShaperNone }}"]);
                if (chosen is { Kind: ShaperKind.Linear })
                {
                    args.AddRange(["--set", FormattableString.Invariant($"{LearnedLookDefinition.ParamRangeMin}={chosen.Min}"),
                        "--set", FormattableString.Invariant($"{LearnedLookDefinition.ParamRangeMax}={chosen.Max}")]);
                }
                else if (chosen is { Kind: ShaperKind.Log2 })
                {
                    args.AddRange(["--set", FormattableString.Invariant($"{LearnedLookDefinition.ParamStopsMin}={chosen.Min}"),
                        "--set", FormattableString.Invariant($"{LearnedLookDefinition.ParamStopsMax}={chosen.Max}")]);
                }
            }
            if (result.GetValue(json)) args.Add("--json");
            return await new RootCommand { RenderCommand.Create() }.Parse(args).InvokeAsync(cancellationToken: ct);
        });
        return cmd;
    }

    private static Command Export()
    {
        var look = new Option<string>("--look", "-l") { Description = "Look name or .cube path.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = ".cube or .3dl file to write.", Required = true };
        var dialect = DialectOption();
        var format = new Option<string?>("--format")
        {
            Description = "cube or 3dl (default: from the --output extension, else cube).",
            CustomParser = r => r.Tokens.Single().Value.ToLowerInvariant() switch
            {
                "cube" => "cube",
                "3dl" => "3dl",
                var other => throw new ArgumentException($"--format '{other}': use cube or 3dl"),
            },
        };
        var bits = new Option<int>("--bits") { Description = ".3dl output bit depth (8..16).", DefaultValueFactory = _ => ThreeDlFormat.DefaultOutputBits };
        var size = new Option<int?>("--size") { Description = "Resample the 3D table to this many nodes per axis (e.g. 33 for Resolve)." };
        var cmd = new Command("export", "Write a look as .cube (Resolve's or Adobe's dialect) or .3dl (Lustre/Nuke).") { look, output, format, dialect, bits, size };
        cmd.SetAction(async (result, ct) => await Run(() =>
        {
            var source = LookFiles.Read(LookLibrary.Resolve(result.GetValue(look)!));
            if (result.GetValue(size) is { } n)
            {
                if (n is < 2 or > CubeFormat.MaxSize3D) throw new ArgumentException($"--size {n} is outside 2..{CubeFormat.MaxSize3D}");
                // Resampling keeps the shaper's domain (or the cube's) as the new table's domain.
                var (min, max) = source.Shaper is { } s ? (s.DomainMin, s.DomainMax) : (source.Cube!.DomainMin, source.Cube.DomainMax);
                source = new Look(null, source.Bake(n, min, max), source.Title, [.. source.Comments, $"resampled to {n}^3"]);
            }
            var outPath = result.GetValue(output)!;
            var kind = result.GetValue(format) ?? (LookFiles.IsThreeDl(outPath) ? "3dl" : "cube");
            var note = WriteLook(outPath, source, kind, result.GetValue(dialect), result.GetValue(bits));
            Console.WriteLine($"{result.GetValue(look)} → {outPath} ({note})");
            return Task.CompletedTask;
        }));
        return cmd;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var cmd = new Command("list", "List looks stored in ~/.config/runway/looks, the built-in looks and learned-look presets.") { json };
        cmd.SetAction(async (result, ct) => await Run(() =>
        {
            var stored = LookLibrary.List();
            var builtIn = LookLibrary.List(LookLibrary.BuiltInFolder());
            var presets = PresetLibrary.LoadAll(PresetLibrary.Folders()).Where(p => p.EffectId == LearnedLookDefinition.Id).ToList();
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    folder = LookLibrary.UserFolder(),
                    looks = stored.Select(l => new { l.Name, l.Path, l.Title, l.Size }),
                    builtIn = builtIn.Select(l => new { l.Name, l.Path, l.Title, l.Size }),
                    presets = presets.Select(p => new { p.Name, p.Label, p.Description, look = p.Values.GetValueOrDefault(LearnedLookDefinition.ParamLook) }),
                }));
                return Task.CompletedTask;
            }
            var table = new Table().Title($"looks in {Markup.Escape(LookLibrary.UserFolder())}").AddColumns("name", "size", "title");
            foreach (var l in stored) table.AddRow(Markup.Escape(l.Name), $"{l.Size}³", Markup.Escape(l.Title ?? ""));
            AnsiConsole.Write(table);
            if (builtIn.Count > 0)
            {
                var bt = new Table().Title("built-in looks").AddColumns("name", "size", "title");
                foreach (var l in builtIn) bt.AddRow(Markup.Escape(l.Name), $"{l.Size}³", Markup.Escape(l.Title ?? ""));
                AnsiConsole.Write(bt);
            }
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

    /// <summary>Writes a look as .cube or .3dl and says what was written (and what .3dl had to clamp).</summary>
    private static string WriteLook(string path, Look look, string format, CubeDialect dialect, int bits)
    {
        if (format == "3dl")
        {
            var clamped = ThreeDlFormat.Write(path, look, bits);
            return $".3dl, {bits}-bit" + (clamped > 0 ? $"; {clamped} values outside 0..1 clamped (.3dl holds 0..1 only)" : "");
        }
        CubeFormat.Write(path, look, dialect);
        return $".cube, {dialect} dialect";
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
