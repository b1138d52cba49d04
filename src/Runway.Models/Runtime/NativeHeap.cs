using System.Runtime.InteropServices;

namespace Runway.Models.Runtime;

/// <summary>
/// How a resident process (runwayd) keeps the C heap (glibc malloc) from handing frame-sized native buffers back to the
/// kernel after every frame. OpenCV matrices of a 1080p frame are megabytes each; by default glibc serves such blocks
/// with fresh mmaps (or trims them off the heap top when freed), so every frame faults them in again. Measured through
/// runway-bench --models (ISNet, 1080p): the rotoscope's matte finishing took ~280 ms of process CPU per warm frame
/// in runwayd against ~80–100 ms with fixed high thresholds (and ~70 ms standalone in process). With them the blocks stay
/// in the heap and are reused; <see cref="Trim"/> gives free memory back when a model is unloaded and when runwayd has
/// rendered nothing for a while (its idle trim, RUNWAY_IDLE_TRIM_SECONDS). The same settings serve any process that renders
/// frames resident (runway-bench's in-process column), so its steps compare with runwayd's.
/// </summary>
/// <remarks>Only glibc has these knobs; elsewhere (musl, macOS, Windows) every call here does nothing and says so.</remarks>
public static partial class NativeHeap
{
    // mallopt parameter numbers from glibc's malloc.h.
    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;

    /// <summary>Blocks at least this large still get their own mmap: glibc's largest allowed threshold on 64-bit (HEAP_MAX_SIZE / 2).</summary>
    public const int MmapThresholdBytes = 32 << 20;

    /// <summary>Free memory at the top of a heap beyond this is given back to the kernel: a few frames' worth of buffers stay.</summary>
    public const int TrimThresholdBytes = 256 << 20;

    /// <summary>Environment variable that, set to <c>default</c>, leaves glibc's own thresholds in place (A/B measurements).</summary>
    public const string DefaultSwitch = "RUNWAY_NATIVE_HEAP";

    private static int _configured;

    /// <summary>
    /// Sets the thresholds once per process (later calls do nothing). Returns a sentence for the log: what was set, or
    /// why nothing was.
    /// </summary>
    public static string ConfigureForResidentRendering()
    {
        if (Interlocked.Exchange(ref _configured, 1) == 1) return "native heap thresholds already set";
        if (!OperatingSystem.IsLinux()) return "native heap thresholds left alone (not Linux)";
        if (Environment.GetEnvironmentVariable(DefaultSwitch) == "default") return $"native heap thresholds left at glibc's defaults ({DefaultSwitch}=default)";
        try
        {
            var mmap = Mallopt(MMmapThreshold, MmapThresholdBytes) == 1;
            var trim = Mallopt(MTrimThreshold, TrimThresholdBytes) == 1;
            return mmap && trim
                ? $"native heap: blocks below {MmapThresholdBytes >> 20} MiB and up to {TrimThresholdBytes >> 20} MiB of free heap top are kept for reuse between frames"
                : $"native heap: mallopt refused (mmap threshold {(mmap ? "set" : "refused")}, trim threshold {(trim ? "set" : "refused")})";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return $"native heap thresholds left alone (no glibc mallopt: {e.Message})";
        }
    }

    /// <summary>
    /// Gives free C-heap memory back to the kernel (glibc malloc_trim): after a model's session is released, so the
    /// process's resident size follows what is really loaded, and once when the daemon goes idle. False when nothing was
    /// released or there is no such call.
    /// </summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return MallocTrim(0) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
