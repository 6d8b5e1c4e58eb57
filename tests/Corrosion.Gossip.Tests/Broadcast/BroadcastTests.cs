using System.Net;
using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport;
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

    [Fact]
    public async Task Draining_waits_until_every_committed_version_is_sent()
    {
        // What ClusterNode.StopAsync waits for before it stops the loops, so a stopping node does not drop the
        // versions it acknowledged last.
        await using var peers = new BroadcastPeers<IPeerTransport>();
        var gated = new GatedPeerTransport(_network.CreateTransport(new IPEndPoint(IPAddress.Loopback, 2021)));
        var a = await peers.StartAsync("a", gated, new BroadcastOptions { Fanout = 2 }, seed: 2021);
        var b = await peers.StartAsync("b", _network.CreateTransport(new IPEndPoint(IPAddress.Loopback, 2022)), new BroadcastOptions { Fanout = 2 }, seed: 2022);

        // 1,200 changes in 3 chunks, read back after the write answers.
        await a.Node.ExecuteAsync([.. Enumerable.Range(0, 600).Select(i => new Statement("INSERT INTO todos (id, title) VALUES (?, 'bulk')", [$"row-{i}"]))]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await a.Node.WaitForPublishedAsync(timeout.Token);

        using (var shortWait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            (await a.Broadcaster.DrainAsync(shortWait.Token)).Should().BeFalse("a's broadcast cannot connect to b yet");
        }

        gated.Open();
        (await a.Broadcaster.DrainAsync(timeout.Token)).Should().BeTrue();
        a.Broadcaster.FramesSent.Should().BeGreaterThanOrEqualTo(3, "every chunk was sent once the drain returned");
        await Eventually.UntilAsync(async () => await CountAsync(b.Node) == 600, TimeSpan.FromSeconds(20), "b assembles a's version from the broadcast alone");
    }

    public ValueTask DisposeAsync() => _peers.DisposeAsync();
}
