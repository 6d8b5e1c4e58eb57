using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Cluster;
using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport;
using Corrosion.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.Gossip.Tests.Broadcast;

/// <summary>
/// Nodes that each run a broadcaster (every started peer counts as live) and a stream dispatcher serving broadcasts
/// and sync sessions, on transports the test binds; no SWIM and no sync loop, so only broadcast delivers on its own.
/// Disposing stops and closes them all.
/// </summary>
internal sealed class BroadcastPeers<TTransport> : IAsyncDisposable
    where TTransport : IPeerTransport
{
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(2));
    private readonly List<Peer> _peers = [];

    public CancellationToken Stopping => _stop.Token;

    /// <param name="streamIdleTimeout">The transport's idle timeout, which the broadcaster's stream reuse follows.</param>
    public async Task<Peer> StartAsync(string name, TTransport transport, BroadcastOptions options, int seed, TimeSpan? streamIdleTimeout = null)
    {
        var node = await NodeFactory.OpenAsync(_dir, name, Schemas.Todos);
        var broadcaster = new ChangeBroadcaster(
            node, transport, () => [.. _peers.Select(p => p.Transport.LocalEndPoint)], options, new Random(seed), NullLogger<ChangeBroadcaster>.Instance, TimeProvider.System, streamIdleTimeout)
        {
            Tracing = node.Tracing.Source,
        };
        var dispatcher = new PeerStreamDispatcher(transport, new SyncSession(node), broadcaster, NullLogger<PeerStreamDispatcher>.Instance);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var peer = new Peer(node, transport, broadcaster, Task.WhenAll(broadcaster.RunAsync(stop.Token), dispatcher.RunAsync(stop.Token)), stop);
        _peers.Add(peer);
        return peer;
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
            peer.Stop.Dispose();
        }

        _stop.Dispose();
        _dir.Dispose();
    }

    /// <param name="Stop">Stops this peer's loops alone (disposing the peers stops all of them).</param>
    public sealed record Peer(CorrosionNode Node, TTransport Transport, ChangeBroadcaster Broadcaster, Task Loops, CancellationTokenSource Stop);
}
