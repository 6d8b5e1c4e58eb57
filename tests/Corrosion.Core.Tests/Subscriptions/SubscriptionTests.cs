using Corrosion.Storage;
using Corrosion.Subscriptions;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Subscriptions;

public sealed class SubscriptionTests : IDisposable
{
    internal const string Schema = """
        CREATE TABLE machines (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'down');
        CREATE TABLE statuses (id INTEGER NOT NULL PRIMARY KEY, machine_id INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT '');
        """;

    private readonly TempDirectory _dir = new("corrosion-subs");

    public void Dispose() => _dir.Dispose();

    private static SqlValue[] Cells(params SqlValue[] cells) => cells;

    private static async Task ExecAsync(ICorrosionNode node, params string[] sql) =>
        await node.ExecuteAsync([.. sql.Select(s => new Statement(s))]);

    private static async Task ShouldMatchFreshRunAsync(SubscriptionRecorder recorder, ICorrosionNode node, Statement statement) =>
        recorder.StateRows().Should().Equal(await SubscriptionRecorder.FreshAsync(node, statement), recorder.Describe());

    [Fact]
    public async Task A_single_table_query_streams_rows_then_inserts_updates_and_deletes_with_contiguous_change_ids()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schema);
        await ExecAsync(node, "INSERT INTO machines (id, name) VALUES (1, 'one')");

        await using var sub = new SubscriptionRecorder(await node.SubscribeAsync("SELECT id, name FROM machines"));
        await sub.WaitForEndOfQueryAsync();
        await ExecAsync(node, "INSERT INTO machines (id, name) VALUES (2, 'two')");
        await sub.WaitForChangesAsync(1, "insert");
        await ExecAsync(node, "UPDATE machines SET name = 'uno' WHERE id = 1");
        await sub.WaitForChangesAsync(2, "update");
        await ExecAsync(node, "DELETE FROM machines WHERE id = 2");
        await sub.WaitForChangesAsync(3, "delete");
        await ExecAsync(node, "UPDATE machines SET status = 'up' WHERE id = 1", "INSERT INTO statuses (id) VALUES (9)");

        var events = sub.Events;
        events[0].Should().BeEquivalentTo(new SubscriptionEvent.Columns(["id", "name"]));
        events[1].Should().BeEquivalentTo(new SubscriptionEvent.Row(1, Cells(1, "one")));
        events[2].Should().BeOfType<SubscriptionEvent.EndOfQuery>().Which.ChangeId.Should().Be(0);
        sub.Changes.Should().BeEquivalentTo(
            new[]
            {
                new SubscriptionEvent.Change(ChangeKind.Insert, 2, Cells(2, "two"), 1),
                new SubscriptionEvent.Change(ChangeKind.Update, 1, Cells(1, "uno"), 2),
                new SubscriptionEvent.Change(ChangeKind.Delete, 2, Cells(2, "two"), 3),
            },
            o => o.WithStrictOrdering());

        // A write to a column the query does not show, and to another table, changes nothing visible.
        await ExecAsync(node, "INSERT INTO machines (id, name) VALUES (3, 'three')");
        await sub.WaitForChangesAsync(4, "insert after the invisible write");
        sub.Changes.Select(c => c.ChangeId).Should().Equal(1, 2, 3, 4);
        sub.Changes[^1].RowId.Should().Be(3, "row ids are never reused");
    }

    [Fact]
    public async Task An_inner_join_follows_both_sides()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schema);
        Statement sql = "SELECT m.name, s.state FROM machines m JOIN statuses s ON s.machine_id = m.id";
        await using var sub = new SubscriptionRecorder(await node.SubscribeAsync(sql));
        await sub.WaitForEndOfQueryAsync();

        await ExecAsync(node, "INSERT INTO machines (id, name) VALUES (1, 'one')");
        await ExecAsync(node, "INSERT INTO statuses (id, machine_id, state) VALUES (10, 1, 'up')");
        await sub.WaitForChangesAsync(1, "joined row appears");
        await ExecAsync(node, "UPDATE machines SET name = 'uno' WHERE id = 1");
        await sub.WaitForChangesAsync(2, "left side changes");
        await ExecAsync(node, "DELETE FROM statuses WHERE id = 10");
        await sub.WaitForChangesAsync(3, "right side goes");

        sub.Changes.Select(c => (c.Kind, c.RowId, SubscriptionRecorder.Format(c.Cells), c.ChangeId)).Should().Equal(
            (ChangeKind.Insert, 1L, "Text:one|Text:up", 1L),
            (ChangeKind.Update, 1L, "Text:uno|Text:up", 2L),
            (ChangeKind.Delete, 1L, "Text:uno|Text:up", 3L));
        await ShouldMatchFreshRunAsync(sub, node, sql);
    }

    [Fact]
    public async Task A_left_join_row_changes_when_its_right_side_appears_and_disappears()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schema);
        Statement sql = "SELECT m.name, s.state FROM machines m LEFT JOIN statuses s ON s.machine_id = m.id";
        await using var sub = new SubscriptionRecorder(await node.SubscribeAsync(sql));
        await sub.WaitForEndOfQueryAsync();

        await ExecAsync(node, "INSERT INTO machines (id, name) VALUES (1, 'one')");
        await sub.WaitForChangesAsync(1, "left row with no right side");
        sub.StateRows().Should().Equal("Text:one|NULL");

        await ExecAsync(node, "INSERT INTO statuses (id, machine_id, state) VALUES (10, 1, 'up')");
        await sub.WaitForChangesAsync(3, "right side appears");
        sub.StateRows().Should().Equal("Text:one|Text:up");

        await ExecAsync(node, "DELETE FROM statuses WHERE id = 10");
        await sub.WaitForChangesAsync(5, "right side disappears");
        sub.StateRows().Should().Equal("Text:one|NULL");
        sub.Changes.Select(c => c.ChangeId).Should().Equal(1, 2, 3, 4, 5);
        await ShouldMatchFreshRunAsync(sub, node, sql);
    }

    [Fact]
    public async Task A_where_clause_with_parameters_lets_rows_in_and_out()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schema);
        await ExecAsync(node, "INSERT INTO machines (id, name) VALUES (1, 'one'), (2, 'two')");
        var sql = new Statement("SELECT id, name FROM machines WHERE status = ?", [SqlValue.FromText("up")]);
        await using var sub = new SubscriptionRecorder(await node.SubscribeAsync(sql));
        await sub.WaitForEndOfQueryAsync();
        sub.Events.OfType<SubscriptionEvent.Row>().Should().BeEmpty();

        await ExecAsync(node, "UPDATE machines SET status = 'up' WHERE id = 2");
        await sub.WaitForChangesAsync(1, "row enters");
        await ExecAsync(node, "UPDATE machines SET status = 'down' WHERE id = 2");
        await sub.WaitForChangesAsync(2, "row leaves");

        sub.Changes.Select(c => (c.Kind, c.RowId, SubscriptionRecorder.Format(c.Cells))).Should().Equal(
            (ChangeKind.Insert, 1L, "Integer:2|Text:two"),
            (ChangeKind.Delete, 1L, "Integer:2|Text:two"));
        await ShouldMatchFreshRunAsync(sub, node, sql);
    }

    [Theory]
    [InlineData("SELECT id, name FROM machines;")]
    [InlineData("SELECT id, name FROM machines ; -- trailing comment")]
    [InlineData("SELECT id, name FROM machines -- trailing comment")]
    [InlineData("SELECT count(*) FROM machines; /* full re-run path */")]
    public async Task A_trailing_semicolon_or_comment_does_not_break_matching(string sql)
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schema);
        await using var sub = new SubscriptionRecorder(await node.SubscribeAsync(sql));
        await sub.WaitForEndOfQueryAsync();

        await ExecAsync(node, "INSERT INTO machines (id, name) VALUES (1, 'one')");
        await sub.WaitForChangesAsync(1, "the insert to be matched");

        sub.Events.OfType<SubscriptionEvent.Error>().Should().BeEmpty();
        await ShouldMatchFreshRunAsync(sub, node, sql);
    }

    [Fact]
    public async Task A_subquery_in_where_follows_the_table_it_reads()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schema);
        await ExecAsync(node, "INSERT INTO machines (id, name) VALUES (1, 'one'), (2, 'two')");
        Statement sql = "SELECT id, name FROM machines WHERE id IN (SELECT machine_id FROM statuses WHERE state = 'up')";
        await using var sub = new SubscriptionRecorder(await node.SubscribeAsync(sql));
        await sub.WaitForEndOfQueryAsync();

        await ExecAsync(node, "INSERT INTO statuses (id, machine_id, state) VALUES (10, 2, 'up')");
        await sub.WaitForChangesAsync(1, "row enters through the subquery's table");
        await ExecAsync(node, "UPDATE statuses SET state = 'down' WHERE id = 10");
        await sub.WaitForChangesAsync(2, "row leaves through the subquery's table");

        sub.Changes.Select(c => (c.Kind, SubscriptionRecorder.Format(c.Cells))).Should().Equal(
            (ChangeKind.Insert, "Integer:2|Text:two"),
            (ChangeKind.Delete, "Integer:2|Text:two"));
        await ShouldMatchFreshRunAsync(sub, node, sql);
    }

    [Fact]
    public async Task An_aggregate_is_maintained_by_re_running_it()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schema);
        Statement sql = "SELECT status, count(*) FROM machines GROUP BY status";
        Statement total = "SELECT count(*) FROM machines";
        await using var groups = new SubscriptionRecorder(await node.SubscribeAsync(sql));
        await using var count = new SubscriptionRecorder(await node.SubscribeAsync(total));
        await groups.WaitForEndOfQueryAsync();
        await count.WaitForEndOfQueryAsync();

        await ExecAsync(node, "INSERT INTO machines (id) VALUES (1), (2)");
        await count.WaitForChangesAsync(1, "count changes");
        await ExecAsync(node, "UPDATE machines SET status = 'up' WHERE id = 1");
        await groups.WaitForChangesAsync(2, "groups change");
        await ExecAsync(node, "DELETE FROM machines WHERE id = 2");
        await count.WaitForChangesAsync(2, "count changes again");
        await Eventually.UntilAsync(
            async () => groups.StateRows().SequenceEqual(await SubscriptionRecorder.FreshAsync(node, sql)),
            TimeSpan.FromSeconds(20), "grouped counts equal a fresh run", () => Task.FromResult(groups.Describe()));

        count.Changes.Select(c => (c.Kind, c.RowId, SubscriptionRecorder.Format(c.Cells))).Should().Equal(
            (ChangeKind.Update, 1L, "Integer:2"),
            (ChangeKind.Update, 1L, "Integer:1"));
        await ShouldMatchFreshRunAsync(count, node, total);
    }

    [Fact]
    public async Task Replicated_changes_produce_events()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schema);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schema);
        Statement sql = "SELECT id, name FROM machines";
        await using var sub = new SubscriptionRecorder(await b.SubscribeAsync(sql));
        await sub.WaitForEndOfQueryAsync();

        var written = await a.ExecuteAsync([new Statement("INSERT INTO machines (id, name) VALUES (7, 'remote')")]);
        await b.ApplyChangesetsAsync(await a.ReadChangesetsAsync(a.ActorId, written.Version!.Value));

        await sub.WaitForChangesAsync(1, "replicated insert");
        sub.Changes.Single().Should().BeEquivalentTo(new SubscriptionEvent.Change(ChangeKind.Insert, 1, Cells(7, "remote"), 1));
    }

    [Fact]
    public async Task The_same_sql_and_parameters_share_one_subscription()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schema);
        await using var first = await node.SubscribeAsync(new Statement("SELECT id FROM machines WHERE name = ?", [SqlValue.FromText("x")]));
        await using var second = await node.SubscribeAsync(new Statement("select   id\n  from machines where name = ?", [SqlValue.FromText("x")]));
        await using var other = await node.SubscribeAsync(new Statement("SELECT id FROM machines WHERE name = ?", [SqlValue.FromText("y")]));

        second.Id.Should().Be(first.Id);
        other.Id.Should().NotBe(first.Id);
        (await node.GetSubscriptionAsync(first.Id)).Should().NotBeNull();
        (await node.GetSubscriptionAsync(Guid.NewGuid())).Should().BeNull();
    }

    [Fact]
    public async Task Bad_sql_and_writes_are_refused()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schema);

        await node.Invoking(n => n.SubscribeAsync("SELECT nope FROM machines")).Should().ThrowAsync<StatementException>().WithMessage("*no such column*");
        await node.Invoking(n => n.SubscribeAsync("DELETE FROM machines")).Should().ThrowAsync<StatementException>().WithMessage("*read-only*");
    }

    [Fact]
    public async Task A_restarted_node_resumes_a_subscription_from_a_change_id()
    {
        Guid id;
        long seen;
        await using (var node = await NodeFactory.OpenAsync(_dir, "a", Schema))
        {
            await using var sub = new SubscriptionRecorder(await node.SubscribeAsync("SELECT id, name FROM machines"));
            await sub.WaitForEndOfQueryAsync();
            await ExecAsync(node, "INSERT INTO machines (id, name) VALUES (1, 'one')");
            await ExecAsync(node, "INSERT INTO machines (id, name) VALUES (2, 'two')");
            await sub.WaitForChangesAsync(2, "before restart");
            id = sub.Id;
            seen = sub.LastChangeId;
        }

        await using var reopened = await NodeFactory.OpenAsync(_dir, "a", Schema);
        await ExecAsync(reopened, "UPDATE machines SET name = 'uno' WHERE id = 1");
        var joined = await reopened.GetSubscriptionAsync(id, new SubscribeOptions { From = seen });
        joined.Should().NotBeNull("the subscription was persisted");
        await using var resumed = new SubscriptionRecorder(joined!);
        await resumed.WaitForChangesAsync(1, "the change after restart");
        await ExecAsync(reopened, "DELETE FROM machines WHERE id = 2");
        await resumed.WaitForChangesAsync(2, "a live change after resuming");

        resumed.Events.Should().AllBeOfType<SubscriptionEvent.Change>("from= replays changes only");
        resumed.Changes.Select(c => (c.Kind, c.RowId, SubscriptionRecorder.Format(c.Cells), c.ChangeId)).Should().Equal(
            (ChangeKind.Update, 1L, "Integer:1|Text:uno", 3L),
            (ChangeKind.Delete, 2L, "Integer:2|Text:two", 4L));

        await using var full = new SubscriptionRecorder((await reopened.GetSubscriptionAsync(id))!);
        await full.WaitForEndOfQueryAsync();
        full.Events.OfType<SubscriptionEvent.Row>().Select(r => (r.RowId, SubscriptionRecorder.Format(r.Cells))).Should().Equal((1L, "Integer:1|Text:uno"));
        full.Events.OfType<SubscriptionEvent.EndOfQuery>().Single().ChangeId.Should().Be(4);
    }

    [Fact]
    public async Task Resuming_from_a_change_id_no_longer_held_is_an_error()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", o => o.SubscriptionHistoryLimit = 2, Schema);
        await using var sub = new SubscriptionRecorder(await node.SubscribeAsync("SELECT id FROM machines"));
        await sub.WaitForEndOfQueryAsync();
        for (var i = 1; i <= 4; i++)
        {
            await ExecAsync(node, $"INSERT INTO machines (id) VALUES ({i})");
            await sub.WaitForChangesAsync(i, $"insert {i}");
        }

        await node.Invoking(n => n.GetSubscriptionAsync(sub.Id, new SubscribeOptions { From = 1 }))
            .Should().ThrowAsync<SubscriptionException>().WithMessage("*no longer held*history starts at change id 3*");
        await node.Invoking(n => n.GetSubscriptionAsync(sub.Id, new SubscribeOptions { From = 9 }))
            .Should().ThrowAsync<SubscriptionException>().WithMessage("*out of range*");
        await using var fromTwo = new SubscriptionRecorder((await node.GetSubscriptionAsync(sub.Id, new SubscribeOptions { From = 2 }))!);
        await fromTwo.WaitForChangesAsync(2, "changes 3 and 4");
        fromTwo.Changes.Select(c => c.ChangeId).Should().Equal(3, 4);
    }

    [Fact]
    public async Task A_slow_client_is_cut_off_with_an_error_while_a_fast_one_keeps_receiving()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", o => o.SubscriptionClientBufferSize = 4, Schema);
        Statement sql = "SELECT id FROM machines";
        await using var fast = new SubscriptionRecorder(await node.SubscribeAsync(sql));
        await using var slow = await node.SubscribeAsync(sql);
        await fast.WaitForEndOfQueryAsync();

        for (var i = 1; i <= 10; i++)
        {
            await ExecAsync(node, $"INSERT INTO machines (id) VALUES ({i})");
            await fast.WaitForChangesAsync(i, $"fast client gets insert {i}");
        }

        var slowEvents = new List<SubscriptionEvent>();
        await foreach (var @event in slow)
        {
            slowEvents.Add(@event);
        }

        fast.Changes.Select(c => c.ChangeId).Should().Equal(Enumerable.Range(1, 10).Select(i => (long)i));
        slowEvents.OfType<SubscriptionEvent.Change>().Should().HaveCount(4, "only its buffer's worth was kept");
        slowEvents[^1].Should().BeOfType<SubscriptionEvent.Error>().Which.Message.Should().Contain("fell behind");
    }

    [Fact]
    public async Task One_commit_with_more_changes_than_the_client_buffer_reaches_a_client_that_keeps_reading()
    {
        // A 20,000-row UPDATE on a real cluster cut off every client of the table (buffer 1024), however fast it read,
        // and the ones resuming with ?from= found those changes already past the history.
        await using var node = await NodeFactory.OpenAsync(_dir, "a", o => o.SubscriptionClientBufferSize = 4, Schema);
        await using var sub = new SubscriptionRecorder(await node.SubscribeAsync("SELECT id FROM machines"));
        await sub.WaitForEndOfQueryAsync();

        // Far more than a reader can take while the matcher queues them, so the old rule (cut off as soon as the
        // buffer is full) fails this whatever the scheduling.
        await ExecAsync(node, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000) INSERT INTO machines (id) SELECT x FROM c");
        await sub.WaitForChangesAsync(5000, "the 5,000 inserts of one commit");
        await ExecAsync(node, "INSERT INTO machines (id) VALUES (5001)");
        await sub.WaitForChangesAsync(5001, "the next commit's insert");

        sub.Events.OfType<SubscriptionEvent.Error>().Should().BeEmpty("the client kept reading");
        sub.Changes.Select(c => c.ChangeId).Should().Equal(Enumerable.Range(1, 5001).Select(i => (long)i));
    }

    [Fact]
    public async Task A_subscription_without_clients_is_dropped_after_the_retention_period()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", o => o.SubscriptionRetention = TimeSpan.FromMilliseconds(200), Schema);
        var sub = await node.SubscribeAsync("SELECT id FROM machines");
        var id = sub.Id;

        // Held while a client is attached, however long that is (several retention periods here).
        var kept = Task.Delay(TimeSpan.FromMilliseconds(700));
        while (!kept.IsCompleted)
        {
            node.HasSubscription(id).Should().BeTrue("a client is still attached");
            await Task.WhenAny(kept, Task.Delay(50));
        }

        await sub.DisposeAsync();
        await Eventually.UntilAsync(() => !node.HasSubscription(id), TimeSpan.FromSeconds(10), "subscription dropped");
        (await node.GetSubscriptionAsync(id)).Should().BeNull();
    }

    [Theory]
    [InlineData("TEXT", "'it''s'", "'back\\slash \"quoted\"'", "'😀 é' || char(9) || char(10) || char(127)")]
    [InlineData("REAL", "2.0", "-0.5", "1e300")]
    [InlineData("BLOB", "x'00ff'", "x''", "x'27'")]
    [InlineData("INTEGER", "9223372036854775807", "-9223372036854775808", "0")]
    public async Task Changed_keys_of_every_type_are_matched_as_updates_of_the_same_row(string type, string a, string b, string c)
    {
        // The restricted re-run carries the changed keys as a JSON parameter or as SQL literals: either way each must
        // find its row again, or its update would be lost.
        await using var node = await NodeFactory.OpenAsync(_dir, "a", $"CREATE TABLE things (k {type} NOT NULL PRIMARY KEY, v TEXT NOT NULL DEFAULT '');");
        await ExecAsync(node, $"INSERT INTO things (k, v) VALUES ({a}, 'a'), ({b}, 'b'), ({c}, 'c')");
        var sql = new Statement("SELECT k, v FROM things WHERE v <> :skip", new Dictionary<string, SqlValue> { ["skip"] = SqlValue.FromText("none") });
        await using var sub = new SubscriptionRecorder(await node.SubscribeAsync(sql));
        await sub.WaitForEndOfQueryAsync();

        await ExecAsync(node, $"UPDATE things SET v = 'a2' WHERE k = {a}", $"UPDATE things SET v = 'b2' WHERE k = {b}");
        await sub.WaitForChangesAsync(2, "two updates in one commit");
        await ExecAsync(node, $"UPDATE things SET v = 'c2' WHERE k = {c}");
        await sub.WaitForChangesAsync(3, "one update");
        await ExecAsync(node, $"UPDATE things SET v = 'none' WHERE k = {a}");
        await sub.WaitForChangesAsync(4, "a row leaves");

        sub.Changes.Select(ch => ch.Kind).Should().Equal(ChangeKind.Update, ChangeKind.Update, ChangeKind.Update, ChangeKind.Delete);
        await ShouldMatchFreshRunAsync(sub, node, sql);
    }

    [Fact]
    public async Task Many_subscriptions_on_one_table_each_see_their_own_changes()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schema);
        var subs = new List<(Statement Sql, SubscriptionRecorder Recorder)>();
        for (var s = 0; s < 40; s++)
        {
            var sql = new Statement("SELECT id, name FROM machines WHERE id >= ? AND id < ?", [SqlValue.FromInteger(s * 5), SqlValue.FromInteger((s + 1) * 5)]);
            var recorder = new SubscriptionRecorder(await node.SubscribeAsync(sql));
            await recorder.WaitForEndOfQueryAsync();
            subs.Add((sql, recorder));
        }

        try
        {
            await node.ExecuteAsync([.. Enumerable.Range(0, 200).Select(i => new Statement("INSERT INTO machines (id, name) VALUES (?, 'x')", [SqlValue.FromInteger(i)]))]);
            await node.ExecuteAsync([.. Enumerable.Range(0, 200).Where(i => i % 2 == 0).Select(i => new Statement("UPDATE machines SET name = 'y' WHERE id = ?", [SqlValue.FromInteger(i)]))]);
            foreach (var (sql, recorder) in subs)
            {
                // Commits may be matched one by one or coalesced: the end state is what must agree.
                var expected = await SubscriptionRecorder.FreshAsync(node, sql);
                expected.Should().HaveCount(5);
                await Eventually.UntilAsync(() => recorder.StateRows().SequenceEqual(expected), TimeSpan.FromSeconds(20), recorder.Describe());
            }
        }
        finally
        {
            foreach (var (_, recorder) in subs)
            {
                await recorder.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Observers_receive_the_same_events()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schema);
        await using var sub = await node.SubscribeAsync("SELECT id FROM machines");
        var seen = new List<SubscriptionEvent>();
        using var observation = sub.Subscribe(new Observer(e =>
        {
            lock (seen)
            {
                seen.Add(e);
            }
        }));
        await ExecAsync(node, "INSERT INTO machines (id) VALUES (5)");

        await Eventually.UntilAsync(() => { lock (seen) { return seen.OfType<SubscriptionEvent.Change>().Any(); } }, TimeSpan.FromSeconds(20), "observed change");
        sub.Invoking(s => s.GetAsyncEnumerator()).Should().Throw<InvalidOperationException>("events are consumed once");
    }

    private sealed class Observer(Action<SubscriptionEvent> next) : IObserver<SubscriptionEvent>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(SubscriptionEvent value) => next(value);
    }
}
