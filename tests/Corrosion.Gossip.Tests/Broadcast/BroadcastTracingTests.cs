using System.Diagnostics;
using System.Net;
using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Transport.Memory;
using Corrosion.TestKit;
using Corrosion.Tracing;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Broadcast;

/// <summary>A broadcast changeset received from a peer is a consumer span naming the origin and version, parenting its apply.</summary>
public sealed class BroadcastTracingTests : IAsyncDisposable
{
    private readonly InMemoryNetwork _network = new(new Random(13));
    private readonly BroadcastPeers<InMemoryPeerTransport> _peers = new();

    private async Task<(CorrosionNode Node, InMemoryPeerTransport Transport)> StartAsync(string name, int port)
    {
        var peer = await _peers.StartAsync(name, _network.CreateTransport(new IPEndPoint(IPAddress.Loopback, port)), new BroadcastOptions { Fanout = 2 }, seed: port);
        return (peer.Node, peer.Transport);
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

    public ValueTask DisposeAsync() => _peers.DisposeAsync();
}
