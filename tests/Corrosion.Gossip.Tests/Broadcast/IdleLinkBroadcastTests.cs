using System.Net;
using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Cluster;
using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport;
using Corrosion.Gossip.Transport.Tcp;
using Corrosion.TestKit;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Corrosion.Gossip.Tests.Broadcast;

/// <summary>
/// Broadcast reuses one stream per peer; after a quiet spell longer than gossip.idle_timeout_secs that stream is
/// closed (by either side). The next changeset must still arrive by broadcast, not wait for anti-entropy sync.
/// </summary>
public sealed class IdleLinkBroadcastTests : IAsyncDisposable
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(300);
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(2));
    private readonly List<(CorrosionNode Node, TcpUdpPeerTransport Transport, ChangeBroadcaster Broadcaster, Task Loops)> _peers = [];

    private async Task<(CorrosionNode Node, TcpUdpPeerTransport Transport, ListLoggerProvider Logs)> StartAsync(string name)
    {
        var logs = new ListLoggerProvider();
        var node = await NodeFactory.OpenAsync(_dir, name, Schemas.Todos);
        var transport = TcpUdpPeerTransport.Bind(new GossipTransportOptions { Addr = "127.0.0.1:0", Plaintext = true, IdleTimeout = Idle }, logs);
        var broadcaster = new ChangeBroadcaster(
            node, transport, () => [.. _peers.Select(p => p.Transport.LocalEndPoint)], new BroadcastOptions(), new Random(1), NullLogger<ChangeBroadcaster>.Instance, TimeProvider.System, Idle);

        // No sync loop runs: only broadcast can deliver.
        var dispatcher = new PeerStreamDispatcher(transport, new SyncSession(node), broadcaster, NullLogger<PeerStreamDispatcher>.Instance);
        _peers.Add((node, transport, broadcaster, Task.WhenAll(broadcaster.RunAsync(_stop.Token), dispatcher.RunAsync(_stop.Token))));
        return (node, transport, logs);
    }

    private static async Task<long> CountAsync(ICorrosionNode node)
    {
        await using var query = await node.QueryAsync("SELECT count(*) FROM todos");
        return (await query.ReadRowsAsync().SingleAsync()).Values[0].AsInteger;
    }

    [Fact]
    public async Task A_write_after_the_broadcast_stream_went_idle_still_arrives_by_broadcast()
    {
        var a = await StartAsync("a");
        var b = await StartAsync("b");

        await b.Node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('one', 'first')"]);
        await Eventually.UntilAsync(async () => await CountAsync(a.Node) == 1, TimeSpan.FromSeconds(20), "the first row by broadcast");

        await Eventually.UntilAsync(
            () => Task.FromResult(a.Logs.Entries.Any(e => e.Message.Contains("without traffic", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(20),
            "a closes the idle broadcast stream");

        await b.Node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('two', 'after the idle close')"]);
        await Eventually.UntilAsync(async () => await CountAsync(a.Node) == 2, TimeSpan.FromSeconds(10), "the second row by broadcast, on a new stream");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var peer in _peers)
        {
            await peer.Transport.DisposeAsync();
            await peer.Loops.WaitAsync(TimeSpan.FromSeconds(10));
            await peer.Broadcaster.DisposeAsync();
            await peer.Node.DisposeAsync();
        }

        _stop.Dispose();
        _dir.Dispose();
    }
}
