using System.Diagnostics;
using Corrosion.Storage;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Crdt;

/// <summary>The stock sqlite3 shell (a real process, no extension) reads our files.</summary>
public sealed class ShellCompatibilityTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<(int ExitCode, string Output, string Error)> Sqlite3Async(string path, params string[] commands)
    {
        var info = new ProcessStartInfo("sqlite3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(path);
        foreach (var command in commands)
        {
            info.ArgumentList.Add(command);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start sqlite3");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await output).Replace("\r", string.Empty, StringComparison.Ordinal), await error);
    }

    [Fact]
    public async Task Shell_reads_tables_clock_site_id_and_crsql_changes()
    {
        var path = _dir.Combine("a", "state.db");
        await using (var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos))
        {
            await node.ExecuteAsync([new Statement("INSERT INTO todos (id, title) VALUES (?, ?)", [SqlValue.FromText("some-id"), SqlValue.FromText("Write some Corrosion docs!")])]);

            var todos = await Sqlite3Async(path, "SELECT * FROM todos;");
            todos.Output.Should().Be("some-id|Write some Corrosion docs!|\n", todos.Error);

            var clock = await Sqlite3Async(path, "select * from todos__crsql_clock order by seq;");
            clock.Output.Should().Be("1|title|1|1|0|0\n1|completed_at|1|1|0|1\n", clock.Error);

            var site = await Sqlite3Async(path, "select hex(site_id) from crsql_site_id;");
            site.Output.Trim().Should().Be(node.ActorId.ToString().ToUpperInvariant());

            var changes = await Sqlite3Async(path, "select \"table\", hex(pk), cid, val, col_version, db_version, hex(site_id), cl, seq from crsql_changes order by db_version, seq;");
            var hexSite = node.ActorId.ToString().ToUpperInvariant();
            changes.Output.Should().Be(
                $"todos|010B07736F6D652D6964|title|Write some Corrosion docs!|1|1|{hexSite}|1|0\n" +
                $"todos|010B07736F6D652D6964|completed_at||1|1|{hexSite}|1|1\n",
                changes.Error);
        }

        var columns = await Sqlite3Async(path, ".mode column", "PRAGMA table_info(todos);");
        columns.Output.Should().Contain("title").And.Contain("completed_at");
    }

    [Fact]
    public async Task Spec_crsql_changes_query_without_order_by_lists_changes_in_db_version_then_seq_order()
    {
        var path = _dir.Combine("a", "state.db");
        await using (var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos, Schemas.Machines))
        {
            await node.ExecuteAsync([new Statement("insert into my_machines (id, name, status) values (1, 'meow', 'created')")]);
            await node.ExecuteAsync([new Statement("INSERT INTO todos (id, title) VALUES ('some-id', 'Write some Corrosion docs!')")]);
            await node.ExecuteAsync([new Statement("update my_machines set status = 'started' where name = 'meow'")]);
        }

        // The troubleshooting query of the spec's CRDT section, verbatim: no ORDER BY, as cr-sqlite orders it.
        var changes = await Sqlite3Async(path, ".mode quote", "select \"table\", \"pk\", \"cid\", \"val\", \"col_version\", \"db_version\", \"cl\", \"seq\" from crsql_changes;");
        changes.Output.Should().Be(
            "'my_machines',X'010901','name','meow',1,1,1,0\n" +
            "'todos',X'010b07736f6d652d6964','title','Write some Corrosion docs!',1,2,1,0\n" +
            "'todos',X'010b07736f6d652d6964','completed_at',NULL,1,2,1,1\n" +
            "'my_machines',X'010901','status','started',2,3,1,0\n",
            changes.Error);
    }

    [Fact]
    public async Task Shell_writes_to_replicated_tables_fail_instead_of_skipping_the_metadata()
    {
        var path = _dir.Combine("a", "state.db");
        await using (await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos))
        {
        }

        var write = await Sqlite3Async(path, "INSERT INTO todos (id) VALUES ('x');");
        write.Error.Should().Contain("no such function: crsql_internal_sync_bit");
        var count = await Sqlite3Async(path, "SELECT count(*) FROM todos;");
        count.Output.Should().Be("0\n");
    }

    [Fact]
    public async Task The_file_keeps_cr_sqlite_triggers_that_refuse_shell_updates_and_deletes()
    {
        // The node's writer captures through TEMP triggers of its own connection, with the file's triggers switched
        // off there; the file still holds cr-sqlite's four, which is what the shell meets.
        var path = _dir.Combine("a", "state.db");
        await using (var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos))
        {
            await node.ExecuteAsync([new Statement("INSERT INTO todos (id, title) VALUES ('x', 'one')")]);
            var update = await node.ExecuteAsync([new Statement("UPDATE todos SET title = 'two' WHERE id = 'x'")]);
            (await node.ReadChangesetsAsync(node.ActorId, update.Version!.Value)).Single().Changes.Should().ContainSingle()
                .Which.ColVersion.Should().Be(2, "the update is captured once, by one trigger");
        }

        var triggers = await Sqlite3Async(path, "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name;");
        triggers.Output.Should().Be("todos__crsql_dtrig\ntodos__crsql_itrig\ntodos__crsql_pk_utrig\ntodos__crsql_utrig\n", triggers.Error);
        (await Sqlite3Async(path, "UPDATE todos SET title = 'three';")).Error.Should().Contain("no such function");
        (await Sqlite3Async(path, "DELETE FROM todos;")).Error.Should().Contain("no such function");
        (await Sqlite3Async(path, "SELECT title FROM todos;")).Output.Should().Be("two\n");
    }
}
