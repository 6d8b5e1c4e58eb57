using System.Diagnostics;
using Corrosion.Gossip.Membership;
using Corrosion.TestKit;

namespace Corrosion.Benchmarks;

/// <summary>
/// Clusters of 10, 25, 50 and 100 real nodes in one process over the in-memory network, with 0% and 5% datagram
/// loss: time for a burst of 20 writes on random nodes to reach every node, and messages sent per change.
/// </summary>
internal static class SimulationBenchmark
{
    private const int Writes = 20;

    public static async Task RunAsync(int[] sizes)
    {
        Console.WriteLine($"simulation: burst of {Writes} one-row writes on random nodes, in-memory network (real time, SWIM probe 200 ms, sync backoff 0.2-1 s)");
        Console.WriteLine($"{"nodes",6} {"loss",6} {"join s",8} {"converge s",11} {"bcast/change",13} {"sync cs/change",15} {"datagrams/change",17}");
        foreach (var size in sizes)
        {
            foreach (var loss in new[] { 0.0, 0.05 })
            {
                await RunOneAsync(size, loss);
            }
        }
    }

    private static async Task RunOneAsync(int size, double loss)
    {
        await using var cluster = await InMemoryCluster.StartAsync(size, seed: size, loss);
        var joined = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(120);
        while (cluster.Nodes.Any(n => n.Cluster.Members.Members.Count(m => m.Status == MemberStatus.Alive) < size - 1))
        {
            if (joined.Elapsed > deadline)
            {
                Console.WriteLine($"{size,6} {loss,6:P0} did not fully join within {deadline.TotalSeconds} s");
                // What the views hold when it gives up: which statuses, and how short of the others the laggards are.
                foreach (var status in cluster.Nodes.SelectMany(n => n.Cluster.Members.Members).GroupBy(m => m.Status))
                {
                    Console.WriteLine($"  member entries {status.Key}: {status.Count()}");
                }

                var behind = cluster.Nodes.Select(n => n.Cluster.Members.Members.Count(m => m.Status == MemberStatus.Alive)).Where(alive => alive < size - 1).ToList();
                Console.WriteLine($"  {behind.Count} node(s) see fewer than {size - 1} alive (fewest: {behind.DefaultIfEmpty(size - 1).Min()})");
                return;
            }

            await Task.Delay(50);
        }

        var joinSeconds = joined.Elapsed.TotalSeconds;
        var broadcastBefore = cluster.Nodes.Sum(n => n.Cluster.BroadcastFramesSent);
        var syncBefore = cluster.Nodes.Sum(n => n.Cluster.SyncChangesetsReceived);
        var datagramsBefore = cluster.Network.DatagramsSent;
        var random = new Random(size);
        var burst = Stopwatch.StartNew();
        for (var i = 0; i < Writes; i++)
        {
            var node = cluster.Nodes[random.Next(size)].Node;
            await node.ExecuteAsync([new Statement($"INSERT INTO todos (id, title) VALUES ('w{i}', 'burst')")]);
        }

        while (true)
        {
            var counts = await Task.WhenAll(cluster.Nodes.Select(async n => (await NodeQueries.RowsAsync(n.Node, "SELECT count(*) FROM todos"))[0]));
            if (counts.All(c => c == Writes.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                break;
            }

            if (burst.Elapsed > deadline)
            {
                Console.WriteLine($"{size,6} {loss,6:P0} did not converge within {deadline.TotalSeconds} s");
                return;
            }

            await Task.Delay(20);
        }

        var convergeSeconds = burst.Elapsed.TotalSeconds;
        var changes = (double)Writes * 2; // two column changes per row
        var broadcast = (cluster.Nodes.Sum(n => n.Cluster.BroadcastFramesSent) - broadcastBefore) / changes;
        var sync = (cluster.Nodes.Sum(n => n.Cluster.SyncChangesetsReceived) - syncBefore) / changes;
        var datagrams = (cluster.Network.DatagramsSent - datagramsBefore) / changes;
        Console.WriteLine($"{size,6} {loss,6:P0} {joinSeconds,8:0.0} {convergeSeconds,11:0.00} {broadcast,13:0.0} {sync,15:0.0} {datagrams,17:0.0}");
    }
}
