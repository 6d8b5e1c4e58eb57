using System.Diagnostics;

namespace Corrosion.Benchmarks;

/// <summary>
/// How long each small write waits under sustained load: 20,000 one-row transactions (a todos row with a 1 KiB
/// title, so the log passes the checkpoint threshold every few hundred commits) through ICorrosionNode, one after
/// another; percentiles of the per-transaction time. The tail is where commits that carry a WAL checkpoint show.
/// </summary>
internal static class CommitLatencyBenchmark
{
    private const int Transactions = 20_000;

    public static async Task RunAsync(int runs)
    {
        Console.WriteLine($"latency: {Transactions} one-row transactions (1 KiB each) through ICorrosionNode.ExecuteAsync, ms per transaction");
        Console.WriteLine($"{"run",4} {"p50",8} {"p99",8} {"p99.9",8} {"max",8} {"total s",8}");
        for (var run = 0; run < runs; run++)
        {
            var (latencies, total) = await RunOnceAsync();
            latencies.Sort();
            double At(double q) => latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
            Console.WriteLine($"{run + 1,4} {At(0.5),8:0.000} {At(0.99),8:0.000} {At(0.999),8:0.000} {latencies[^1],8:0.000} {total.TotalSeconds,8:0.00}");
        }
    }

    private static async Task<(List<double> Latencies, TimeSpan Total)> RunOnceAsync()
    {
        var dir = Measure.Workspace();
        try
        {
            await using var node = await Measure.OpenTodosNodeAsync(dir);
            var title = new string('t', 1024);
            var latencies = new List<double>(Transactions);
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < Transactions; i++)
            {
                var statement = new Statement("INSERT INTO todos (id, title) VALUES (?, ?)", [Storage.SqlValue.FromText($"todo-{i:D8}"), Storage.SqlValue.FromText(title)]);
                var one = Stopwatch.GetTimestamp();
                await node.ExecuteAsync([statement]);
                latencies.Add(Stopwatch.GetElapsedTime(one).TotalMilliseconds);
            }

            return (latencies, Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
