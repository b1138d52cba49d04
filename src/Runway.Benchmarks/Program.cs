using System.Text.Json;
using Runway.Benchmarks;

// runway-bench: transport and effect throughput, each figure next to the physical limit measured in the same run.
if (args.Contains("--looks")) return LooksBench.Run(args.Contains("--quick"), args.Contains("--json"));
if (args.Contains("--style")) return StyleTransferBench.Run(args.Contains("--quick"), args.Contains("--json"));
if (args.Contains("--generative-fill")) return GenerativeFillBench.Run(args.Contains("--quick"), args.Contains("--json"));
if (args.Contains("--extend-shot")) return ExtendShotBench.Run(args.Contains("--quick"), args.Contains("--json"));
if (args.Contains("--rotoscope")) return RotoscopeBench.Run(args.Contains("--quick"), args.Contains("--json"));
if (args.Contains("--batching")) return await BatchBench.RunAsync(args);
if (args.Contains("--models") && !args.Contains("--help") && !args.Contains("-h")) return await ModelBench.RunAsync(args);
var options = BenchOptions.Parse(args);
var report = await TransportBench.RunAsync(options);
if (options.Json)
{
    Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
}
else
{
    report.Print();
}
return report.TargetsMet || !options.FailOnTargets ? 0 : 1;
