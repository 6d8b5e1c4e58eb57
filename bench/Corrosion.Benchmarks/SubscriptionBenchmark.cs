using System.Diagnostics;
using Corrosion.Options;
using Corrosion.Storage;
using Corrosion.Subscriptions;

namespace Corrosion.Benchmarks;

/// <summary>
/// Subscriptions on one node: commit-to-change-event latency, write throughput with 0, 100 and 1,000 live
/// subscriptions on the written table (each a distinct query over its own key range), and memory per subscription.
/// </summary>
internal static class SubscriptionBenchmark
{
    private const string Schema = "CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, v TEXT NOT NULL DEFAULT '');";
    private const int Rows = 10_000;
    private const int Batch = 100;
    private const int LatencyWrites = 300;

    public static async Task RunAsync(int runs)
    {
        await LatencyAsync();

        var writes = new Dictionary<int, List<double>> { [0] = [], [100] = [], [1000] = [] };
        var endToEnd = new Dictionary<int, List<double>> { [0] = [], [100] = [], [1000] = [] };
        for (var run = 0; run < runs; run++)
        {
            foreach (var count in writes.Keys)
            {
                var (write, caughtUp) = await ThroughputAsync(count);
                writes[count].Add(Rows / write.TotalSeconds);
                endToEnd[count].Add(Rows / caughtUp.TotalSeconds);
            }
        }

        Console.WriteLine($"subscriptions: {Rows} rows in transactions of {Batch}, distinct range subscriptions, median of {runs} runs");
        var baseWrite = Measure.Median(writes[0]);
        var baseEnd = Measure.Median(endToEnd[0]);
        foreach (var count in writes.Keys)
        {
            var write = Measure.Median(writes[count]);
            var end = Measure.Median(endToEnd[count]);
            Console.WriteLine($"{count,5} subscriptions: writes acknowledged {write,10:N0} rows/s ({baseWrite / write:0.00}x cost), all change events delivered {end,10:N0} rows/s ({baseEnd / end:0.00}x cost)");
        }

        await MemoryAsync(1000);
    }

    private static async Task LatencyAsync()
    {
        var dir = Measure.Workspace();
        try
        {
            await using var node = await OpenAsync(dir);
            await using var subscription = await node.SubscribeAsync("SELECT id, v FROM items");
            await using var events = subscription.GetAsyncEnumerator();
            while (await events.MoveNextAsync() && events.Current is not SubscriptionEvent.EndOfQuery)
            {
            }

            var latencies = new List<double>();
            for (var i = 0; i < LatencyWrites + 20; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await node.ExecuteAsync([new Statement("INSERT INTO items (id, v) VALUES (?, 'x')", [SqlValue.FromInteger(i)])]);
                if (!await events.MoveNextAsync() || events.Current is not SubscriptionEvent.Change)
                {
                    throw new InvalidOperationException($"expected a change event, got {events.Current}");
                }

                if (i >= 20)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }

            latencies.Sort();
            Console.WriteLine($"subscription latency: {LatencyWrites} one-row commits, from ExecuteAsync called to the change event read (after 20 warm-up writes)");
            Console.WriteLine($"  p50 {latencies[latencies.Count / 2]:0.00} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:0.00} ms, max {latencies[^1]:0.00} ms");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static async Task<(TimeSpan Writes, TimeSpan CaughtUp)> ThroughputAsync(int subscriptions)
    {
        var dir = Measure.Workspace();
        try
        {
            await using var node = await OpenAsync(dir);
            var received = 0L;
            var allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var handles = new List<ISubscription>();
            var readers = new List<Task>();
            var width = subscriptions == 0 ? Rows : Rows / subscriptions;
            for (var s = 0; s < subscriptions; s++)
            {
                var subscription = await node.SubscribeAsync(new Statement(
                    "SELECT id, v FROM items WHERE id >= ? AND id < ?",
                    [SqlValue.FromInteger(s * width), SqlValue.FromInteger((s + 1) * width)]));
                handles.Add(subscription);
                readers.Add(Task.Run(async () =>
                {
                    await foreach (var e in subscription)
                    {
                        if (e is SubscriptionEvent.Change && Interlocked.Increment(ref received) == Rows)
                        {
                            allReceived.TrySetResult();
                        }
                        else if (e is SubscriptionEvent.Error error)
                        {
                            allReceived.TrySetException(new InvalidOperationException(error.Message));
                        }
                    }
                }));
            }

            var batches = Enumerable.Range(0, Rows / Batch)
                .Select(b => Enumerable.Range(b * Batch, Batch).Select(i => new Statement("INSERT INTO items (id, v) VALUES (?, ?)", [SqlValue.FromInteger(i), SqlValue.FromText($"item {i}")])).ToList())
                .ToList();
            var started = Stopwatch.GetTimestamp();
            foreach (var batch in batches)
            {
                await node.ExecuteAsync(batch);
            }

            var writes = Stopwatch.GetElapsedTime(started);
            if (subscriptions > 0)
            {
                await allReceived.Task.WaitAsync(TimeSpan.FromMinutes(10));
            }

            var caughtUp = Stopwatch.GetElapsedTime(started);
            foreach (var handle in handles)
            {
                await handle.DisposeAsync();
            }

            await Task.WhenAll(readers);
            return (writes, caughtUp);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static async Task MemoryAsync(int subscriptions)
    {
        var dir = Measure.Workspace();
        try
        {
            await using var node = await OpenAsync(dir);
            var rows = Enumerable.Range(0, Rows).Select(i => new Statement("INSERT INTO items (id, v) VALUES (?, ?)", [SqlValue.FromInteger(i), SqlValue.FromText($"item {i}")])).ToList();
            await node.ExecuteAsync(rows);
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var handles = new List<ISubscription>();
            var width = Rows / subscriptions;
            for (var s = 0; s < subscriptions; s++)
            {
                handles.Add(await node.SubscribeAsync(new Statement(
                    "SELECT id, v FROM items WHERE id >= ? AND id < ?",
                    [SqlValue.FromInteger(s * width), SqlValue.FromInteger((s + 1) * width)])));
            }

            var after = GC.GetTotalMemory(forceFullCollection: true);
            var disk = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => f.Contains("subscriptions", StringComparison.Ordinal)).Sum(f => new FileInfo(f).Length);
            Console.WriteLine($"memory: {subscriptions} subscriptions of {width} rows each (one unread client each): {(after - before) / subscriptions:N0} bytes managed heap per subscription; subscriptions store on disk {disk / 1024:N0} KiB");
            GC.KeepAlive(handles);
            foreach (var handle in handles)
            {
                await handle.DisposeAsync();
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static async Task<CorrosionNode> OpenAsync(string dir)
    {
        File.WriteAllText(Path.Combine(dir, "items.sql"), Schema);
        return await CorrosionNode.OpenAsync(new CorrosionOptions
        {
            DatabasePath = Path.Combine(dir, "node.db"),
            SchemaPaths = [Path.Combine(dir, "items.sql")],
        });
    }
}
