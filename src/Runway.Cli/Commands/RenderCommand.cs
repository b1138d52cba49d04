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
/// <c>runway render &lt;effect&gt; --input … [--mask …] [--clip Name=…] [--set k=v] [--preset p] --output …</c>: renders an
/// image, an image sequence or a video through the daemon, frame by frame, with a progress bar on sequences. Every
/// request of a sequence or video carries its frame range (0..n-1) as the source range.
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
        var clip = new Option<string[]>("--clip")
        {
            Description = "Another input clip of the effect, Name=path (e.g. Reference=plate.png): an image is used for every frame, a sequence or video is matched by frame index (repeatable).",
            AllowMultipleArgumentsPerToken = false,
        };
        var preset = new Option<string?>("--preset") { Description = "Preset name (see presets/) or preset file; --set overrides it." };
        var inline = new Option<bool>("--inline") { Description = "Send pixels inline over gRPC instead of shared memory." };
        var interactive = new Option<bool>("--draft") { Description = "Render on the interactive/draft fast path." };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary instead of progress." };

        var cmd = new Command("render", "Render an image, sequence or video through an effect.")
        {
            effect, input, mask, clip, output, set, preset, inline, interactive, json,
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
                Params = raw.ToDictionary(kv => kv.Key, kv => RunwayParams.From(kv.Value)),
            };
            var clips = ParseClips(definition, result.GetValue(clip) ?? []);
            var summary = await RenderAll(request, result.GetValue(input)!, result.GetValue(mask), clips, result.GetValue(output)!,
                result.GetValue(inline), !result.GetValue(json), ct);
            if (result.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
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

    /// <summary>
    /// Parses <c>--clip Name=path</c> assignments: the name must be one of the effect's input clips other than Source
    /// and its mask (those have options of their own), given once.
    /// </summary>
    internal static IReadOnlyList<(string Name, string Path)> ParseClips(EffectDefinition definition, IEnumerable<string> assignments)
    {
        var declared = definition.Clips.Where(c => !c.IsMask && c.Name != "Source").Select(c => c.Name).ToList();
        var clips = new List<(string Name, string Path)>();
        foreach (var assignment in assignments)
        {
            var eq = assignment.IndexOf('=');
            if (eq <= 0 || eq == assignment.Length - 1) throw new ArgumentException($"--clip wants Name=path, got '{assignment}'");
            var name = assignment[..eq];
            if (!declared.Contains(name, StringComparer.Ordinal))
                throw new ArgumentException($"{definition.ShortName} has no input clip '{name}' for --clip; its clips: " +
                    (declared.Count == 0 ? "none besides the source and mask" : string.Join(", ", declared)) + " (use --input/--mask for the others)");
            if (clips.Any(c => c.Name == name)) throw new ArgumentException($"--clip {name} is given twice");
            clips.Add((name, assignment[(eq + 1)..]));
        }
        return clips;
    }

    private static async Task<Summary> RenderAll(RenderRequest request, string inputPath, string? maskPath,
        IReadOnlyList<(string Name, string Path)> clipPaths, string outputPath, bool inline, bool showProgress, CancellationToken ct)
    {
        using var reader = new FrameReader(inputPath);
        using var clips = new ClipFrames(clipPaths);
        // A sequence or video is a clip with frames 0..n-1; a still has no range.
        if (reader.Kind != MediaKind.Image && reader.FrameCount > 0)
            request = request with { SourceRange = new ClipFrameRange(0, reader.FrameCount - 1) };
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

        var (before, after) = FramesEachSide(request, reader.Kind);
        using var window = new FrameWindow(reader, maskReader, stillMask, maskPath);

        async Task RenderFrames(Action<int>? advance)
        {
            for (var i = 0; window.TryGet(i, out var frame, out var maskMat); i++)
            {
                ct.ThrowIfCancellationRequested();
                // Temporal effects see the frames around this one, as a host would hand them over.
                var neighbours = new List<NeighbourFrame>(before + after);
                for (var d = -before; d <= after; d++)
                {
                    if (d != 0 && window.TryGet(i + d, out var nf, out var nm))
                        neighbours.Add(new NeighbourFrame(i + d, MatImages.View(nf), nm is null ? null : MatImages.MaskView(nm)));
                }
                using var result = new Mat(frame.Size(), frame.Type(), Scalar.All(0));
                var named = clips.At(i);
                var rendered = await client.RenderAsync(request with { Time = i, Neighbours = neighbours, Clips = named }, MatImages.View(frame),
                    maskMat is null ? null : MatImages.MaskView(maskMat), MatImages.View(result), ct);
                renderMs += rendered.Elapsed.TotalMilliseconds;
                engine = rendered.Info.Engine;
                foreach (var n in rendered.Info.Notes) notes.Add(n);
                writer.Write(result);
                frames++;
                window.ReleaseBefore(i - before);
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
    /// How many frames each side a temporal effect wants for this request: its declared need, capped by its window
    /// param and, for draft renders, by its interactive limit. Single images have no neighbours.
    /// </summary>
    private static (int Before, int After) FramesEachSide(RenderRequest request, MediaKind kind)
    {
        var definition = EffectCatalog.Find(request.EffectId)!;
        var need = definition.FramesNeeded;
        var reach = Math.Max(need.Before, need.After);
        if (reach == 0 || kind == MediaKind.Image) return (0, 0);
        if (need.LimitParam is { } limitParam)
        {
            var raw = request.Params?.ToDictionary(kv => kv.Key, kv => FromParamValue(kv.Value)) ?? [];
            reach = Math.Min(reach, ParamSet.Bind(definition, raw).Integer(limitParam));
        }
        if (request.Interactive && need.InteractiveLimit is { } draftLimit) reach = Math.Min(reach, draftLimit);
        // Each side is capped separately: an effect that looks only back (before 1, after 0) gets no later frames.
        reach = Math.Max(0, reach);
        return (Math.Min(reach, need.Before), Math.Min(reach, need.After));
    }

    private static object FromParamValue(ParamValue value) => value.ValueCase switch
    {
        ParamValue.ValueOneofCase.DoubleValue => value.DoubleValue,
        ParamValue.ValueOneofCase.IntValue => value.IntValue,
        ParamValue.ValueOneofCase.BoolValue => value.BoolValue,
        ParamValue.ValueOneofCase.StringValue => value.StringValue,
        _ => value.Doubles.Values.ToArray(),
    };

    /// <summary>
    /// The named clips of a render (<c>--clip</c>): a still is decoded once and sent with every frame; a sequence or
    /// video is read in step with the input, frame i with input frame i.
    /// </summary>
    private sealed class ClipFrames : IDisposable
    {
        private readonly List<(string Name, FrameReader Reader, Mat? Still)> _clips = [];
        private readonly Dictionary<string, Mat> _current = new(StringComparer.Ordinal);
        private int _index = -1;

        public ClipFrames(IReadOnlyList<(string Name, string Path)> paths)
        {
            try
            {
                foreach (var (name, path) in paths)
                {
                    var reader = new FrameReader(path);
                    _clips.Add((name, reader, reader.Kind == MediaKind.Image ? reader.ReadNext() : null));
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>The clips for input frame <paramref name="index"/> (called with 0, 1, 2 … in order).</summary>
        public IReadOnlyList<NamedClip> At(int index)
        {
            if (_clips.Count == 0) return [];
            if (index != _index)
            {
                foreach (var m in _current.Values) m.Dispose();
                _current.Clear();
                foreach (var (name, reader, still) in _clips)
                {
                    if (still is not null) continue;
                    _current[name] = reader.ReadNext()
                        ?? throw new InvalidDataException($"the clip '{name}' ({reader.Path}) has fewer frames than the input (ran out at frame {index})");
                }
                _index = index;
            }
            return _clips.Select(c => new NamedClip(c.Name, MatImages.View(c.Still ?? _current[c.Name]))).ToList();
        }

        public void Dispose()
        {
            foreach (var m in _current.Values) m.Dispose();
            _current.Clear();
            foreach (var (_, reader, still) in _clips)
            {
                still?.Dispose();
                reader.Dispose();
            }
        }
    }

    /// <summary>
    /// Frames (and their masks) read ahead and kept while a temporal effect may still ask for them, so each file is
    /// decoded once however many neighbours use it.
    /// </summary>
    private sealed class FrameWindow(FrameReader reader, FrameReader? maskReader, Mat? stillMask, string? maskPath) : IDisposable
    {
        private readonly Dictionary<int, (Mat Frame, Mat? Mask)> _frames = [];
        private int _read;
        private bool _ended;

        public bool TryGet(int index, out Mat frame, out Mat? mask)
        {
            while (!_ended && _read <= index)
            {
                var next = reader.ReadNext();
                if (next is null)
                {
                    _ended = true;
                    break;
                }
                var m = stillMask is null ? maskReader?.ReadNext() : null;
                if (maskReader is not null && stillMask is null && m is null)
                {
                    next.Dispose();
                    throw new InvalidDataException($"the mask '{maskPath}' has fewer frames than the input (ran out at frame {_read})");
                }
                _frames[_read++] = (next, m);
            }
            if (index >= 0 && _frames.TryGetValue(index, out var entry))
            {
                frame = entry.Frame;
                mask = entry.Mask ?? stillMask;
                return true;
            }
            frame = null!;
            mask = null;
            return false;
        }

        public void ReleaseBefore(int index)
        {
            foreach (var key in _frames.Keys.Where(k => k < index).ToList())
            {
                _frames[key].Frame.Dispose();
                _frames[key].Mask?.Dispose();
                _frames.Remove(key);
            }
        }

        public void Dispose() => ReleaseBefore(int.MaxValue);
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
