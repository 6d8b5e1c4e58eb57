using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Transport;
using Corrosion.Gossip.Transport.Tcp;
using Corrosion.TestKit;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Broadcast;

/// <summary>
/// Broadcast reuses one stream per peer; after a quiet spell longer than gossip.idle_timeout_secs that stream is
/// closed (by either side). The next changeset must still arrive by broadcast, not wait for anti-entropy sync.
/// </summary>
public sealed class IdleLinkBroadcastTests : IAsyncDisposable
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(300);
    private readonly BroadcastPeers<TcpUdpPeerTransport> _peers = new();

    private async Task<(CorrosionNode Node, TcpUdpPeerTransport Transport, ListLoggerProvider Logs)> StartAsync(string name)
    {
        var logs = new ListLoggerProvider();
        var transport = TcpUdpPeerTransport.Bind(new GossipTransportOptions { Addr = "127.0.0.1:0", Plaintext = true, IdleTimeout = Idle }, logs);
        var peer = await _peers.StartAsync(name, transport, new BroadcastOptions(), seed: 1, streamIdleTimeout: Idle);
        return (peer.Node, peer.Transport, logs);
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

    public ValueTask DisposeAsync() => _peers.DisposeAsync();
}
