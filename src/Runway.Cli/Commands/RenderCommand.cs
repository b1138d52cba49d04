using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using OpenCvSharp;
using Runway.Cli.Media;
using Runway.Client;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Presets;
using Runway.Protocol.V1;
using Spectre.Console;

namespace Runway.Cli.Commands;

/// <summary>
/// <c>runway render &lt;effect&gt; --input … [--mask …] [--set k=v] [--preset p] --output …</c>: renders an image, an image
/// sequence or a video through the daemon, frame by frame, with a progress bar on sequences.
/// </summary>
public static class RenderCommand
{
    /// <summary>What one render run did, printed with <c>--json</c>.</summary>
    public sealed record Summary(string Effect, int Frames, string Output, string Engine, double MeanMillis, double TotalSeconds, IReadOnlyList<string> Notes);

    public static Command Create()
    {
        var effect = new Argument<string>("effect") { Description = "Effect id (com.runwayml.inpaint) or short name (inpaint)." };
        var input = new Option<string>("--input", "-i") { Description = "Image, image sequence (frame_%04d.png or a folder) or video.", Required = true };
        var mask = new Option<string?>("--mask", "-m") { Description = "Mask image (same for every frame), sequence or video." };
        var output = new Option<string>("--output", "-o") { Description = "Image, sequence pattern/folder or video to write.", Required = true };
        var set = new Option<string[]>("--set") { Description = "Param value, name=value (repeatable).", AllowMultipleArgumentsPerToken = false };
        var preset = new Option<string?>("--preset") { Description = "Preset name (see presets/) or preset file; --set overrides it." };
        var inline = new Option<bool>("--inline") { Description = "Send pixels inline over gRPC instead of shared memory." };
        var interactive = new Option<bool>("--draft") { Description = "Render on the interactive/draft fast path." };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary instead of progress." };

        var cmd = new Command("render", "Render an image, sequence or video through an effect.")
        {
            effect, input, mask, output, set, preset, inline, interactive, json,
        };
        cmd.SetAction(async (result, ct) => await DaemonCommands.Run(async () =>
        {
            var definition = ResolveEffect(result.GetValue(effect)!);
            var raw = new Dictionary<string, object>();
            if (result.GetValue(preset) is { } presetName)
            {
                foreach (var (k, v) in PresetLibrary.Resolve(presetName, definition.Id, PresetLibrary.Folders()).Values) raw[k] = v;
            }
            foreach (var assignment in result.GetValue(set) ?? [])
            {
                var eq = assignment.IndexOf('=');
                if (eq <= 0) throw new ArgumentException($"--set wants name=value, got '{assignment}'");
                var name = assignment[..eq];
                raw[name] = ParamSet.ParseText(definition, name, assignment[(eq + 1)..]);
            }
            ParamSet.Bind(definition, raw); // fail here, before any frame is read, on a bad param
            var request = new RenderRequest(definition.Id)
            {
                InstanceId = $"cli-{Environment.ProcessId}",
                Interactive = result.GetValue(interactive),
                Params = raw.ToDictionary(kv => kv.Key, kv => ToParamValue(kv.Value)),
            };
            var summary = await RenderAll(request, result.GetValue(input)!, result.GetValue(mask), result.GetValue(output)!,
                result.GetValue(inline), !result.GetValue(json), ct);
            if (result.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            else
                Console.WriteLine($"{summary.Frames} frame(s) → {summary.Output}  engine {summary.Engine}, {summary.MeanMillis:F1} ms/frame{(summary.Notes.Count > 0 ? "  (" + string.Join("; ", summary.Notes) + ")" : "")}");
        }));
        return cmd;
    }

    private static EffectDefinition ResolveEffect(string name)
    {
        var definition = EffectCatalog.Find(name) ?? EffectCatalog.Visible.FirstOrDefault(d => d.ShortName == name);
        return definition ?? throw new ArgumentException(
            $"unknown effect '{name}'; known: {string.Join(", ", EffectCatalog.Visible.Select(d => d.ShortName))}");
    }

    private static ParamValue ToParamValue(object raw) => raw switch
    {
        double d => RunwayParams.Double(d),
        long l => RunwayParams.Int(l),
        int i => RunwayParams.Int(i),
        bool b => RunwayParams.Bool(b),
        string s => RunwayParams.String(s),
        double[] a => RunwayParams.Doubles(a),
        _ => throw new ArgumentException($"unsupported param value {raw}"),
    };

    private static async Task<Summary> RenderAll(RenderRequest request, string inputPath, string? maskPath, string outputPath,
        bool inline, bool showProgress, CancellationToken ct)
    {
        using var reader = new FrameReader(inputPath);
        using var maskReader = maskPath is null ? null : new FrameReader(maskPath);
        Mat? stillMask = maskReader is { Kind: MediaKind.Image } ? maskReader.ReadNext() : null;
        var outKind = MediaPaths.Classify(outputPath);
        if (reader.Kind != MediaKind.Image && outKind == MediaKind.Image)
            throw new ArgumentException($"'{outputPath}' names one image but the input has several frames; use a pattern such as out_%04d.png, a folder, or a video");
        using var writer = new FrameWriter(outputPath, outKind, reader.FramesPerSecond);
        await using var client = ClientFactory.Create(inline);

        var clock = Stopwatch.StartNew();
        var frames = 0;
        double renderMs = 0;
        string engine = "";
        var notes = new NoteTally();

        async Task RenderFrames(Action<int>? advance)
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                using var frame = reader.ReadNext();
                if (frame is null) break;
                using var perFrameMask = stillMask is null ? maskReader?.ReadNext() : null;
                var maskMat = stillMask ?? perFrameMask;
                if (maskReader is not null && maskMat is null)
                    throw new InvalidDataException($"the mask '{maskPath}' has fewer frames than the input (ran out at frame {frames})");
                using var result = new Mat(frame.Size(), frame.Type(), Scalar.All(0));
                var rendered = await client.RenderAsync(request with { Time = frames }, MatImages.View(frame),
                    maskMat is null ? null : MatImages.MaskView(maskMat), MatImages.View(result), ct);
                renderMs += rendered.Elapsed.TotalMilliseconds;
                engine = rendered.Info.Engine;
                foreach (var n in rendered.Info.Notes) notes.Add(n);
                writer.Write(result);
                frames++;
                advance?.Invoke(frames);
            }
        }

        try
        {
            if (showProgress && reader.Kind != MediaKind.Image)
            {
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask($"{request.EffectId} ", maxValue: Math.Max(1, reader.FrameCount));
                        await RenderFrames(done => task.Value = Math.Min(done, task.MaxValue));
                        task.Value = task.MaxValue;
                    });
            }
            else
            {
                await RenderFrames(null);
            }
            writer.Complete();
        }
        finally
        {
            stillMask?.Dispose();
        }
        if (frames == 0) throw new InvalidDataException($"'{inputPath}' has no frames");
        return new Summary(request.EffectId, frames, outputPath, engine, renderMs / frames, clock.Elapsed.TotalSeconds, notes.Summaries());
    }

    /// <summary>
    /// Per-frame notes often differ only in numbers ("filled telea in 301x174 region at (131,33)"); a sequence shows
    /// each kind of note once, with how many frames said something like it.
    /// </summary>
    private sealed class NoteTally
    {
        private readonly Dictionary<string, (string First, int Count)> _byShape = new(StringComparer.Ordinal);
        private readonly List<string> _order = [];

        public void Add(string note)
        {
            var shape = System.Text.RegularExpressions.Regex.Replace(note, "[0-9]+", "#");
            if (_byShape.TryGetValue(shape, out var seen))
            {
                _byShape[shape] = (seen.First, seen.Count + 1);
                return;
            }
            _byShape[shape] = (note, 1);
            _order.Add(shape);
        }

        public IReadOnlyList<string> Summaries() =>
            _order.Select(s => _byShape[s] is var (first, count) && count > 1 ? $"{first} (+{count - 1} similar)" : _byShape[s].First).ToList();
    }
}
