using System.CommandLine;
using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Runway.Cli.Timeline;
using Runway.Effects;
using Runway.Effects.Definitions;
using Runway.Effects.Presets;
using Runway.Timeline;
using Runway.Timeline.Schema;
using Runway.Timeline.Serialization;
using Spectre.Console;

namespace Runway.Cli.Commands;

/// <summary>
/// <c>runway timeline plan|render &lt;in.otio&gt; --effect … [--track N] [--clips glob | --markers COLOR] [--handles N]</c>:
/// batch-process a timeline's clips through the daemon and write a timeline whose clips point at the results.
/// </summary>
public static class TimelineCommands
{
    /// <summary>Exit code when some clips failed (the others and the output timeline were still written).</summary>
    public const int SomeClipsFailed = 3;

    /// <summary>One clip in the <c>--json</c> summary.</summary>
    /// <param name="Start">First rendered media frame (the result's first file / video frame).</param>
    /// <param name="Frames">Frames rendered (handles and extensions included).</param>
    /// <param name="ClipStart">First media frame the clip shows in the output timeline.</param>
    /// <param name="ClipFrames">Frames the clip shows in the output timeline.</param>
    public sealed record ClipSummary(int Number, string Name, int Track, string Status, string? Output, long Start, long Frames,
        long ClipStart, long ClipFrames, double Rate, string Key, string Engine, IReadOnlyList<string> Notes, string? Error);

    /// <summary>The <c>--json</c> summary of a batch render (also what the Resolve bridge reads).</summary>
    public sealed record BatchSummary(string Input, string? Out, string Effect, string OutputDir, int Rendered, int Cached, int Failed,
        double Seconds, IReadOnlyList<ClipSummary> Clips);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    public static Command Create()
    {
        var timeline = new Command("timeline", "Batch-process the clips of an OpenTimelineIO timeline (.otio).");
        timeline.Subcommands.Add(CreateRender());
        timeline.Subcommands.Add(CreatePlan());
        return timeline;
    }

    private sealed class SelectionOptions
    {
        public readonly Argument<string> Input = new("timeline") { Description = "The .otio to read." };
        public readonly Option<string> Effect = new("--effect", "-e") { Description = "Effect id (com.runwayml.inpaint) or short name.", Required = true };
        public readonly Option<int?> Track = new("--track") { Description = "Video track number, 1 = bottom (V1); default: all video tracks." };
        public readonly Option<string?> Clips = new("--clips") { Description = "Clip name pattern (* and ?, case-insensitive)." };
        public readonly Option<string?> Markers = new("--markers") { Description = "Marker colour (RED, GREEN, …): clips under such markers." };
        public readonly Option<int> Handles = new("--handles") { Description = "Extra frames each side of each clip (clamped to the media).", DefaultValueFactory = _ => 0 };
        public readonly Option<string[]> Set = new("--set") { Description = "Param value, name=value (repeatable).", AllowMultipleArgumentsPerToken = false };
        public readonly Option<string?> Preset = new("--preset") { Description = "Preset name or file; --set overrides it." };
        public readonly Option<bool> Draft = new("--draft") { Description = "Render on the interactive/draft fast path." };
        public readonly Option<bool> JsonOut = new("--json") { Description = "Print a JSON summary on stdout (progress goes to stderr)." };

        public void AddTo(Command command)
        {
            command.Arguments.Add(Input);
            foreach (var o in new Option[] { Effect, Track, Clips, Markers, Handles, Set, Preset, Draft, JsonOut }) command.Options.Add(o);
        }

        public async Task<(Runway.Timeline.Schema.Timeline Timeline, PlanOptions Options, IReadOnlyList<ClipPlan> Plans)> PlanAsync(
            ParseResult result, CancellationToken ct)
        {
            var path = Path.GetFullPath(result.GetValue(Input)!);
            var definition = ResolveEffect(result.GetValue(Effect)!);
            var bound = BindParams(definition, result.GetValue(Preset), result.GetValue(Set) ?? []);
            if (!File.Exists(path)) throw new FileNotFoundException($"timeline '{path}' does not exist", path);
            var read = await OtioJson.ReadFileAsync<Runway.Timeline.Schema.Timeline>(path, cancellationToken: ct);
            var options = new PlanOptions(definition, bound,
                new ClipSelector(result.GetValue(Track), result.GetValue(Clips), result.GetValue(Markers)),
                result.GetValue(Handles), result.GetValue(Draft), Path.GetDirectoryName(path)!);
            return (read, options, TimelinePlanner.Plan(read, options));
        }
    }

    private static Command CreatePlan()
    {
        var selection = new SelectionOptions();
        var cmd = new Command("plan", "Show which clips a timeline render would process and the frames of each, without rendering.");
        selection.AddTo(cmd);
        cmd.SetAction(async (result, ct) => await Run(async () =>
        {
            var (timeline, _, plans) = await selection.PlanAsync(result, ct);
            var rows = plans.Select(p => new
            {
                p.Number, p.Clip.Name, Track = VideoTrackNumber(timeline, p.Clip), Media = p.Media.Path, Kind = p.Media.Kind.ToString(),
                p.Rate, Used = new { p.Used.Start, Frames = p.Used.Count }, Render = new { p.Render.Start, Frames = p.Render.Count },
                Read = new { p.Read.Start, Frames = p.Read.Count },
            }).ToList();
            if (result.GetValue(selection.JsonOut))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, Json));
                return;
            }
            foreach (var r in rows)
                Console.WriteLine($"{r.Number,3}  V{r.Track}  {r.Name}  render {r.Render.Start}+{r.Render.Frames} (used {r.Used.Start}+{r.Used.Frames}, read {r.Read.Start}+{r.Read.Frames}) @ {r.Rate:0.###} fps  {r.Kind} {r.Media}");
        }));
        return cmd;
    }

    private static Command CreateRender()
    {
        var selection = new SelectionOptions();
        var outputDir = new Option<string>("--output-dir", "-d") { Description = "Folder for the results (one folder per clip).", Required = true };
        var outOtio = new Option<string>("--out", "-o") { Description = "The timeline to write, pointing at the results.", Required = true };
        var mask = new Option<string?>("--mask", "-m") { Description = "Still mask image used for every frame (e.g. inpaint)." };
        var format = new Option<string>("--format") { Description = "png16 (default), exr or video.", DefaultValueFactory = _ => "png16" };
        var force = new Option<bool>("--force") { Description = "Render every clip again, ignoring cached results." };
        var inline = new Option<bool>("--inline") { Description = "Send pixels inline over gRPC instead of shared memory." };
        var cmd = new Command("render", "Render the selected clips of a timeline through an effect and write a timeline that uses the results.");
        selection.AddTo(cmd);
        foreach (var o in new Option[] { outputDir, outOtio, mask, format, force, inline }) cmd.Options.Add(o);
        cmd.SetAction(async (result, ct) => await Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            var json = result.GetValue(selection.JsonOut);
            var outputFormat = result.GetValue(format)!.ToLowerInvariant() switch
            {
                "png16" or "png" => OutputFormat.Png16,
                "exr" => OutputFormat.Exr,
                "video" or "mp4" => OutputFormat.Video,
                var other => throw new ArgumentException($"--format {other}: use png16, exr or video"),
            };
            var maskPath = result.GetValue(mask) is { } m ? Path.GetFullPath(m) : null;
            if (maskPath is not null && !File.Exists(maskPath)) throw new FileNotFoundException($"mask '{maskPath}' does not exist", maskPath);
            var (timeline, options, plans) = await selection.PlanAsync(result, ct);
            var settings = new BatchSettings(Path.GetFullPath(result.GetValue(outputDir)!), outputFormat, maskPath, result.GetValue(force));
            var useInline = result.GetValue(inline);
            await using var renderer = new TimelineRenderer(() => ClientFactory.Create(useInline));

            IReadOnlyList<ClipOutcome> outcomes;
            if (!json && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
            {
                outcomes = [];
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async context =>
                    {
                        var bar = new BarProgress(context, plans);
                        outcomes = await renderer.RenderAsync(plans, options, settings, bar, ct);
                    });
            }
            else
            {
                outcomes = await renderer.RenderAsync(plans, options, settings, new LineProgress(json ? Console.Error : Console.Out, plans.Count), ct);
            }

            TimelineRenderer.ApplyToTimeline(outcomes, options, settings.ReferenceKey);
            var outPath = Path.GetFullPath(result.GetValue(outOtio)!);
            var outDir = Path.GetDirectoryName(outPath);
            if (!string.IsNullOrEmpty(outDir)) Directory.CreateDirectory(outDir);
            await OtioJson.WriteFileAsync(timeline, outPath, cancellationToken: ct);

            var summary = Summarize(result.GetValue(selection.Input)!, outPath, options, settings, timeline, outcomes, clock.Elapsed.TotalSeconds);
            if (json) Console.WriteLine(JsonSerializer.Serialize(summary, Json));
            else
            {
                foreach (var c in summary.Clips.Where(c => c.Error is not null)) Console.Error.WriteLine($"runway: clip '{c.Name}' failed: {c.Error}");
                Console.WriteLine($"{summary.Rendered} rendered, {summary.Cached} cached, {summary.Failed} failed → {outPath}  ({summary.Seconds:F1} s)");
            }
            if (summary.Failed > 0) throw new ClipsFailedException();
        }));
        return cmd;
    }

    private static BatchSummary Summarize(string input, string outPath, PlanOptions options, BatchSettings settings,
        Runway.Timeline.Schema.Timeline timeline, IReadOnlyList<ClipOutcome> outcomes, double seconds) => new(
        Path.GetFullPath(input), outPath, options.Effect.Id, settings.OutputDirectory,
        outcomes.Count(o => o.Status == ClipStatus.Rendered), outcomes.Count(o => o.Status == ClipStatus.Cached),
        outcomes.Count(o => o.Status == ClipStatus.Failed), Math.Round(seconds, 3),
        outcomes.Select(o => new ClipSummary(o.Plan.Number, o.Plan.Clip.Name, VideoTrackNumber(timeline, o.Plan.Clip),
            o.Status.ToString().ToLowerInvariant(), o.Output, o.Plan.Render.Start, o.Plan.Render.Count,
            FrameSpan.FromTimeRange(o.Plan.Clip.Clip.TrimmedRange(), o.Plan.Rate).Start,
            FrameSpan.FromTimeRange(o.Plan.Clip.Clip.TrimmedRange(), o.Plan.Rate).Count, o.Plan.Rate, o.Key,
            o.Engine, o.Notes, o.Error)).ToList());

    private static int VideoTrackNumber(Runway.Timeline.Schema.Timeline timeline, TimelineClip clip)
    {
        var number = 0;
        for (var i = 0; i <= clip.TrackIndex && i < timeline.Tracks.Children.Count; i++)
            if (timeline.Tracks.Children[i] is Track { Kind: Track.VideoKind }) number++;
        return number;
    }

    private static EffectDefinition ResolveEffect(string name) =>
        EffectCatalog.Find(name) ?? EffectCatalog.Visible.FirstOrDefault(d => d.ShortName == name)
        ?? throw new ArgumentException($"unknown effect '{name}'; known: {string.Join(", ", EffectCatalog.Visible.Select(d => d.ShortName))}");

    // Same rules as `runway render`: a preset first, then --set on top, all validated before any media is touched.
    private static ParamSet BindParams(EffectDefinition definition, string? preset, IEnumerable<string> assignments)
    {
        var raw = new Dictionary<string, object>();
        if (preset is not null)
            foreach (var (k, v) in PresetLibrary.Resolve(preset, definition.Id, PresetLibrary.Folders()).Values) raw[k] = v;
        foreach (var assignment in assignments)
        {
            var eq = assignment.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--set wants name=value, got '{assignment}'");
            raw[assignment[..eq]] = ParamSet.ParseText(definition, assignment[..eq], assignment[(eq + 1)..]);
        }
        return ParamSet.Bind(definition, raw);
    }

    private static async Task<int> Run(Func<Task> body)
    {
        try
        {
            return await DaemonCommands.Run(body);
        }
        catch (ClipsFailedException)
        {
            return SomeClipsFailed;
        }
        catch (Exception e) when (e is TimelinePlanException or OtioException)
        {
            Console.Error.WriteLine($"runway: {e.Message}");
            return 2;
        }
    }

    private sealed class ClipsFailedException() : Exception("some clips failed");

    /// <summary>Progress bars: one for the whole batch (in frames) and one per clip being rendered.</summary>
    private sealed class BarProgress : IBatchProgress
    {
        private readonly ProgressContext _context;
        private readonly ProgressTask _overall;
        private readonly int _clips;
        private ProgressTask? _clip;
        private long _before;

        public BarProgress(ProgressContext context, IReadOnlyList<ClipPlan> plans)
        {
            _context = context;
            _clips = plans.Count;
            _overall = context.AddTask("all clips", maxValue: Math.Max(1, plans.Sum(p => p.Render.Count)));
        }

        public void ClipStarted(ClipPlan plan)
        {
            _clip = _context.AddTask($"{plan.Number}/{_clips} {Markup.Escape(plan.Clip.Name)}", maxValue: Math.Max(1, plan.Render.Count));
        }

        public void FrameDone(ClipPlan plan, long done)
        {
            if (_clip is not null) _clip.Value = done;
            _overall.Value = _before + done;
        }

        public void ClipFinished(ClipOutcome outcome)
        {
            _before += outcome.Plan.Render.Count;
            _overall.Value = _before;
            if (_clip is not null) _clip.Value = _clip.MaxValue;
            _clip = null;
        }
    }

    /// <summary>Plain lines for logs, pipes and --json runs: clip starts, every quarter of a clip, clip ends.</summary>
    private sealed class LineProgress(TextWriter writer, int clips) : IBatchProgress
    {
        public void ClipStarted(ClipPlan plan) =>
            writer.WriteLine($"[{plan.Number}/{clips}] {plan.Clip.Name}: rendering {plan.Render.Count} frame(s)");

        public void FrameDone(ClipPlan plan, long done)
        {
            var quarter = Math.Max(1, plan.Render.Count / 4);
            if (done % quarter == 0 && done < plan.Render.Count)
                writer.WriteLine($"[{plan.Number}/{clips}] {plan.Clip.Name}: {done}/{plan.Render.Count}");
        }

        public void ClipFinished(ClipOutcome outcome) => writer.WriteLine(outcome.Status switch
        {
            ClipStatus.Failed => $"[{outcome.Plan.Number}/{clips}] {outcome.Plan.Clip.Name}: failed: {outcome.Error}",
            ClipStatus.Cached => $"[{outcome.Plan.Number}/{clips}] {outcome.Plan.Clip.Name}: cached → {outcome.Output}",
            _ => $"[{outcome.Plan.Number}/{clips}] {outcome.Plan.Clip.Name}: done → {outcome.Output}",
        });
    }
}
