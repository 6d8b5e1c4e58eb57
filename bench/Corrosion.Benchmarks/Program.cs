using Corrosion.Benchmarks;

// A small harness rather than BenchmarkDotNet: each scenario measures our engine and its baseline in the same
// run, alternating, and reports medians and the ratio. Usage: dotnet run -c Release --project bench/Corrosion.Benchmarks -- [insert|apply|update-delete|http|latency|propagation|simulation|subscriptions|all] [--runs N]
var scenario = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
var runs = args.SkipWhile(a => a != "--runs").Skip(1).Select(int.Parse).FirstOrDefault(5);

if (scenario is "insert" or "all")
{
    await InsertBenchmark.RunAsync(runs);
}

if (scenario is "apply" or "all")
{
    await ApplyBenchmark.RunAsync(runs);
}

if (scenario is "update-delete" or "all")
{
    await UpdateDeleteBenchmark.RunAsync(runs);
}

if (scenario is "http" or "all")
{
    await HttpBenchmark.RunAsync(runs);
}

if (scenario is "latency" or "all")
{
    await CommitLatencyBenchmark.RunAsync(runs);
}

if (scenario is "propagation" or "all")
{
    await PropagationBenchmark.RunAsync();
}

if (scenario is "subscriptions" or "all")
{
    await SubscriptionBenchmark.RunAsync(runs);
}

if (scenario is "simulation" or "all")
{
    // SIM_SIZES=100 (comma-separated) runs only those cluster sizes.
    await SimulationBenchmark.RunAsync(Environment.GetEnvironmentVariable("SIM_SIZES") is { } sizes ? [.. sizes.Split(',').Select(int.Parse)] : [10, 25, 50, 100]);
}

return 0;
