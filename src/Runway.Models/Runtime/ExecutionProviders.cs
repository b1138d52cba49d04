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
