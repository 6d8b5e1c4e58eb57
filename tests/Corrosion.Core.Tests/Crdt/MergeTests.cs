using Corrosion.Crdt;
using Corrosion.Storage;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Crdt;

public sealed class MergeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task SyncAsync(ICorrosionNode from, ICorrosionNode to)
    {
        var state = await from.GetSyncStateAsync();
        foreach (var (actor, head) in state.Heads)
        {
            for (var v = 1; v <= head; v++)
            {
                await to.ApplyChangesetsAsync(await from.ReadChangesetsAsync(actor, v));
            }
        }
    }

    [Fact]
    public async Task Changes_replicate_and_reapplying_is_a_no_op()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        await a.ExecuteAsync([new Statement("INSERT INTO todos (id, title) VALUES (?, ?)", [SqlValue.FromText("some-id"), SqlValue.FromText("Write some Corrosion docs!")])]);

        var changeset = await a.ReadChangesetsAsync(a.ActorId, 1);
        var first = await b.ApplyChangesetsAsync(changeset);
        first.Should().Be(new ApplyResult(1, 0, 0, 2));
        var again = await b.ApplyChangesetsAsync(changeset);
        again.Should().Be(new ApplyResult(0, 0, 1, 0));

        (await NodeQueries.RowsAsync(b, "SELECT * FROM todos")).Should().Equal("some-id|Write some Corrosion docs!|");
        (await NodeQueries.RowsAsync(b, "SELECT key, col_name, col_version, db_version, site_id, seq FROM todos__crsql_clock ORDER BY seq"))
            .Should().Equal("1|title|1|1|1|0", "1|completed_at|1|1|1|1");
        (await b.GetSyncStateAsync()).Heads[a.ActorId].Should().Be(1);
    }

    [Fact]
    public async Task An_update_of_the_primary_key_is_a_delete_of_the_old_key_and_a_create_of_the_new_one()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Machines);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Machines);
        await a.ExecuteAsync(["INSERT INTO my_machines (id, name, status) VALUES (1, 'meow', 'created')", "INSERT INTO my_machines (id, name) VALUES (3, 'purr')"]);

        var moved = await a.ExecuteAsync(["UPDATE my_machines SET id = 2, status = 'moved' WHERE id = 1", "UPDATE my_machines SET name = 'hiss' WHERE id = 3"]);

        var changes = (await a.ReadChangesetsAsync(a.ActorId, moved.Version!.Value)).Single().Changes;
        changes.Select(c => (PackedPk.Unpack(c.Pk)[0].AsInteger, c.Cid, c.Val.ToString(), c.ColVersion, c.Cl)).Should().BeEquivalentTo(new[]
        {
            (1L, "-1", string.Empty, 2L, 2L),
            (2L, "name", "meow", 1L, 1L),
            (2L, "status", "moved", 1L, 1L),
            (3L, "name", "hiss", 2L, 1L),
        });
        await SyncAsync(a, b);
        const string Rows = "SELECT id, name, status FROM my_machines ORDER BY id";
        var expected = new[] { "2|meow|moved", "3|hiss|broken" };
        (await NodeQueries.RowsAsync(a, Rows)).Should().Equal(expected);
        (await NodeQueries.RowsAsync(b, Rows)).Should().Equal(expected);
    }

    [Fact]
    public async Task An_update_of_the_primary_key_of_a_key_only_table_moves_its_sentinel()
    {
        const string Tags = "CREATE TABLE tags (name TEXT NOT NULL PRIMARY KEY);";
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Tags);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Tags);
        await a.ExecuteAsync(["INSERT INTO tags (name) VALUES ('old')"]);

        var renamed = await a.ExecuteAsync(["UPDATE tags SET name = 'new' WHERE name = 'old'"]);

        var changes = (await a.ReadChangesetsAsync(a.ActorId, renamed.Version!.Value)).Single().Changes;
        changes.Select(c => (PackedPk.Unpack(c.Pk)[0].AsText, c.Cid, c.ColVersion, c.Cl)).Should().BeEquivalentTo(new[]
        {
            ("old", "-1", 2L, 2L),
            ("new", "-1", 1L, 1L),
        });
        await SyncAsync(a, b);
        (await NodeQueries.RowsAsync(b, "SELECT name FROM tags")).Should().Equal("new");
    }

    [Fact]
    public async Task Text_with_nul_characters_is_stored_and_merged_whole_at_any_length()
    {
        // SQLitePCLRaw's string overload of sqlite3_bind_text binds longer strings NUL-terminated (length -1), so
        // SQLite kept text only up to its first NUL: a 1001-byte value of NULs and 'y' arrived on peers as ''.
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        var text = new string('\0', 1000) + "y";
        await a.ExecuteAsync([new Statement("INSERT INTO todos (id, title) VALUES ('param', ?)", [SqlValue.FromText(text)])]);
        await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('sql', CAST(zeroblob(1000) AS TEXT) || 'y')"]);

        await SyncAsync(a, b);

        const string Sql = "SELECT id, typeof(title), length(CAST(title AS BLOB)), hex(substr(CAST(title AS BLOB), -2)) FROM todos ORDER BY id";
        var expected = new[] { "param|text|1001|0079", "sql|text|1001|0079" };
        (await NodeQueries.RowsAsync(a, Sql)).Should().Equal(expected);
        (await NodeQueries.RowsAsync(b, Sql)).Should().Equal(expected);
        var changes = (await a.ReadChangesetsAsync(a.ActorId, 1)).SelectMany(c => c.Changes);
        changes.Single(c => c.Cid == "title").Val.AsText.Should().Be(text, "a text read back keeps its NULs too");
    }

    [Theory]
    [InlineData("")]
    [InlineData("05ff00")]
    [InlineData("010b0570")]
    public async Task A_change_with_a_malformed_primary_key_is_refused_as_a_corrosion_error(string pkHex)
    {
        // The unpacking error escaped as a FormatException, which the cluster layer does not expect from a merge:
        // a broadcast stream ended with no log line, and a sync round ended the node's sync loop for good.
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        var actor = ActorId.NewRandom();
        var changeset = new Changeset(actor, 1, [new Change("todos", Convert.FromHexString(pkHex), "title", SqlValue.FromText("x"), 1, 1, actor, 1, 0)], 0, 0, 0, 0);

        var apply = () => b.ApplyChangesetsAsync([changeset]);

        (await apply.Should().ThrowExactlyAsync<CorrosionException>())
            .Which.Message.Should().StartWith("change of 'todos' has a malformed primary key: ");
        (await b.GetSyncStateAsync()).Heads.Should().NotContainKey(actor);
    }

    [Theory]
    [InlineData(long.MaxValue, 1L)]
    [InlineData(1L, long.MaxValue)]
    public async Task A_clock_past_2_to_the_62_is_refused_so_the_row_stays_updatable(long colVersion, long causalLength)
    {
        // A col_version of 2^63 - 1 from a peer won the merge; the next local update of that column then failed
        // with "cannot store REAL value in INTEGER column" for good.
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        var actor = ActorId.NewRandom();
        var changeset = new Changeset(actor, 1, [new Change("todos", PackedPk.Pack([SqlValue.FromText("k")]), "title", SqlValue.FromText("x"), colVersion, 1, actor, causalLength, 0)], 0, 0, 0, 0);

        var apply = () => b.ApplyChangesetsAsync([changeset]);

        (await apply.Should().ThrowExactlyAsync<CorrosionException>())
            .Which.Message.Should().Be($"change of 'todos' has a causal length {causalLength} or col_version {colVersion} above 2^62, beyond any real history of writes");
        await b.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k', 'mine')", "UPDATE todos SET title = 'again' WHERE id = 'k'"]);
    }

    [Fact]
    public async Task A_change_the_local_schema_refuses_is_a_corrosion_error_naming_the_constraint()
    {
        // Schemas that differ between nodes (here a peer without the NOT NULL): SQLite's constraint error escaped the
        // merge as a SqliteException, which the cluster layer does not expect (see the malformed key test above).
        await using var a = await NodeFactory.OpenAsync(_dir, "a", "CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT);");
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k', NULL)"]);

        var apply = async () => await b.ApplyChangesetsAsync(await a.ReadChangesetsAsync(a.ActorId, 1));

        (await apply.Should().ThrowExactlyAsync<CorrosionException>())
            .Which.Message.Should().Contain("NOT NULL constraint failed: todos.title");
        (await b.GetSyncStateAsync()).Heads.Should().NotContainKey(a.ActorId);
    }

    [Fact]
    public async Task Equal_col_version_conflict_is_won_by_the_bigger_value_on_both_sides()
    {
        // The spec's example: 'started' vs 'destroyed' at col_version 2; 'started' is bigger and wins everywhere.
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Machines);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Machines);
        await a.ExecuteAsync(["INSERT INTO my_machines (id, name, status) VALUES (1, 'meow', 'created')"]);
        await SyncAsync(a, b);
        await a.ExecuteAsync(["UPDATE my_machines SET status = 'started' WHERE name = 'meow'"]);
        await b.ExecuteAsync(["UPDATE my_machines SET status = 'destroyed' WHERE name = 'meow'"]);

        await SyncAsync(a, b);
        await SyncAsync(b, a);

        (await NodeQueries.RowsAsync(a, "SELECT status FROM my_machines")).Should().Equal("started");
        (await NodeQueries.RowsAsync(b, "SELECT status FROM my_machines")).Should().Equal("started");
        (await NodeQueries.RowsAsync(b, "SELECT col_version FROM my_machines__crsql_clock WHERE col_name = 'status'")).Should().Equal("2");
    }

    [Fact]
    public async Task Delete_beats_a_concurrent_update_and_reinsert_beats_the_delete()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Machines);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Machines);
        await a.ExecuteAsync(["INSERT INTO my_machines (id, name) VALUES (1, 'meow')"]);
        await SyncAsync(a, b);

        await a.ExecuteAsync(["DELETE FROM my_machines WHERE id = 1"]);
        await b.ExecuteAsync(["UPDATE my_machines SET name = 'purr', status = 'x' WHERE id = 1"]);
        await SyncAsync(a, b);
        await SyncAsync(b, a);
        (await NodeQueries.RowsAsync(a, "SELECT * FROM my_machines")).Should().BeEmpty();
        (await NodeQueries.RowsAsync(b, "SELECT * FROM my_machines")).Should().BeEmpty();

        await b.ExecuteAsync(["INSERT INTO my_machines (id, name) VALUES (1, 'back')"]);
        await SyncAsync(b, a);
        (await NodeQueries.RowsAsync(a, "SELECT id, name, status FROM my_machines")).Should().Equal("1|back|broken");
        (await NodeQueries.RowsAsync(a, "SELECT col_version FROM my_machines__crsql_clock WHERE col_name = '-1'")).Should().Equal("3");
    }

    [Fact]
    public async Task Null_loses_to_any_value_at_equal_versions()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        await a.ExecuteAsync(["INSERT INTO todos (id, title, completed_at) VALUES ('t', 'x', 5)"]);
        await SyncAsync(a, b);
        await a.ExecuteAsync(["UPDATE todos SET completed_at = NULL"]);
        await b.ExecuteAsync(["UPDATE todos SET completed_at = 7"]);
        await SyncAsync(a, b);
        await SyncAsync(b, a);
        (await NodeQueries.RowsAsync(a, "SELECT completed_at FROM todos")).Should().Equal("7");
        (await NodeQueries.RowsAsync(b, "SELECT completed_at FROM todos")).Should().Equal("7");
    }

    [Fact]
    public async Task Equal_values_are_tied_by_site_id_and_clocks_converge()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('t', 'same')"]);
        await b.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('t', 'same')"]);
        await SyncAsync(a, b);
        await SyncAsync(b, a);
        var winner = a.ActorId > b.ActorId ? a.ActorId : b.ActorId;
        (await NodeQueries.RowsAsync(a, "SELECT hex(s.site_id) FROM todos__crsql_clock c JOIN crsql_site_id s ON s.ordinal = c.site_id WHERE col_name = 'title'"))
            .Should().Equal(winner.ToString().ToUpperInvariant());
        (await NodeQueries.RowsAsync(b, "SELECT hex(s.site_id) FROM todos__crsql_clock c JOIN crsql_site_id s ON s.ordinal = c.site_id WHERE col_name = 'title'"))
            .Should().Equal(winner.ToString().ToUpperInvariant());
    }

    [Fact]
    public async Task Chunks_are_buffered_until_the_version_is_complete()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        await a.ExecuteAsync([.. Enumerable.Range(0, 10).Select(i => new Statement($"INSERT INTO todos (id, title) VALUES ('{i}', 't{i}')"))]);
        var full = (await a.ReadChangesetsAsync(a.ActorId, 1)).Single();
        full.Changes.Should().HaveCount(20);
        var first = full with { Changes = full.Changes.Take(8).ToList(), SeqEnd = 7 };
        var second = full with { Changes = full.Changes.Skip(8).ToList(), SeqStart = 8 };

        (await b.ApplyChangesetsAsync([second])).Should().Be(new ApplyResult(0, 1, 0, 0));
        (await NodeQueries.RowsAsync(b, "SELECT count(*) FROM todos")).Should().Equal("0");
        var state = await b.GetSyncStateAsync();
        state.PartialNeed[a.ActorId][1].Should().Equal(new InclusiveRange(0, 7));
        (await NodeQueries.RowsAsync(b, "SELECT count(*) FROM __corro_buffered_changes")).Should().Equal("12");

        (await b.ApplyChangesetsAsync([first])).Should().Be(new ApplyResult(1, 1, 0, 20));
        (await NodeQueries.RowsAsync(b, "SELECT count(*) FROM todos")).Should().Equal("10");
        (await NodeQueries.RowsAsync(b, "SELECT count(*) FROM __corro_buffered_changes")).Should().Equal("0");
        (await b.GetSyncStateAsync()).PartialNeed.Should().BeEmpty();
    }

    [Fact]
    public async Task Out_of_order_versions_leave_gaps_until_filled()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        for (var i = 0; i < 4; i++)
        {
            await a.ExecuteAsync([$"INSERT INTO todos (id) VALUES ('{i}')"]);
        }

        await b.ApplyChangesetsAsync(await a.ReadChangesetsAsync(a.ActorId, 4));
        (await b.GetSyncStateAsync()).Need[a.ActorId].Should().Equal(new InclusiveRange(1, 3));
        await b.ApplyChangesetsAsync(await a.ReadChangesetsAsync(a.ActorId, 2));
        (await b.GetSyncStateAsync()).Need[a.ActorId].Should().Equal(new InclusiveRange(1, 1), new InclusiveRange(3, 3));
        await b.ApplyChangesetsAsync([.. await a.ReadChangesetsAsync(a.ActorId, 1), .. await a.ReadChangesetsAsync(a.ActorId, 3)]);
        (await b.GetSyncStateAsync()).Need.Should().BeEmpty();
        (await NodeQueries.RowsAsync(b, "SELECT count(*) FROM __corro_bookkeeping_gaps")).Should().Equal("0");
    }

    [Fact]
    public async Task Overwritten_versions_read_back_as_cleared_and_still_count_as_held()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('t', 'one')"]);
        await a.ExecuteAsync(["UPDATE todos SET title = 'two', completed_at = 1"]);
        var first = await a.ReadChangesetsAsync(a.ActorId, 1);
        first.Single().IsCleared.Should().BeTrue();

        await SyncAsync(a, b);
        (await NodeQueries.RowsAsync(b, "SELECT title, completed_at FROM todos")).Should().Equal("two|1");
        (await b.GetSyncStateAsync()).Heads[a.ActorId].Should().Be(2);
        (await b.GetSyncStateAsync()).Need.Should().BeEmpty();
    }

    [Fact]
    public async Task A_peer_changeset_for_an_unknown_table_is_refused_and_changes_nothing()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        var stranger = ActorId.NewRandom();
        var bad = new Changeset(stranger, 1, [new Change("nope", PackedPk.Pack([SqlValue.FromInteger(1)]), "x", SqlValue.FromInteger(1), 1, 1, stranger, 1, 0)], 0, 0, 0, 1);
        var act = () => a.ApplyChangesetsAsync([bad]);
        (await act.Should().ThrowAsync<CorrosionException>()).Which.Message.Should().Contain("unknown table 'nope'");
        (await a.GetSyncStateAsync()).Heads.Should().NotContainKey(stranger);
    }
}

public sealed class ClearedVersionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_cleared_range_is_booked_as_a_range_even_when_huge()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        var peer = ActorId.NewRandom();
        var result = await node.ApplyChangesetsAsync([Changeset.Cleared(peer, 5, 4_000_000_000)]);
        result.AppliedVersions.Should().Be(1);
        var state = await node.GetSyncStateAsync();
        state.Heads[peer].Should().Be(4_000_000_000);
        state.Need[peer].Should().Equal(new InclusiveRange(1, 4));

        var act = () => node.ApplyChangesetsAsync([Changeset.Cleared(peer, 9, 3)]);
        await act.Should().ThrowAsync<CorrosionException>();
    }
}
