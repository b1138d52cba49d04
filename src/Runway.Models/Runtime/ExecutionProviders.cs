using Microsoft.ML.OnnxRuntime;

namespace Runway.Models.Runtime;

/// <summary>
/// Execution provider choice: CUDA when the native library has it (the <c>RunwayGpu=true</c> build) and it starts,
/// else CPU. A provider that fails to initialise is logged with its reason and the next one is tried.
/// </summary>
public static class ExecutionProviders
{
    /// <summary>Provider names as reported by Health, in preference order.</summary>
    public const string Cuda = "cuda", Cpu = "cpu";

    private static readonly Lazy<string[]> CompiledIn = new(() =>
    {
        try
        {
            return OrtEnv.Instance().GetAvailableProviders();
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or TypeInitializationException)
        {
            return [];
        }
    });

    /// <summary>The providers this build can use, in preference order (e.g. ["cpu"] for the CPU package).</summary>
    public static IReadOnlyList<string> Available { get; } = Order();

    /// <summary>
    /// Appends the first provider that initialises to <paramref name="options"/> and returns its name; CPU is always
    /// there (ONNX Runtime falls back to it for any operator another provider lacks).
    /// </summary>
    public static string Configure(SessionOptions options, Action<string>? warn = null)
    {
        if (CompiledIn.Value.Contains("CUDAExecutionProvider"))
        {
            try
            {
                options.AppendExecutionProvider_CUDA(0);
                return Cuda;
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                warn?.Invoke($"CUDA execution provider failed to initialise ({e.Message}); using the CPU");
            }
        }
        return Cpu;
    }

    private static string[] Order()
    {
        var list = new List<string>();
        if (CompiledIn.Value.Contains("CUDAExecutionProvider")) list.Add(Cuda);
        list.Add(Cpu);
        return [.. list];
    }
}

/// <summary>
/// The ONNX Runtime session options runwayd uses, as data so runway-bench can measure alternatives with the same code
/// path. <see cref="Default"/> is the setting measured best on the 2-core CPU machine (figures in the closing note).
/// </summary>
/// <param name="IntraOpThreads">Threads per run; 0 = automatic (<see cref="AutoIntraOpThreads"/>);
/// <see cref="OrtDefaultThreads"/> = leave the choice to ONNX Runtime (runway-bench compares against it).</param>
/// <param name="Spinning">Whether idle intra-op threads spin (session.intra_op.allow_spinning); spinning burns a core
/// that renders running side by side and the host application need.</param>
/// <param name="MemoryArena">The CPU memory arena (reuses allocations between runs).</param>
/// <param name="MemoryPattern">Memory pattern planning (pre-sizes buffers for fixed shapes). Off by default: with ISNet
/// (1024², fixed shape) at 1080p, runway-bench --models measured a warm run at 2186 ms with it off against 3513 ms on
/// (load average ~5; also fastest in a run at load ~40), so the default is off.</param>
/// <param name="Optimization">Graph optimisation level.</param>
public sealed record OrtSessionSettings(
    int IntraOpThreads = 0,
    bool Spinning = true,
    bool MemoryArena = true,
    bool MemoryPattern = false,
    GraphOptimizationLevel Optimization = GraphOptimizationLevel.ORT_ENABLE_ALL)
{
    /// <summary>The daemon's default.</summary>
    public static OrtSessionSettings Default { get; } = new();

    /// <summary><see cref="IntraOpThreads"/> value that leaves the thread count to ONNX Runtime's own default.</summary>
    public const int OrtDefaultThreads = -1;

    /// <summary>
    /// Intra-op threads used when <see cref="IntraOpThreads"/> is 0: one per logical processor this process may use.
    /// ONNX Runtime's own default counts physical cores, and on small VMs (the 2-vCPU CI/dev machine) its choice
    /// behaved like one thread (process CPU time ≈ wall time); figures in the closing note.
    /// </summary>
    public static int AutoIntraOpThreads { get; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>The thread count a session gets: the explicit one, the automatic one for 0, or 0 (ONNX Runtime decides).</summary>
    public int EffectiveIntraOpThreads => IntraOpThreads > 0 ? IntraOpThreads : IntraOpThreads == 0 ? AutoIntraOpThreads : 0;

    /// <summary>Short description for tables and logs.</summary>
    public string Describe() =>
        $"threads {(IntraOpThreads == OrtDefaultThreads ? "ORT default" : IntraOpThreads == 0 ? $"auto ({AutoIntraOpThreads})" : IntraOpThreads.ToString(System.Globalization.CultureInfo.InvariantCulture))}, spin {(Spinning ? "on" : "off")}, " +
        $"arena {(MemoryArena ? "on" : "off")}, pattern {(MemoryPattern ? "on" : "off")}, opt {Optimization switch
        {
            GraphOptimizationLevel.ORT_DISABLE_ALL => "none",
            GraphOptimizationLevel.ORT_ENABLE_BASIC => "basic",
            GraphOptimizationLevel.ORT_ENABLE_EXTENDED => "extended",
            _ => "all",
        }}";

    /// <summary>New session options with these settings (the caller adds the execution provider and disposes them).</summary>
    public SessionOptions Create()
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = Optimization,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            EnableCpuMemArena = MemoryArena,
            EnableMemoryPattern = MemoryPattern,
        };
        if (EffectiveIntraOpThreads > 0) options.IntraOpNumThreads = EffectiveIntraOpThreads;
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", Spinning ? "1" : "0");
        return options;
    }
}
