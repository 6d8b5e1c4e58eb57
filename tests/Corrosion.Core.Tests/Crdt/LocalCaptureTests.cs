using Corrosion.Crdt;
using Corrosion.Storage;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Crdt;

public sealed class LocalCaptureTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Insert_records_one_clock_row_per_column_under_one_version()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        var result = await node.ExecuteAsync([new Statement("INSERT INTO todos (id, title) VALUES (?, ?)", [SqlValue.FromText("some-id"), SqlValue.FromText("Write some Corrosion docs!")])]);

        result.Results.Should().ContainSingle().Which.RowsAffected.Should().Be(1);
        result.Version.Should().Be(1);
        var changesets = await node.ReadChangesetsAsync(node.ActorId, 1);
        var changes = changesets.Should().ContainSingle().Subject.Changes;
        changes.Select(c => (c.Cid, c.Val.ToString(), c.ColVersion, c.DbVersion, c.Cl, c.Seq)).Should().Equal(
            ("title", "Write some Corrosion docs!", 1L, 1L, 1L, 0L),
            ("completed_at", string.Empty, 1L, 1L, 1L, 1L));
        changes[0].Pk.Should().Equal(PackedPk.Pack([SqlValue.FromText("some-id")]));
    }

    [Fact]
    public async Task Update_bumps_only_changed_columns_and_delete_leaves_an_even_sentinel()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Machines);
        await node.ExecuteAsync(["INSERT INTO my_machines (id, name, status) VALUES (1, 'meow', 'created')"]);
        var update = await node.ExecuteAsync(["UPDATE my_machines SET status = 'started', name = 'meow' WHERE id = 1"]);
        update.Version.Should().Be(2);
        var changes = (await node.ReadChangesetsAsync(node.ActorId, 2)).Single().Changes;
        changes.Should().ContainSingle().Which.Should().Match<Change>(c => c.Cid == "status" && c.ColVersion == 2 && c.Seq == 0);

        var noop = await node.ExecuteAsync(["UPDATE my_machines SET status = 'started' WHERE id = 1"]);
        noop.Version.Should().BeNull("nothing changed");

        await node.ExecuteAsync(["DELETE FROM my_machines WHERE id = 1"]);
        var delete = (await node.ReadChangesetsAsync(node.ActorId, 3)).Single().Changes;
        delete.Should().ContainSingle().Which.Should().Match<Change>(c => c.Cid == "-1" && c.ColVersion == 2 && c.Cl == 2);

        await node.ExecuteAsync(["INSERT INTO my_machines (id, name) VALUES (1, 'again')"]);
        var reinsert = (await node.ReadChangesetsAsync(node.ActorId, 4)).Single().Changes;
        reinsert.Select(c => (c.Cid, c.ColVersion, c.Cl)).Should().BeEquivalentTo(new[] { ("-1", 3L, 3L), ("name", 1L, 3L), ("status", 1L, 3L) });
    }

    [Fact]
    public async Task Failed_statement_rolls_back_the_whole_transaction()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        var act = () => node.ExecuteAsync(["INSERT INTO todos (id) VALUES ('x')", "INSERT INTO nope VALUES (1)"]);
        (await act.Should().ThrowAsync<StatementException>()).Which.Message.Should().Contain("statement 2").And.Contain("no such table: nope");

        await using var query = await node.QueryAsync("SELECT count(*) FROM todos");
        var rows = await query.ReadRowsAsync().ToListAsync();
        rows.Single().Values[0].AsInteger.Should().Be(0);
        (await node.ReadChangesetsAsync(node.ActorId, 1)).Should().BeEmpty();
    }

    [Theory]
    [InlineData("CREATE TABLE evil (id INTEGER PRIMARY KEY)", "statements that change the schema are not allowed; use schema files")]
    [InlineData("DROP TABLE todos", "statements that change the schema are not allowed; use schema files")]
    [InlineData("CREATE INDEX todos_title ON todos (title)", "statements that change the schema are not allowed; use schema files")]
    [InlineData("ALTER TABLE todos ADD COLUMN extra TEXT", "statements that change the schema are not allowed; use schema files")]
    [InlineData("ATTACH DATABASE 'x.db' AS x", "ATTACH")]
    [InlineData("PRAGMA journal_mode = DELETE", "PRAGMA")]
    [InlineData("DELETE FROM todos__crsql_clock", "todos__crsql_clock")]
    [InlineData("INSERT INTO crsql_site_id (site_id) VALUES (x'00')", "crsql_site_id")]
    [InlineData("BEGIN", "transaction")]
    public async Task Dangerous_statements_are_refused_with_a_reason(string sql, string reason)
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        var act = () => node.ExecuteAsync([sql]);
        (await act.Should().ThrowAsync<StatementException>()).Which.Message.Should().Contain(reason);
    }

    [Fact]
    public async Task Queries_refuse_writes()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        var act = () => node.QueryAsync("INSERT INTO todos (id) VALUES ('x')");
        (await act.Should().ThrowAsync<StatementException>()).Which.Message.Should().Contain("read-only");
    }
}
