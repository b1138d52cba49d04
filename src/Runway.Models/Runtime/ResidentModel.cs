using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Runway.Effects.Pixels;
using Runway.Models.Packs;
using Runway.Models.Processing;

namespace Runway.Models.Runtime;

/// <summary>
/// A pack with its ONNX Runtime session: created once (files checked against their sha256, graph checked against the
/// declaration), warmed up with one run, then shared by every render until evicted or unloaded. Thread-safe: ONNX
/// Runtime sessions accept concurrent runs, and every run uses its own pooled buffers.
/// </summary>
public sealed class ResidentModel : IDisposable
{
    private readonly object _gate = new();
    private int _leases;
    private bool _retired;
    private bool _disposed;
    private long _runs;
    private RunCounters? _counters;

    private ResidentModel(ModelPack pack, InferenceSession session, string provider, long memoryBytes)
    {
        Pack = pack;
        Session = session;
        Provider = provider;
        MemoryBytes = memoryBytes;
        InputNames = pack.Inputs.Select(t => t.Name).ToArray();
        OutputNames = pack.Outputs.Select(t => t.Name).ToArray();
        if (pack.MaxBatch > 1) Batcher = new RunBatcher(session, InputNames, OutputNames, pack.MaxBatch);
    }

    public ModelPack Pack { get; }

    /// <summary>Execution provider the session runs on ("cpu", "cuda").</summary>
    public string Provider { get; }

    /// <summary>What this model counts against the memory budget.</summary>
    public long MemoryBytes { get; }

    /// <summary>Session creation time (file checks, graph load and optimisation), milliseconds.</summary>
    public double LoadMillis { get; private set; }

    /// <summary>The warm-up run's time, milliseconds: what the first frame would otherwise have paid.</summary>
    public double WarmupMillis { get; private set; }

    /// <summary>Runs since load, the warm-up excluded.</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>
    /// The pack's run counters (frames, session runs, batches), kept by the registry across loads; null for a model
    /// loaded outside a registry and during the warm-up. Setting it also routes the batcher's counts there.
    /// </summary>
    public RunCounters? Counters
    {
        get => _counters;
        set
        {
            _counters = value;
            if (Batcher is { } batcher) batcher.Counters = value;
        }
    }

    internal InferenceSession Session { get; }

    internal string[] InputNames { get; }

    internal string[] OutputNames { get; }

    /// <summary>Stacks concurrent same-shape runs when the pack declares <c>maxBatch</c> &gt; 1; null otherwise.</summary>
    internal RunBatcher? Batcher { get; }

    /// <summary>
    /// Checks the pack's files and graph, creates the session on the best provider and warms it up. Every problem is a
    /// <see cref="ModelException"/> of kind <see cref="ModelErrorKind.Unusable"/>; nothing half-loaded is left behind.
    /// </summary>
    /// <param name="settings">Session options; null = <see cref="OrtSessionSettings.Default"/> (runway-bench measures others).</param>
    public static ResidentModel Load(ModelPack pack, long memoryBytes, int intraOpThreads = 0, Action<string>? warn = null, CancellationToken ct = default,
        OrtSessionSettings? settings = null)
    {
        var started = Stopwatch.GetTimestamp();
        var problems = PackValidator.CheckFiles(pack, ct).ToList();
        problems.AddRange(RuntimeProblems(pack));
        if (problems.Count > 0) throw new ModelException(ModelErrorKind.Unusable, $"model pack '{pack.Id}' is not usable: {string.Join("; ", problems)}");
        ct.ThrowIfCancellationRequested();

        // 0 = automatic (one thread per logical processor; see OrtSessionSettings.AutoIntraOpThreads); runwayd's
        // --model-threads sets it explicitly.
        using var options = (intraOpThreads > 0 ? (settings ?? OrtSessionSettings.Default) with { IntraOpThreads = intraOpThreads }
            : settings ?? OrtSessionSettings.Default).Create();
        var provider = ExecutionProviders.Configure(options, warn);
        InferenceSession session;
        try
        {
            session = new InferenceSession(pack.ModelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelException(ModelErrorKind.Unusable, $"model pack '{pack.Id}' is not usable: ONNX Runtime cannot load {pack.Model}: {e.Message}", e);
        }
        var model = new ResidentModel(pack, session, provider, memoryBytes);
        try
        {
            var graph = PackValidator.CheckGraph(pack, session).ToList();
            if (graph.Count > 0) throw new ModelException(ModelErrorKind.Unusable, $"model pack '{pack.Id}' does not match its model: {string.Join("; ", graph)}");
            model.LoadMillis = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var warm = Stopwatch.GetTimestamp();
            model.WarmUp(ct);
            model.WarmupMillis = Stopwatch.GetElapsedTime(warm).TotalMilliseconds;
            return model;
        }
        catch (OnnxRuntimeException e)
        {
            model.Dispose();
            throw new ModelException(ModelErrorKind.Unusable, $"model pack '{pack.Id}' failed its warm-up run: {e.Message}", e);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the model over a whole frame: <paramref name="source"/> feeds the image input, <paramref name="mask"/>
    /// (hole value in its red channel) the mask input; the decoded image output lands in <paramref name="output"/>.
    /// </summary>
    public void Run(FloatImage source, FloatImage? mask, FloatImage output, CancellationToken ct) =>
        RunWith(source, new ModelFeeds { Mask = mask }, output, ct);

    /// <summary>
    /// Runs the model over a whole frame with every input a contract can feed (<paramref name="feeds"/>): the image
    /// output lands in <paramref name="output"/>'s colour, an alpha output in its alpha, state outputs in the slot.
    /// </summary>
    public void RunWith(FloatImage source, ModelFeeds feeds, FloatImage output, CancellationToken ct)
    {
        ImageRunner.Run(this, source, feeds, output, ct);
        Interlocked.Increment(ref _runs);
        _counters?.Frame();
    }

    /// <summary>What the pack cannot do in this runtime even though its manifest is well-formed.</summary>
    internal static IEnumerable<string> RuntimeProblems(ModelPack pack)
    {
        foreach (var t in pack.Inputs.Concat(pack.Outputs).Where(t => TensorRoles.IsSpatial(t.Role) && t.ElementType != TensorElement.Float32))
            yield return $"tensor '{t.Name}' is {t.ElementType.ToString().ToLowerInvariant()}; this runtime feeds and reads float32 tensors only (int64 seeds and string prompts aside)";
        var known = pack.Inputs.SelectMany(t => t.Shape).Where(d => d.IsDynamic).Select(d => d.Symbol!).ToHashSet(StringComparer.Ordinal);
        foreach (var t in pack.Outputs)
        {
            foreach (var d in t.Shape.Where(d => d.IsDynamic && !known.Contains(d.Symbol!)))
                yield return $"output '{t.Name}' has a dynamic axis '{d.Symbol}' that no input has, so its size cannot be known before the run";
        }
    }

    private void WarmUp(CancellationToken ct)
    {
        var image = Pack.Inputs.First(t => t.Role == TensorRole.Image);
        var multiple = Math.Max(1, Pack.Inputs.Where(t => TensorRoles.IsSpatial(t.Role)).Max(t => t.MultipleOf));
        var size = image.FixedSpatial ? (int)image.Shape[image.HeightAxis].Fixed : Pack.Tiling?.Tile ?? RoundUp(64, multiple);
        var width = image.FixedSpatial ? (int)image.Shape[image.WidthAxis].Fixed : size;
        using var source = new FloatImage(width, size);
        using var mask = new FloatImage(width, size);
        using var output = new FloatImage(width, size);
        source.Pixels.Fill(0.5f);
        mask.Pixels.Clear();
        // The warm-up's state goes nowhere: no slot, so every instance's first frame starts from zeros.
        ImageRunner.Run(this, source, new ModelFeeds { Mask = mask }, output, ct);
    }

    internal static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Takes a lease for a run; false once retired (evicted or unloaded).</summary>
    internal bool TryAcquire()
    {
        lock (_gate)
        {
            if (_retired) return false;
            _leases++;
            return true;
        }
    }

    internal void ReleaseLease()
    {
        bool dispose;
        lock (_gate)
        {
            _leases--;
            dispose = _retired && _leases == 0;
        }
        if (dispose) Dispose();
    }

    /// <summary>Leases held right now; a model in use is never evicted.</summary>
    internal int Leases
    {
        get
        {
            lock (_gate) return _leases;
        }
    }

    /// <summary>No new leases; the session is disposed as soon as the last run finishes.</summary>
    internal void Retire()
    {
        bool dispose;
        lock (_gate)
        {
            _retired = true;
            dispose = _leases == 0;
        }
        if (dispose) Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _retired = true;
        }
        Session.Dispose();
        // runwayd keeps freed C-heap memory for reuse between frames (NativeHeap); a model leaving is when to give it back.
        NativeHeap.Trim();
    }
}
