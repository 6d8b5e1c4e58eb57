using Corrosion.Host.Cli;
using Corrosion.Host.Templates;
using Corrosion.Storage;
using Corrosion.Templates;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Corrosion.Host.Tests.Templates;

public sealed class SubscriptionQuerySourceTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly TemplateQuery Todos = new("SELECT title, completed_at FROM todos");

    private static (HttpClient Http, SubscriptionQuerySource Source) Client(FakeSubscriptionServer server)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{server.Address}/") };
        var source = new SubscriptionQuerySource(http, NullLogger.Instance, backoff: new SubscriptionBackoff(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200)));
        return (http, source);
    }

    private static string[] Titles(TemplateQueryResult result) => result.Rows.Select(r => r[0].ToString()).ToArray();

    [Fact]
    public async Task Initial_rows_then_changes_keep_the_query_order_and_append_new_rows()
    {
        await using var server = await FakeSubscriptionServer.StartAsync();
        var (http, source) = Client(server);
        using var _ = http;
        await using var __ = source;

        var query = source.QueryAsync(Todos).AsTask();
        var conn = await server.NextAsync();
        (conn.Method, conn.Target, conn.Body).Should().Be(("POST", "/v1/subscriptions", "\"SELECT title, completed_at FROM todos\""));
        await conn.SendAsync(
            """{"columns":["title","completed_at"]}""",
            """{"row":[5,["b",null]]}""",
            """{"row":[2,["a",1.5]]}""",
            """{"eoq":{"time":1e-6,"change_id":0}}""");
        var first = await query.WaitAsync(Deadline);
        first.Columns.Should().Equal("title", "completed_at");
        Titles(first).Should().Equal("b", "a");
        first.Rows[0][1].Should().Be(SqlValue.Null);
        first.Rows[1][1].Should().Be(SqlValue.FromReal(1.5));

        var changed = source.WaitForChangeAsync(Todos, first.Version).AsTask();
        changed.IsCompleted.Should().BeFalse();
        await conn.SendAsync(
            """{"change":["insert",7,["c",null],1]}""",
            """{"change":["update",5,["b2",10],2]}""",
            """{"change":["delete",2,["a",1.5],3]}""");
        await changed.WaitAsync(Deadline);
        await Eventually(async () => Titles(await source.QueryAsync(Todos)).SequenceEqual(["b2", "c"]), "the three changes applied");
        (await source.QueryAsync(Todos)).Rows[0][1].Should().Be(SqlValue.FromInteger(10));
    }

    [Fact]
    public async Task A_dropped_stream_resumes_from_the_last_change_id_and_signals_a_change()
    {
        await using var server = await FakeSubscriptionServer.StartAsync();
        var (http, source) = Client(server);
        using var _ = http;
        await using var __ = source;

        var query = source.QueryAsync(Todos).AsTask();
        var conn = await server.NextAsync();
        await conn.SendAsync("""{"columns":["title"]}""", """{"row":[1,["a"]]}""", """{"eoq":{"time":0,"change_id":4}}""", """{"change":["insert",2,["b"],5]}""");
        await query.WaitAsync(Deadline);
        await Eventually(async () => Titles(await source.QueryAsync(Todos)).Length == 2, "the insert");
        var version = (await source.QueryAsync(Todos)).Version;

        conn.Drop();
        var resumed = await server.NextAsync();
        (resumed.Method, resumed.Target).Should().Be(("GET", "/v1/subscriptions/query-1?from=5"));
        (await source.WaitForChangeAsync(Todos, version).AsTask().WaitAsync(Deadline)).Should().BeGreaterThan(version, "a resume re-renders");

        await resumed.SendAsync("""{"change":["insert",3,["c"],6]}""");
        await Eventually(async () => Titles(await source.QueryAsync(Todos)).SequenceEqual(["a", "b", "c"]), "the change after the resume");

        // The stream ends again: the next resume starts after change 6.
        resumed.End();
        (await server.NextAsync()).Target.Should().Be("/v1/subscriptions/query-1?from=6");
    }

    [Fact]
    public async Task A_forgotten_subscription_is_subscribed_anew_and_its_rows_replace_the_old_ones()
    {
        await using var server = await FakeSubscriptionServer.StartAsync();
        var (http, source) = Client(server);
        using var _ = http;
        await using var __ = source;

        var query = source.QueryAsync(Todos).AsTask();
        var conn = await server.NextAsync();
        await conn.SendAsync("""{"columns":["title"]}""", """{"row":[1,["a"]]}""", """{"eoq":{"time":0}}""");
        await query.WaitAsync(Deadline);

        server.Reject = (target, _) => target.StartsWith("/v1/subscriptions/", StringComparison.Ordinal) ? (404, """{"error":"no such subscription"}""") : null;
        conn.Drop();
        var again = await server.NextAsync();
        again.Method.Should().Be("POST");
        await again.SendAsync("""{"columns":["title"]}""", """{"row":[9,["z"]]}""", """{"eoq":{"time":0,"change_id":0}}""");
        await Eventually(async () => Titles(await source.QueryAsync(Todos)).SequenceEqual(["z"]), "the new subscription's rows");
    }

    [Fact]
    public async Task Errors_before_the_end_of_the_query_fail_the_query_and_it_is_retried_next_time()
    {
        await using var server = await FakeSubscriptionServer.StartAsync();
        var (http, source) = Client(server);
        using var _ = http;
        await using var __ = source;

        var query = source.QueryAsync(Todos).AsTask();
        var conn = await server.NextAsync();
        await conn.SendAsync("""{"error":"no such table: todos"}""");
        (await query.Awaiting(q => q.WaitAsync(Deadline)).Should().ThrowAsync<ApiException>()).Which.Message.Should().Be("no such table: todos");

        server.Reject = (_, _) => (400, """{"error":"near \"SELEC\": syntax error"}""");
        var rejected = async () => await source.QueryAsync(Todos);
        (await rejected.Should().ThrowAsync<ApiException>()).Which.Message.Should().Be("near \"SELEC\": syntax error (HTTP 400 BadRequest)");

        server.Reject = null;
        var retried = source.QueryAsync(Todos).AsTask();
        var ok = await server.NextAsync();
        await ok.SendAsync("""{"columns":["title"]}""", """{"eoq":{"time":0,"change_id":0}}""");
        (await retried.WaitAsync(Deadline)).Rows.Should().BeEmpty();
    }

    [Fact]
    public async Task Subscriptions_nobody_reads_or_watches_are_closed_after_the_idle_timeout()
    {
        await using var server = await FakeSubscriptionServer.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://{server.Address}/") };
        var time = new FakeTimeProvider();
        await using var source = new SubscriptionQuerySource(http, NullLogger.Instance, time, idleTimeout: TimeSpan.FromMinutes(1));
        var other = new TemplateQuery("SELECT 2");

        var first = source.QueryAsync(Todos).AsTask();
        var conn = await server.NextAsync();
        await conn.SendAsync("""{"columns":["title"]}""", """{"eoq":{"time":0,"change_id":0}}""");
        var version = (await first.WaitAsync(Deadline)).Version;

        // Watched: kept however long it is idle.
        using (var watching = new CancellationTokenSource())
        {
            var wait = source.WaitForChangeAsync(Todos, version, watching.Token).AsTask();
            time.Advance(TimeSpan.FromMinutes(5));
            var q2 = source.QueryAsync(other).AsTask();
            var conn2 = await server.NextAsync();
            await conn2.SendAsync("""{"columns":["x"]}""", """{"eoq":{"time":0,"change_id":0}}""");
            await q2.WaitAsync(Deadline);
            conn.Done.IsCompleted.Should().BeFalse("a watched subscription stays open");
            await watching.CancelAsync();
            await wait.Awaiting(w => w).Should().ThrowAsync<OperationCanceledException>();
        }

        // Not watched any more and not read for longer than the timeout: the next query closes it.
        time.Advance(TimeSpan.FromSeconds(59));
        await source.QueryAsync(other).AsTask().WaitAsync(Deadline);
        conn.Done.IsCompleted.Should().BeFalse("59 s idle is within the timeout");
        time.Advance(TimeSpan.FromSeconds(2));
        await source.QueryAsync(other).AsTask().WaitAsync(Deadline);
        await conn.Done.WaitAsync(Deadline);
        server.Pending.Should().Be(0, "the query being read reuses its own subscription");
        var again = source.QueryAsync(Todos).AsTask();
        (await server.NextAsync()).Method.Should().Be("POST", "the closed subscription is made anew when a render needs it again");
        again.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task An_unreachable_agent_fails_the_query_with_the_address()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Process.AgentProcesses.FreePort()}/") };
        await using var source = new SubscriptionQuerySource(http, NullLogger.Instance);

        var act = async () => await source.QueryAsync(Todos);

        (await act.Should().ThrowAsync<ApiException>()).Which.Message.Should().StartWith($"could not reach the Corrosion API at {http.BaseAddress}");
    }

    [Fact]
    public void Statements_carry_typed_positional_or_named_parameters()
    {
        TemplateSubscription.StatementJson(new TemplateQuery("SELECT 1")).Should().Be("\"SELECT 1\"");
        TemplateSubscription.StatementJson(new TemplateQuery("SELECT ?, ?, ?, ?, ?", [SqlValue.FromInteger(1), SqlValue.FromReal(2.5), SqlValue.FromText("s"), SqlValue.Null, SqlValue.FromBlob([1, 255])]))
            .Should().Be("[\"SELECT ?, ?, ?, ?, ?\",[1,2.5,\"s\",null,[1,255]]]");
        TemplateSubscription.StatementJson(new TemplateQuery("SELECT :a", namedParameters: new Dictionary<string, SqlValue> { ["a"] = SqlValue.FromText("x") }))
            .Should().Be("[\"SELECT :a\",{\"a\":\"x\"}]");
    }

    [Theory]
    [InlineData("""{"change":["update",2,["x"],3]}""", "update", 2L, 3L)]
    [InlineData("""{"change":[2,"insert",["x"],3]}""", "insert", 2L, 3L)]
    public void Change_events_parse_in_either_order(string line, string kind, long rowId, long changeId)
    {
        var evt = SubscriptionEvent.Parse(line)!;
        (evt.Kind, evt.ChangeType, evt.RowId, evt.ChangeId).Should().Be((SubscriptionEventKind.Change, kind, rowId, changeId));
        evt.Cells.Should().Equal(SqlValue.FromText("x"));
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(10);
        }
    }
}
