using System.Diagnostics;
using System.Net;
using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport.Memory;
using Corrosion.TestKit;
using Corrosion.Tracing;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Sync;

/// <summary>A sync session is a client span on the side that started it and a server span on the other, with what moved.</summary>
public sealed class SyncTracingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Sync_session_spans_name_the_peer_and_count_changes_and_parent_the_apply_span()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('a-1', 'one')", "INSERT INTO todos (id, title) VALUES ('a-2', 'two')"]);
        await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('a-3', 'three')"]);

        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, a.Tracing.Source) || ReferenceEquals(source, b.Tracing.Source),
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

        var network = new InMemoryNetwork(new Random(7));
        await using var serverTransport = network.CreateTransport(new IPEndPoint(IPAddress.Loopback, 1001));
        await using var clientTransport = network.CreateTransport(new IPEndPoint(IPAddress.Loopback, 1002));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var serve = Task.Run(async () =>
        {
            await foreach (var connection in serverTransport.AcceptAsync(timeout.Token))
            {
                await using (connection)
                {
                    return await new SyncSession(a) { Tracing = a.Tracing.Source }.ServeAsync(connection, timeout.Token);
                }
            }

            throw new InvalidOperationException("no connection accepted");
        });
        await using (var outbound = await clientTransport.ConnectAsync(serverTransport.LocalEndPoint, timeout.Token))
        {
            (await new SyncSession(b) { Tracing = b.Tracing.Source }.RunAsClientAsync(outbound, timeout.Token)).ChangesetsReceived.Should().Be(2);
        }

        await serve;

        Activity[] recorded;
        lock (spans)
        {
            recorded = [.. spans];
        }

        var client = recorded.Should().ContainSingle(s => s.OperationName == CorrosionActivitySource.Sync && s.Kind == ActivityKind.Client).Which;
        client.Source.Should().BeSameAs(b.Tracing.Source);
        client.GetTagItem("corrosion.peer.actor_id").Should().Be(a.ActorId.ToString());
        client.GetTagItem("network.peer.address").Should().Be(serverTransport.LocalEndPoint.ToString());
        client.GetTagItem("corrosion.changesets.received").Should().Be(2);
        client.GetTagItem("corrosion.changes.received").Should().Be(6, "three rows of two non-key columns");
        client.GetTagItem("corrosion.changesets.sent").Should().Be(0);

        var server = recorded.Should().ContainSingle(s => s.OperationName == CorrosionActivitySource.Sync && s.Kind == ActivityKind.Server).Which;
        server.Source.Should().BeSameAs(a.Tracing.Source);
        server.GetTagItem("corrosion.peer.actor_id").Should().Be(b.ActorId.ToString());
        server.GetTagItem("corrosion.changesets.sent").Should().Be(2);
        server.GetTagItem("corrosion.changes.sent").Should().Be(6);

        recorded.Where(s => s.OperationName == CorrosionActivitySource.ApplyChangesets && s.Source == b.Tracing.Source)
            .Should().NotBeEmpty().And.OnlyContain(s => s.ParentSpanId == client.SpanId, "B applies what it receives inside its sync span");
    }
}
