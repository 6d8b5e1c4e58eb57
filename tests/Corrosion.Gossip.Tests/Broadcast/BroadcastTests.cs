using System.Net;
using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport.Memory;
using Corrosion.TestKit;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Broadcast;

public sealed class BroadcastTests : IAsyncDisposable
{
    private readonly InMemoryNetwork _network = new(new Random(11));
    private readonly BroadcastPeers<InMemoryPeerTransport> _peers = new();

    private Task<BroadcastPeers<InMemoryPeerTransport>.Peer> StartAsync(string name, int port) =>
        _peers.StartAsync(name, _network.CreateTransport(new IPEndPoint(IPAddress.Loopback, port)), new BroadcastOptions { Fanout = 2 }, seed: port);

    private static async Task<long> CountAsync(ICorrosionNode node)
    {
        await using var query = await node.QueryAsync("SELECT count(*) FROM todos");
        return (await query.ReadRowsAsync().SingleAsync()).Values[0].AsInteger;
    }

    [Fact]
    public async Task A_write_reaches_every_node_and_a_partitioned_node_catches_up_by_sync()
    {
        var a = await StartAsync("a", 2001);
        var b = await StartAsync("b", 2002);
        var c = await StartAsync("c", 2003);

        await a.Node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('one', 'from a')"]);
        await Eventually.UntilAsync(async () => await CountAsync(b.Node) == 1 && await CountAsync(c.Node) == 1, TimeSpan.FromSeconds(20), "a's row broadcast to b and c");

        _network.Partition([c.Transport.LocalEndPoint], [a.Transport.LocalEndPoint, b.Transport.LocalEndPoint]);
        await a.Node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('two', 'while c is cut off')"]);
        await Eventually.UntilAsync(async () => await CountAsync(b.Node) == 2, TimeSpan.FromSeconds(20), "b receives the second row");
        (await CountAsync(c.Node)).Should().Be(1, "c is partitioned away");

        _network.Heal();
        await using (var link = await c.Transport.ConnectAsync(a.Transport.LocalEndPoint, _peers.Stopping))
        {
            var result = await new SyncSession(c.Node).RunAsClientAsync(link, _peers.Stopping);
            result.ChangesetsReceived.Should().Be(1);
        }

        (await CountAsync(c.Node)).Should().Be(2);
    }

    [Fact]
    public async Task Large_versions_are_broadcast_in_chunks_and_assembled()
    {
        var a = await StartAsync("a", 2011);
        var b = await StartAsync("b", 2012);
        await a.Node.ExecuteAsync([.. Enumerable.Range(0, 600).Select(i => new Statement($"INSERT INTO todos (id, title) VALUES ('{i}', 'bulk')"))]);
        await Eventually.UntilAsync(async () => await CountAsync(b.Node) == 600, TimeSpan.FromSeconds(20), "1,200 changes in 3 chunks assembled on b");
        (await b.Node.GetSyncStateAsync()).PartialNeed.Should().BeEmpty();
        a.Broadcaster.FramesSent.Should().BeGreaterThanOrEqualTo(3);
    }

    public ValueTask DisposeAsync() => _peers.DisposeAsync();
}
