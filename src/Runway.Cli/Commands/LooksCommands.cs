using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using OpenCvSharp;
using Runway.Client;
using Runway.Cli.Media;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Looks;
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
            Description = "Pairs from different photos: fit a tone curve plus a regularised 3D residual in Oklab (code values after a --shaper), chosen by leave-one-photo-out cross-validation (needs 2+ pairs).",
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
            // The learner writes one file (--output, else the stored copy; absolute, since the daemon's working
            // directory is not ours); another dialect or the stored copy is then written here from it.
            var stored = saveName is null ? null : Path.Combine(LookLibrary.UserFolder(), saveName + ".cube");
            if (stored is not null) Directory.CreateDirectory(LookLibrary.UserFolder());
            var primary = Path.GetFullPath(outputPath ?? stored!);
            string[] Paths(Option<string[]> option) => (result.GetValue(option) ?? []).Select(Path.GetFullPath).ToArray();
            var job = new LookLearnJob
            {
                Before = Paths(before),
                After = Paths(after),
                MoodBoard = Paths(moodboard),
                Sources = Paths(source),
                Size = result.GetValue(size),
                Shaper = result.GetValue(shaper),
                Smoothness = result.GetValue(smoothness),
                OutputPath = primary,
                Title = result.GetValue(title) ?? saveName ?? Path.GetFileNameWithoutExtension(primary),
                Generalise = result.GetValue(generalise),
            };
            var asJson = result.GetValue(json);
            var progress = new ProgressLine(asJson);
            var inDaemon = result.GetValue(daemon);
            LookLearnResult learned;
            try
            {
                learned = inDaemon
                    ? await LearnInDaemon(job, progress, ct)
                    : await Task.Run(() => LookLearner.Learn(job, progress, ct, LoadStill), ct);
            }
            finally
            {
                progress.End();
            }

            var written = new List<string> { primary };
            var chosenDialect = result.GetValue(dialect);
            if (outputPath is not null && chosenDialect != CubeDialect.Resolve && !LookFiles.IsThreeDl(primary))
                CubeFormat.Write(primary, CubeFormat.Read(primary), chosenDialect);
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
                        seconds = learned.Seconds, daemon = inDaemon,
                    },
                    written,
                }));
            }
            else Console.WriteLine($"{learned.Note} → {string.Join(", ", written)}");
        }));
        return cmd;
    }

    /// <summary><c>looks learn --daemon</c>: the same job as the daemon's Looks.Learn call, with its progress relayed.</summary>
    private static async Task<LookLearnResult> LearnInDaemon(LookLearnJob job, IProgress<LookLearnProgress> progress, CancellationToken ct)
    {
        var request = new Runway.Protocol.V1.LearnLookRequest
        {
            Size = (uint)Math.Max(0, job.Size),
            Shaper = job.Shaper ?? "none",
            OutputPath = job.OutputPath,
            Title = job.Title ?? "",
            Generalise = job.Generalise,
        };
        request.BeforePaths.AddRange(job.Before);
        request.AfterPaths.AddRange(job.After);
        request.MoodboardPaths.AddRange(job.MoodBoard);
        request.SourcePaths.AddRange(job.Sources);
        if (job.Smoothness is { } alpha) request.Smoothness = alpha;

        await using var client = ClientFactory.Create();
        try
        {
            var r = await client.LearnLookAsync(request,
                new Progress<Runway.Protocol.V1.LearnLookProgress>(p => progress.Report(new LookLearnProgress(p.Fraction, p.Stage))), ct);
            return new LookLearnResult(r.OutputPath, (int)r.Size, r.Kind, (int)r.Samples, r.RmsResidual, r.MedianResidual, (int)r.Outliers,
                r.MeanDeltaE2000, r.Seconds, r.Note);
        }
        catch (RunwayException e) when (e.InnerException is RpcException { StatusCode: StatusCode.Unimplemented })
        {
            throw new InvalidDataException("the running daemon has no Looks.Learn (it is older than this runway): stop it with `runway daemon stop` and retry", e);
        }
        catch (RunwayException e) when (e.Status == RunwayStatus.InvalidArgument)
        {
            throw new ArgumentException(e.Message, e);
        }
    }

    /// <summary>Learning progress as one rewritten line on stderr (nothing with --json), wherever the job runs.</summary>
    private sealed class ProgressLine(bool quiet) : IProgress<LookLearnProgress>
    {
        private bool _shown;

        public void Report(LookLearnProgress value)
        {
            if (quiet) return;
            _shown = true;
            Console.Error.Write($"\r{value.Stage,-16} {value.Fraction * 100,5:F1}%");
        }

        /// <summary>Ends the line if any progress was shown.</summary>
        public void End()
        {
            if (_shown) Console.Error.WriteLine();
        }
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

    /// <summary>
    /// A still for <see cref="LookLearner"/> through the command line's image reader (which also reads PAM files), as
    /// RGBA float code values.
    /// </summary>
    private static (int Width, int Height, float[] Pixels) LoadStill(string path)
    {
        Mat rgba;
        try
        {
            rgba = FrameReader.ReadImage(path);
        }
        catch (InvalidDataException e)
        {
            // The learner reports bad input as ArgumentException, like its own reader.
            throw new ArgumentException(e.Message, e);
        }
        using (rgba) return LookLearner.RgbaPixels(rgba);
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
