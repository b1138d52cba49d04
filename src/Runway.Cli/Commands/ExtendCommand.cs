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
/// <c>runway extend &lt;input&gt; --frames N [--direction after|before] [--set k=v] [--preset p] --output …</c>: renders a
/// whole extend-shot tail (or head) through the daemon ahead of time, with progress. Each request carries what the OFX
/// plugin sends for the same frame — the end frame as source, the history frames as neighbours, the clip's source
/// range and the params — so the extend-shot engine's tail cache, keyed by those frames' content and the params (not by
/// instance), serves the plugin's later requests for the same frames. The daemon also writes those frames to its tail
/// cache folder (<c>--tail-cache-dir</c>), so they are still served after the daemon restarts.
/// </summary>
public static class ExtendCommand
{
    /// <summary>What one extend run did, printed with <c>--json</c>.</summary>
    public sealed record Summary(int SourceFrames, int Frames, string Direction, string Output, string Engine, double MeanMillis,
        double TotalSeconds, IReadOnlyList<string> Notes);

    /// <summary>The <c>extend</c> command.</summary>
    /// <param name="connect">Makes the daemon client, given whether pixels go inline; default: the environment's daemon
    /// (tests pass one for an in-process daemon).</param>
    public static Command Create(Func<bool, RunwayClient>? connect = null)
    {
        connect ??= ClientFactory.Create;
        var input = new Argument<string>("input") { Description = "Video or image sequence (frame_%04d.png or a folder) to extend." };
        var frames = new Option<int>("--frames", "-n") { Description = "How many frames to generate.", Required = true };
        var direction = new Option<string>("--direction")
        {
            Description = "after: frames follow the clip's last frame; before: they precede its first.",
            DefaultValueFactory = _ => TimeExtension.After,
        };
        direction.AcceptOnlyFromAmong(TimeExtension.After, TimeExtension.Before);
        var output = new Option<string>("--output", "-o") { Description = "Sequence pattern/folder or video to write the generated frames to, in time order.", Required = true };
        var set = new Option<string[]>("--set") { Description = "Param value, name=value (repeatable): mode, damping, history, tailBlend.", AllowMultipleArgumentsPerToken = false };
        var preset = new Option<string?>("--preset") { Description = "Preset name (see presets/extend-shot) or preset file; --set overrides it." };
        var instance = new Option<string?>("--instance") { Description = "Instance id sent with every request (default: one per run). Not needed to fill the plugin's cache: the daemon keys rendered tails by frame content and params." };
        var inline = new Option<bool>("--inline") { Description = "Send pixels inline over gRPC instead of shared memory." };
        var draft = new Option<bool>("--draft") { Description = "Render on the interactive/draft fast path." };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary instead of progress." };

        var cmd = new Command("extend", "Generate frames past a clip's end (or before its start) with the extend-shot effect, ahead of time.")
        {
            input, frames, direction, output, set, preset, instance, inline, draft, json,
        };
        cmd.SetAction(async (result, ct) => await DaemonCommands.Run(async () =>
        {
            var definition = ExtendShotDefinition.Definition;
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
            // The options name the extension itself; they win over a preset or --set.
            raw[ExtendShotDefinition.ParamFrames] = (long)result.GetValue(frames);
            raw[ExtendShotDefinition.ParamDirection] = result.GetValue(direction)!;
            var bound = ParamSet.Bind(definition, raw); // fail here, before any frame is read, on a bad param
            var request = new RenderRequest(definition.Id)
            {
                InstanceId = result.GetValue(instance) ?? $"cli-extend-{Environment.ProcessId}",
                Interactive = result.GetValue(draft),
                Params = raw.ToDictionary(kv => kv.Key, kv => RunwayParams.From(kv.Value)),
            };
            var history = Math.Min(bound.Integer(ExtendShotDefinition.ParamHistory), ExtendShotDefinition.MaxHistory);
            if (request.Interactive) history = Math.Min(history, ExtendShotDefinition.InteractiveHistory);
            var summary = await Extend(request, result.GetValue(input)!, result.GetValue(output)!, bound.Integer(ExtendShotDefinition.ParamFrames),
                bound.Choice(ExtendShotDefinition.ParamDirection) == TimeExtension.Before, history, () => connect(result.GetValue(inline)), !result.GetValue(json), ct);
            if (result.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            else
                Console.WriteLine($"{summary.Frames} frame(s) {summary.Direction} a {summary.SourceFrames}-frame clip → {summary.Output}  engine {summary.Engine}, " +
                    $"{summary.MeanMillis:F1} ms/frame{(summary.Notes.Count > 0 ? "  (" + string.Join("; ", summary.Notes) + ")" : "")}");
        }));
        return cmd;
    }

    private static async Task<Summary> Extend(RenderRequest request, string inputPath, string outputPath, int count, bool before, int history,
        Func<RunwayClient> connect, bool showProgress, CancellationToken ct)
    {
        using var reader = new FrameReader(inputPath);
        if (reader.Kind == MediaKind.Image)
            throw new ArgumentException($"'{inputPath}' is a single image; extend wants a video or an image sequence");
        var outKind = MediaPaths.Classify(outputPath);
        if (outKind == MediaKind.Image && count > 1)
            throw new ArgumentException($"'{outputPath}' names one image but {count} frames are generated; use a pattern such as tail_%04d.png, a folder, or a video");

        // The end frame and its history: the first history+1 frames (before) or the last ones (after), read once; a
        // video's frame count is only the container's estimate, so frames are counted as they are read.
        var kept = new List<Mat>();
        var total = 0;
        try
        {
            while (reader.ReadNext() is { } frame)
            {
                ct.ThrowIfCancellationRequested();
                total++;
                if (before && kept.Count > history)
                {
                    frame.Dispose();
                    continue;
                }
                kept.Add(frame);
                if (!before && kept.Count > history + 1)
                {
                    kept[0].Dispose();
                    kept.RemoveAt(0);
                }
            }
            if (total == 0) throw new InvalidDataException($"'{inputPath}' has no frames");
            var range = new ClipFrameRange(0, total - 1);
            var endTime = before ? 0 : total - 1;
            var end = before ? kept[0] : kept[^1];
            var neighbours = new List<NeighbourFrame>();
            for (var i = 0; i < kept.Count; i++)
            {
                var time = before ? i : total - kept.Count + i;
                if (time != endTime) neighbours.Add(new NeighbourFrame(time, MatImages.View(kept[i]), null));
            }
            request = request with { SourceRange = range, Neighbours = neighbours };

            using var writer = new FrameWriter(outputPath, outKind, reader.FramesPerSecond);
            await using var client = connect();
            using var result = new Mat(end.Size(), end.Type(), Scalar.All(0));
            var clock = Stopwatch.StartNew();
            double renderMs = 0;
            var engine = "";
            var notes = new SortedSet<string>(StringComparer.Ordinal);

            async Task RenderAll(Action<int>? advance)
            {
                // Written in time order: a head (before) runs from the earliest new frame towards the clip's start.
                for (var j = 1; j <= count; j++)
                {
                    ct.ThrowIfCancellationRequested();
                    var time = before ? endTime - (count - j + 1) : endTime + j;
                    var rendered = await client.RenderAsync(request with { Time = time }, MatImages.View(end), null, MatImages.View(result), ct);
                    renderMs += rendered.Elapsed.TotalMilliseconds;
                    engine = rendered.Info.Engine;
                    // Per-frame notes differ in numbers; keep one of each kind for the summary.
                    foreach (var n in rendered.Info.Notes) notes.Add(System.Text.RegularExpressions.Regex.Replace(n, @"-?[0-9][0-9.,]*", "#"));
                    writer.Write(result);
                    advance?.Invoke(j);
                }
            }

            if (showProgress)
            {
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask($"extend {(before ? "before" : "after")} ", maxValue: count);
                        await RenderAll(done => task.Value = done);
                    });
            }
            else
            {
                await RenderAll(null);
            }
            writer.Complete();
            return new Summary(total, count, before ? TimeExtension.Before : TimeExtension.After, outputPath, engine, renderMs / count,
                clock.Elapsed.TotalSeconds, notes.ToList());
        }
        finally
        {
            foreach (var m in kept) m.Dispose();
        }
    }
}
