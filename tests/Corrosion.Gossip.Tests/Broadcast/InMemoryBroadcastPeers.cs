using System.Net;
using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Cluster;
using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport.Memory;
using Corrosion.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.Gossip.Tests.Broadcast;

/// <summary>
/// Nodes on one in-memory network, each with a broadcaster (fan-out 2, every started peer live) and a stream
/// dispatcher serving broadcasts and sync sessions; no SWIM and no sync loop. Disposing stops and closes them all.
/// </summary>
internal sealed class InMemoryBroadcastPeers(int seed) : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(2));
    private readonly List<Peer> _peers = [];

    public InMemoryNetwork Network { get; } = new(new Random(seed));

    public CancellationToken Stopping => _stop.Token;

    public async Task<Peer> StartAsync(string name, int port)
    {
        var node = await NodeFactory.OpenAsync(_dir, name, Schemas.Todos);
        var transport = Network.CreateTransport(new IPEndPoint(IPAddress.Loopback, port));
        var broadcaster = new ChangeBroadcaster(
            node, transport, () => [.. _peers.Select(p => p.Transport.LocalEndPoint)], new BroadcastOptions { Fanout = 2 }, new Random(port), NullLogger<ChangeBroadcaster>.Instance)
        {
            Tracing = node.Tracing.Source,
        };
        var dispatcher = new PeerStreamDispatcher(transport, new SyncSession(node), broadcaster, NullLogger<PeerStreamDispatcher>.Instance);
        var peer = new Peer(node, transport, broadcaster, Task.WhenAll(broadcaster.RunAsync(_stop.Token), dispatcher.RunAsync(_stop.Token)));
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
        }

        _stop.Dispose();
        _dir.Dispose();
    }

    public sealed record Peer(CorrosionNode Node, InMemoryPeerTransport Transport, ChangeBroadcaster Broadcaster, Task Loops);
}
