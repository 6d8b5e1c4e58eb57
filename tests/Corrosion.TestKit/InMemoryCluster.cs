using System.Net;
using Corrosion.Gossip.Cluster;
using Corrosion.Gossip.Transport.Memory;
using Corrosion.Gossip;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.TestKit;

/// <summary>N real nodes (SQLite files, SWIM, broadcast, sync) in one process over the in-memory network.</summary>
internal sealed class InMemoryCluster : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("corrosion-cluster");

    private InMemoryCluster(InMemoryNetwork network) => Network = network;

    public InMemoryNetwork Network { get; }

    public List<(CorrosionNode Node, ClusterNode Cluster)> Nodes { get; } = [];

    public static async Task<InMemoryCluster> StartAsync(int size, int seed, double loss = 0)
    {
        var cluster = new InMemoryCluster(new InMemoryNetwork(new Random(seed)) { LossRate = loss });
        IPEndPoint? first = null;
        for (var i = 0; i < size; i++)
        {
            var node = await NodeFactory.OpenAsync(cluster._dir, $"n{i}", Schemas.Todos);
            var transport = cluster.Network.CreateTransport(new IPEndPoint(IPAddress.Loopback, 3000 + i));
            var options = new GossipOptions
            {
                MinSyncBackoff = TimeSpan.FromMilliseconds(200),
                MaxSyncBackoff = TimeSpan.FromSeconds(1),
            };
            options.Swim.ProbePeriod = TimeSpan.FromMilliseconds(200);
            options.Swim.ProbeRtt = TimeSpan.FromMilliseconds(100);
            options.Swim.GossipPeriod = TimeSpan.FromMilliseconds(100);
            options.Swim.AnnounceBackoffInitial = TimeSpan.FromMilliseconds(100);
            options.Swim.AnnounceBackoffMax = TimeSpan.FromSeconds(1);
            options.Swim.AnnouncePeriod = TimeSpan.FromSeconds(1);
            if (first is not null)
            {
                options.Swim.Bootstrap.Add(first);
            }

            first ??= (IPEndPoint)transport.LocalEndPoint;
            var member = new ClusterNode(node, transport, options, TimeProvider.System, new Random(seed * 1000 + i), NullLoggerFactory.Instance);
            await member.StartAsync(CancellationToken.None);
            cluster.Nodes.Add((node, member));
        }

        return cluster;
    }

    public static async Task<string> SnapshotAsync(ICorrosionNode node) =>
        string.Join("\n", await NodeQueries.RowsAsync(node, "SELECT id, title FROM todos ORDER BY id"));

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var (node, member) in Nodes)
        {
            await member.StopAsync(timeout.Token);
            await member.DisposeAsync();
            await member.Transport.DisposeAsync();
            await node.DisposeAsync();
        }

        _dir.Dispose();
    }
}
