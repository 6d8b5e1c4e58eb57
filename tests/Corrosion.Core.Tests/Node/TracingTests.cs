using System.Diagnostics;
using Corrosion.TestKit;
using Corrosion.Tracing;

namespace Corrosion.Core.Tests.Node;

/// <summary>The engine's spans on its own <see cref="CorrosionActivitySource.Name"/> source, seen by a real <see cref="ActivityListener"/>.</summary>
public sealed class TracingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Records the stopped spans of one node's source only (other tests' nodes run in parallel).</summary>
    private static (ActivityListener Listener, List<Activity> Stopped) Listen(CorrosionNode node)
    {
        var stopped = new List<Activity>();
        var listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, node.Tracing.Source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (stopped)
                {
                    stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return (listener, stopped);
    }

    [Fact]
    public async Task Transaction_query_and_apply_are_spans_with_their_counts()
    {
        await using var origin = await NodeFactory.OpenAsync(_dir, "origin", Schemas.Todos);
        await using var replica = await NodeFactory.OpenAsync(_dir, "replica", Schemas.Todos);
        origin.Tracing.Source.Name.Should().Be(CorrosionActivitySource.Name);
        var (originListener, originSpans) = Listen(origin);
        var (replicaListener, replicaSpans) = Listen(replica);
        using var l1 = originListener;
        using var l2 = replicaListener;

        var write = await origin.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('a', 'one')", "INSERT INTO todos (id, title) VALUES ('b', 'two')"]);
        await using (var query = await origin.QueryAsync("SELECT id FROM todos"))
        {
            await foreach (var _ in query.ReadRowsAsync())
            {
            }
        }

        await replica.ApplyChangesetsAsync(await origin.ReadChangesetsAsync(origin.ActorId, write.Version!.Value));

        var transaction = originSpans.Should().ContainSingle(a => a.OperationName == CorrosionActivitySource.Transaction).Which;
        transaction.GetTagItem("corrosion.statements").Should().Be(2);
        transaction.GetTagItem("corrosion.rows_affected").Should().Be(2L);
        transaction.GetTagItem("corrosion.version").Should().Be(write.Version!.Value);
        transaction.GetTagItem("corrosion.actor_id").Should().Be(origin.ActorId.ToString());
        transaction.GetTagItem("corrosion.changes").Should().BeNull("the changes are read back after the transaction answers");
        transaction.Status.Should().Be(ActivityStatusCode.Unset);

        var read = originSpans.Should().ContainSingle(a => a.OperationName == CorrosionActivitySource.Query).Which;
        read.GetTagItem("corrosion.rows").Should().Be(2L);
        read.GetTagItem("corrosion.columns").Should().Be(1);

        var apply = replicaSpans.Should().ContainSingle(a => a.OperationName == CorrosionActivitySource.ApplyChangesets).Which;
        apply.GetTagItem("corrosion.remote.actor_id").Should().Be(origin.ActorId.ToString());
        apply.GetTagItem("corrosion.version.min").Should().Be(write.Version!.Value);
        apply.GetTagItem("corrosion.versions.applied").Should().Be(1);
        apply.GetTagItem("corrosion.changes").Should().Be(4);
        replicaSpans.Should().NotContain(a => a.OperationName == CorrosionActivitySource.Transaction);
    }

    [Fact]
    public async Task A_failed_transaction_is_an_error_span()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        var (listener, spans) = Listen(node);
        using var _ = listener;

        var act = () => node.ExecuteAsync(["INSERT INTO nope (x) VALUES (1)"]);

        await act.Should().ThrowAsync<CorrosionException>();
        var span = spans.Should().ContainSingle(a => a.OperationName == CorrosionActivitySource.Transaction).Which;
        span.Status.Should().Be(ActivityStatusCode.Error);
        span.Events.Should().Contain(e => e.Name == "exception");
    }

    [Fact]
    public async Task Without_a_listener_no_span_is_started()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);

        node.Tracing.Source.HasListeners().Should().BeFalse();
        node.Tracing.StartTransaction(1).Should().BeNull();
        node.Tracing.StartQuery().Should().BeNull();
        (await node.ExecuteAsync(["INSERT INTO todos (id) VALUES ('a')"])).Version.Should().NotBeNull();
    }
}
