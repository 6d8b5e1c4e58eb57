using Corrosion.Crdt;
using Corrosion.Storage;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Crdt;

/// <summary>
/// Inserts are captured by the update hook and their metadata written in bulk; these pin the cases where a
/// statement could see that metadata before it is written, and the tables that keep the per-row trigger.
/// </summary>
public sealed class DeferredInsertCaptureTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Many_inserts_then_an_update_in_one_transaction_capture_like_per_row_triggers()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Machines);
        var result = await node.ExecuteAsync([
            "INSERT INTO my_machines (id, name, status) VALUES (1, 'a', 'created')",
            "INSERT INTO my_machines (id, name, status) VALUES (2, 'b', 'created'), (3, 'c', 'created')",
            "UPDATE my_machines SET status = 'started' WHERE id = 2",
            "DELETE FROM my_machines WHERE id = 3",
        ]);

        var changes = (await node.ReadChangesetsAsync(node.ActorId, result.Version!.Value)).Single().Changes;
        changes.Select(c => c.Seq).Should().OnlyHaveUniqueItems();
        changes.Select(c => (PackedPk.Unpack(c.Pk)[0].AsInteger, c.Cid, c.ColVersion, c.Cl)).Should().BeEquivalentTo(new[]
        {
            (1L, "name", 1L, 1L), (1L, "status", 1L, 1L),
            (2L, "name", 1L, 1L), (2L, "status", 2L, 1L),
            (3L, "-1", 2L, 2L),
        });
    }

    [Fact]
    public async Task Seqs_are_numbered_as_per_row_capture_numbers_them()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Machines);
        var first = await node.ExecuteAsync([
            "INSERT INTO my_machines (id, name, status) VALUES (1, 'a', 'created')",
            "UPDATE my_machines SET status = 'started' WHERE id = 1",
        ]);
        (await node.ReadChangesetsAsync(node.ActorId, first.Version!.Value)).Single().Changes.Select(c => (c.Cid, c.ColVersion, c.Seq))
            .Should().Equal(("name", 1L, 0L), ("status", 2L, 2L));

        await node.ExecuteAsync(["DELETE FROM my_machines WHERE id = 1"]);
        var again = await node.ExecuteAsync(["INSERT INTO my_machines (id, name, status) VALUES (1, 'b', 'created')"]);
        (await node.ReadChangesetsAsync(node.ActorId, again.Version!.Value)).Single().Changes.Select(c => (c.Cid, c.Cl, c.Seq))
            .Should().Equal(("-1", 3L, 0L), ("name", 3L, 1L), ("status", 3L, 2L));
    }

    [Fact]
    public async Task A_statement_inserting_more_rows_than_one_chunk_is_captured_whole_with_contiguous_seqs()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Machines);
        var result = await node.ExecuteAsync([
            "INSERT INTO my_machines (id, name, status) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 25000) SELECT x, 'n' || x, 'created' FROM c",
        ]);

        result.Results.Single().RowsAffected.Should().Be(25_000);
        var changes = (await node.ReadChangesetsAsync(node.ActorId, result.Version!.Value)).SelectMany(c => c.Changes).ToList();
        changes.Should().HaveCount(50_000);
        changes.Select(c => c.Seq).Should().Equal(Enumerable.Range(0, 50_000).Select(i => (long)i));
        changes.Where(c => c.Cid == "name").Select(c => PackedPk.Unpack(c.Pk)[0].AsInteger).Should().Equal(Enumerable.Range(1, 25_000).Select(i => (long)i));
    }

    [Fact]
    public async Task Reading_crsql_changes_in_the_same_transaction_sees_the_inserts()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await node.ExecuteAsync([
            "INSERT INTO todos (id, title) VALUES ('x', 'one')",
            "INSERT INTO todos (id, title) VALUES ('y', (SELECT count(*) FROM crsql_changes))",
        ]);

        await using var query = await node.QueryAsync("SELECT title FROM todos WHERE id = 'y'");
        var rows = await query.ReadRowsAsync().ToListAsync();
        rows.Single().Values[0].ToString().Should().Be("2", "the first row's two clock rows were written before the second statement ran");
    }

    [Fact]
    public async Task Insert_or_replace_over_a_live_row_deletes_and_recreates_it()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Machines);
        await node.ExecuteAsync(["INSERT INTO my_machines (id, name, status) VALUES (1, 'a', 'created')"]);
        var replace = await node.ExecuteAsync(["INSERT OR REPLACE INTO my_machines (id, name, status) VALUES (1, 'b', 'started')"]);

        var changes = (await node.ReadChangesetsAsync(node.ActorId, replace.Version!.Value)).Single().Changes;
        changes.Select(c => (c.Cid, c.Val.ToString(), c.ColVersion, c.Cl)).Should().BeEquivalentTo(new[]
        {
            ("-1", string.Empty, 3L, 3L), ("name", "b", 1L, 3L), ("status", "started", 1L, 3L),
        });
    }

    [Fact]
    public async Task Upsert_bumps_existing_rows_and_captures_new_ones_in_one_statement()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Machines);
        await node.ExecuteAsync(["INSERT INTO my_machines (id, name, status) VALUES (1, 'a', 'created')"]);
        var upsert = await node.ExecuteAsync([
            "INSERT INTO my_machines (id, name, status) VALUES (1, 'a', 'started'), (2, 'b', 'created'), (2, 'b', 'started') " +
            "ON CONFLICT (id) DO UPDATE SET status = excluded.status",
        ]);

        var changes = (await node.ReadChangesetsAsync(node.ActorId, upsert.Version!.Value)).Single().Changes;
        changes.Where(c => PackedPk.Unpack(c.Pk)[0].AsInteger == 1).Select(c => (c.Cid, c.Val.ToString(), c.ColVersion))
            .Should().Equal(("status", "started", 2L));

        // Row 2 was created and updated by the same statement: it is captured whole, with its final values.
        changes.Where(c => PackedPk.Unpack(c.Pk)[0].AsInteger == 2).Select(c => (c.Cid, c.Val.ToString()))
            .Should().BeEquivalentTo(new[] { ("name", "b"), ("status", "started") });
    }

    [Fact]
    public async Task A_rolled_back_transaction_leaves_no_captured_insert_behind()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        var failing = () => node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('x', 'lost')", "INSERT INTO nope VALUES (1)"]);
        await failing.Should().ThrowAsync<StatementException>();

        var next = await node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('y', 'kept')"]);
        next.Version.Should().Be(1);
        var changes = (await node.ReadChangesetsAsync(node.ActorId, 1)).Single().Changes;
        changes.Select(c => PackedPk.Unpack(c.Pk)[0].ToString()).Distinct().Should().Equal("y");
        changes.Select(c => c.Seq).Should().Equal(0L, 1L);
    }

    [Fact]
    public async Task Tables_without_rowid_keep_the_per_row_insert_trigger()
    {
        const string schema = "CREATE TABLE kv (k TEXT NOT NULL PRIMARY KEY, v TEXT NOT NULL DEFAULT '') WITHOUT ROWID;";
        await using var node = await NodeFactory.OpenAsync(_dir, "a", schema);
        var result = await node.ExecuteAsync(["INSERT INTO kv (k, v) VALUES ('a', '1'), ('b', '2')"]);

        var changes = (await node.ReadChangesetsAsync(node.ActorId, result.Version!.Value)).Single().Changes;
        changes.Select(c => (c.Cid, c.Val.ToString())).Should().BeEquivalentTo(new[] { ("v", "1"), ("v", "2") });
    }

    [Fact]
    public async Task Opening_a_file_replaces_capture_triggers_left_by_another_version()
    {
        await using (await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos))
        {
        }

        var path = _dir.Combine("a", "state.db");
        using (var db = SqliteConnection.Open(path))
        {
            db.Execute("DROP TRIGGER todos__crsql_itrig");
            db.Execute("CREATE TRIGGER todos__crsql_itrig AFTER INSERT ON todos BEGIN SELECT 'from another version'; END");
        }

        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var query = await node.QueryAsync("SELECT sql FROM sqlite_master WHERE name = 'todos__crsql_itrig'");
        var rows = await query.ReadRowsAsync().ToListAsync();
        rows.Single().Values[0].ToString().Should().NotContain("from another version").And.Contain("crsql_internal_sync_bit");
    }
}
