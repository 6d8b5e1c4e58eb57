using System.Diagnostics;
using Corrosion.Crdt;
using Corrosion.Gossip.Cluster;
using Corrosion.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Corrosion.Benchmarks;

/// <summary>
/// Three nodes in one process over the real TCP+UDP transport on loopback: a write acknowledged on A until the
/// version is applied on C (C's change feed), over 300 writes; p50 and p99.
/// </summary>
internal static class PropagationBenchmark
{
    private const int Writes = 300;

    public static async Task RunAsync()
    {
        var dir = Measure.Workspace();
        var hosts = new List<IHost>();
        try
        {
            var schema = Measure.WriteTodosSchema(dir);
            string? seed = null;
            for (var i = 0; i < 3; i++)
            {
                var builder = Host.CreateApplicationBuilder();
                builder.Logging.ClearProviders();
                var name = $"n{i}";
                var bootstrap = seed;
                builder.Services.AddCorrosion(o =>
                {
                    o.DatabasePath = Path.Combine(dir, name + ".db");
                    o.SchemaPaths = [schema];
                }).AddGossip(o =>
                {
                    o.Transport.Addr = "127.0.0.1:0";
                    o.Transport.Plaintext = true;
                    o.Swim.ProbePeriod = TimeSpan.FromSeconds(1);
                    o.Swim.ProbeRtt = TimeSpan.FromMilliseconds(500);
                    if (bootstrap is not null)
                    {
                        o.Bootstrap = [bootstrap];
                    }
                });
                var host = builder.Build();
                await host.StartAsync();
                hosts.Add(host);
                seed ??= host.Services.GetRequiredService<ClusterService>().LocalEndPoint!.ToString();
            }

            var clusters = hosts.Select(h => h.Services.GetRequiredService<ClusterService>()).ToList();
            var joined = Stopwatch.StartNew();
            while (clusters.Any(c => c.Members.Members.Count(m => m.Status == Gossip.Membership.MemberStatus.Alive) < 2))
            {
                if (joined.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException("the three nodes did not see each other within 60 s");
                }

                await Task.Delay(50);
            }

            var a = hosts[0].Services.GetRequiredService<ICorrosionNode>();
            var c = hosts[2].Services.GetRequiredService<ICorrosionNode>();
            using var feed = c.Changes.Subscribe(4096, System.Threading.Channels.BoundedChannelFullMode.Wait);
            var latencies = new List<double>();
            for (var i = 0; i < Writes; i++)
            {
                var result = await a.ExecuteAsync([new Statement("INSERT INTO todos (id, title) VALUES (?, ?)", [SqlValue.FromText($"todo-{i}"), SqlValue.FromText("propagation")])]);
                var started = Stopwatch.GetTimestamp();
                while (true)
                {
                    var committed = await feed.Reader.ReadAsync();
                    if (!committed.IsLocal && committed.Changeset.ActorId == a.ActorId && committed.Changeset.Version == result.Version)
                    {
                        break;
                    }
                }

                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            latencies.Sort();
            Console.WriteLine($"propagation: {Writes} writes acknowledged on A until applied on C, 3 nodes, tcp+udp on loopback");
            Console.WriteLine($"{"p50",-58} {latencies[latencies.Count / 2],14:0.000} ms");
            Console.WriteLine($"{"p99",-58} {latencies[(int)(latencies.Count * 0.99)],14:0.000} ms");
            Console.WriteLine($"{"max",-58} {latencies[^1],14:0.000} ms");
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.StopAsync();
                host.Dispose();
            }

            Directory.Delete(dir, true);
        }
    }
}
