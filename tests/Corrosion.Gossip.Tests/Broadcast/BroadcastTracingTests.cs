using System.Diagnostics;
using System.Net;
using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Cluster;
using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport.Memory;
using Corrosion.TestKit;
using Corrosion.Tracing;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Corrosion.Gossip.Tests.Broadcast;

/// <summary>A broadcast changeset received from a peer is a consumer span naming the origin and version, parenting its apply.</summary>
public sealed class BroadcastTracingTests : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly InMemoryNetwork _network = new(new Random(13));
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(2));
    private readonly List<(CorrosionNode Node, InMemoryPeerTransport Transport, ChangeBroadcaster Broadcaster, Task Loops)> _peers = [];

    private async Task<(CorrosionNode Node, InMemoryPeerTransport Transport)> StartAsync(string name, int port)
    {
        var node = await NodeFactory.OpenAsync(_dir, name, Schemas.Todos);
        var transport = _network.CreateTransport(new IPEndPoint(IPAddress.Loopback, port));
        var broadcaster = new ChangeBroadcaster(
            node, transport, () => [.. _peers.Select(p => p.Transport.LocalEndPoint)], new BroadcastOptions { Fanout = 2 }, new Random(port), NullLogger<ChangeBroadcaster>.Instance)
        {
            Tracing = node.Tracing.Source,
        };
        var dispatcher = new PeerStreamDispatcher(transport, new SyncSession(node), broadcaster, NullLogger<PeerStreamDispatcher>.Instance);
        _peers.Add((node, transport, broadcaster, Task.WhenAll(broadcaster.RunAsync(_stop.Token), dispatcher.RunAsync(_stop.Token))));
        return (node, transport);
    }

    [Fact]
    public async Task Received_broadcast_is_a_consumer_span_with_origin_version_and_changes()
    {
        var (a, _) = await StartAsync("a", 3001);
        var (b, _) = await StartAsync("b", 3002);
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, b.Tracing.Source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (spans)
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var write = await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('one', 'from a')"]);

        Activity[] Recorded()
        {
            lock (spans)
            {
                return [.. spans];
            }
        }

        await Eventually.UntilAsync(
            () => Task.FromResult(Recorded().Any(s => s.OperationName == CorrosionActivitySource.BroadcastReceive)), TimeSpan.FromSeconds(20), "b's broadcast.receive span");
        var receive = Recorded().Should().ContainSingle(s => s.OperationName == CorrosionActivitySource.BroadcastReceive).Which;
        receive.Kind.Should().Be(ActivityKind.Consumer);
        receive.GetTagItem("corrosion.remote.actor_id").Should().Be(a.ActorId.ToString());
        receive.GetTagItem("corrosion.version").Should().Be(write.Version!.Value);
        receive.GetTagItem("corrosion.changes").Should().Be(2);
        receive.GetTagItem("corrosion.broadcast.hops").Should().Be(0);
        receive.GetTagItem("network.peer.address").Should().NotBeNull();
        Recorded().Should().ContainSingle(s => s.OperationName == CorrosionActivitySource.ApplyChangesets)
            .Which.ParentSpanId.Should().Be(receive.SpanId);
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
