using Corrosion.Backup;
using Corrosion.Storage;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Backup;

/// <summary>Backups and restores of real database files with changes from two actors.</summary>
public sealed class CorrosionBackupTests : IDisposable
{
    private const string AllTodos = "SELECT hex(id), title, coalesce(completed_at, '-') FROM todos ORDER BY id";

    private readonly TempDirectory _dir = new("corrosion-backup");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Backup_moves_the_local_actor_off_ordinal_0_and_keeps_rows_clocks_and_versions()
    {
        await using var a = await TwoActorNodeAsync();
        var rowsBefore = await NodeQueries.RowsAsync(a, AllTodos);
        var localClockRows = Scalar(APath, "SELECT count(*) FROM todos__crsql_clock WHERE site_id = 0");
        var allClockRows = Scalar(APath, "SELECT count(*) FROM todos__crsql_clock");
        localClockRows.Should().BeGreaterThan(0).And.BeLessThan(allClockRows!.Value, "both actors wrote");

        var backup = await CorrosionBackup.CreateAsync(APath, _dir.Combine("backups", "one.db"));

        backup.ActorId.Should().Be(a.ActorId);
        backup.ActorOrdinal.Should().BeGreaterThan(0);
        var file = backup.Path;
        File.Exists(file + "-wal").Should().BeFalse("the backup is one self-contained file");
        new FileInfo(file).Length.Should().Be(backup.Length);
        Scalar(file, "SELECT count(*) FROM crsql_site_id WHERE ordinal = 0").Should().Be(0);
        Scalar(file, "SELECT ordinal FROM crsql_site_id WHERE site_id = x'" + a.ActorId + "'").Should().Be(backup.ActorOrdinal);
        Scalar(file, "SELECT count(*) FROM todos__crsql_clock WHERE site_id = 0").Should().Be(0);
        Scalar(file, $"SELECT count(*) FROM todos__crsql_clock WHERE site_id = {backup.ActorOrdinal}").Should().Be(localClockRows);
        Scalar(file, "SELECT count(*) FROM todos__crsql_clock").Should().Be(allClockRows);
        Scalar(file, "SELECT count(*) FROM __corro_members").Should().Be(0);
        Scalar(file, "SELECT db_version FROM crsql_db_versions WHERE site_id = x'" + a.ActorId + "'").Should().Be(2);
        Rows(file, AllTodos).Should().Equal(rowsBefore);
        Rows(APath, "SELECT count(*) FROM __corro_members").Should().Equal(["1"], "the source keeps its members");
    }

    [Fact]
    public async Task Backup_refuses_an_existing_destination_and_leaves_it_alone()
    {
        await using var a = await TwoActorNodeAsync();
        var existing = _dir.WriteFile("taken.db", "precious");

        var act = () => CorrosionBackup.CreateAsync(APath, existing);

        (await act.Should().ThrowAsync<CorrosionException>()).Which.Message.Should().Contain("already exists").And.Contain(existing);
        (await File.ReadAllTextAsync(existing)).Should().Be("precious");
    }

    [Fact]
    public async Task Restore_keeping_the_own_actor_id_gives_back_the_actor_its_versions_and_data()
    {
        var a = await TwoActorNodeAsync();
        var actor = a.ActorId;
        var path = APath;
        var rowsAtBackup = await NodeQueries.RowsAsync(a, AllTodos);
        var backup = await CorrosionBackup.CreateAsync(path, _dir.Combine("one.db"));
        await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (x'09', 'after the backup')"]);
        await a.DisposeAsync();
        var subscriptions = _dir.WriteFile("a/subscriptions/subscriptions.sqlite", "stale");

        var restored = await CorrosionBackup.RestoreAsync(backup.Path, path, new RestoreOptions { KeepSelfActorId = true });

        restored.ActorId.Should().Be(actor);
        restored.ClearedSubscriptions.Should().BeTrue();
        Directory.Exists(Path.GetDirectoryName(subscriptions)).Should().BeFalse();
        await using var reopened = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        reopened.ActorId.Should().Be(actor);
        (await NodeQueries.RowsAsync(reopened, AllTodos)).Should().Equal(rowsAtBackup);
        (await reopened.ReadChangesetsAsync(actor, 1)).SelectMany(c => c.Changes).Should().NotBeEmpty("the actor's own clock rows are back at ordinal 0");
        var write = await reopened.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (x'0a', 'next')"]);
        write.Version.Should().Be(3, "versions 1 and 2 were in the backup");
    }

    [Fact]
    public async Task Restore_without_an_actor_id_makes_a_new_actor_whose_versions_do_not_collide()
    {
        await using var a = await TwoActorNodeAsync();
        var backup = await CorrosionBackup.CreateAsync(APath, _dir.Combine("one.db"));
        var target = _dir.Combine("c", "state.db");

        var restored = await CorrosionBackup.RestoreAsync(backup.Path, target, new RestoreOptions());

        restored.ActorId.Should().BeNull();
        restored.OldLength.Should().Be(0);
        await using var c = await NodeFactory.OpenAsync(_dir, "c", Schemas.Todos);
        c.ActorId.Should().NotBe(a.ActorId);
        (await NodeQueries.RowsAsync(c, AllTodos)).Should().Equal(await NodeQueries.RowsAsync(a, AllTodos));
        var write = await c.ExecuteAsync(["UPDATE todos SET title = 'by c' WHERE id = x'01'"]);
        write.Version.Should().Be(1);
        Scalar(target, "SELECT count(*) FROM todos__crsql_clock WHERE site_id = 0").Should().Be(1, "only c's own write is at ordinal 0");
        var state = await c.GetSyncStateAsync();
        state.Heads[c.ActorId].Should().Be(1);
        state.Heads[a.ActorId].Should().Be(2);
        (await c.ReadChangesetsAsync(a.ActorId, 2)).SelectMany(x => x.Changes).Should().NotBeEmpty("a's versions are served as a remote actor's");
    }

    [Fact]
    public async Task Restore_with_an_actor_id_makes_that_actor_local()
    {
        await using var a = await TwoActorNodeAsync();
        var b = ActorId.Parse(Rows(APath, "SELECT hex(site_id) FROM crsql_site_id WHERE ordinal = 1").Single());
        var backup = await CorrosionBackup.CreateAsync(APath, _dir.Combine("one.db"));

        var restored = await CorrosionBackup.RestoreAsync(backup.Path, _dir.Combine("d", "state.db"), new RestoreOptions { ActorId = b });

        restored.ActorId.Should().Be(b);
        await using var d = await NodeFactory.OpenAsync(_dir, "d", Schemas.Todos);
        d.ActorId.Should().Be(b);
        (await d.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (x'0b', 'd')"])).Version.Should().Be(3, "b had written versions 1 and 2");
        (await d.ReadChangesetsAsync(a.ActorId, 1)).SelectMany(x => x.Changes).Should().NotBeEmpty();
    }

    [Fact]
    public async Task A_restored_node_merges_the_original_actors_new_changes_without_duplicates_or_losses()
    {
        await using var a = await TwoActorNodeAsync();
        var backup = await CorrosionBackup.CreateAsync(APath, _dir.Combine("one.db"));
        await CorrosionBackup.RestoreAsync(backup.Path, _dir.Combine("c", "state.db"), new RestoreOptions());
        await using var c = await NodeFactory.OpenAsync(_dir, "c", Schemas.Todos);
        await c.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (x'0c', 'from c')"]);
        var v3 = await a.ExecuteAsync(["UPDATE todos SET title = 'a again' WHERE id = x'01'", "INSERT INTO todos (id, title) VALUES (x'03', 'three')"]);
        var v4 = await a.ExecuteAsync(["DELETE FROM todos WHERE id = x'02'"]);

        var first = await c.ApplyChangesetsAsync([.. await a.ReadChangesetsAsync(a.ActorId, v3.Version!.Value), .. await a.ReadChangesetsAsync(a.ActorId, v4.Version!.Value)]);
        var again = await c.ApplyChangesetsAsync(
            [.. await a.ReadChangesetsAsync(a.ActorId, 2), .. await a.ReadChangesetsAsync(a.ActorId, 3), .. await a.ReadChangesetsAsync(a.ActorId, 4)]);

        first.AppliedVersions.Should().Be(2);
        again.Should().Be(new ApplyResult(0, 0, 3, 0), "versions 2 (from the backup), 3 and 4 are already held");
        var state = await c.GetSyncStateAsync();
        state.Heads[a.ActorId].Should().Be(4);
        state.Need.GetValueOrDefault(a.ActorId, []).Should().BeEmpty();
        (await NodeQueries.RowsAsync(c, "SELECT hex(id), title FROM todos WHERE id <> x'0c' ORDER BY id"))
            .Should().Equal(await NodeQueries.RowsAsync(a, "SELECT hex(id), title FROM todos ORDER BY id"));
        (await NodeQueries.RowsAsync(c, "SELECT title FROM todos WHERE id = x'0c'")).Should().Equal("from c");
    }

    [Fact]
    public async Task Restore_replaces_an_existing_database_with_a_backup_of_another_page_size()
    {
        await using var a = await TwoActorNodeAsync();
        var rows = await NodeQueries.RowsAsync(a, AllTodos);
        var backup = await CorrosionBackup.CreateAsync(APath, _dir.Combine("one.db"));
        using (var db = SqliteConnection.Open(backup.Path))
        {
            db.Execute("PRAGMA journal_mode = DELETE");
            db.Execute("PRAGMA page_size = 16384");
            db.Execute("VACUUM");
        }

        await using (var f = await NodeFactory.OpenAsync(_dir, "f", Schemas.Todos))
        {
            await f.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (x'ff', 'replaced')"]);
        }

        var restored = await CorrosionBackup.RestoreAsync(backup.Path, _dir.Combine("f", "state.db"), new RestoreOptions());

        restored.OldLength.Should().BeGreaterThan(0);
        Scalar(_dir.Combine("f", "state.db"), "PRAGMA page_size").Should().Be(16384);
        await using var reopened = await NodeFactory.OpenAsync(_dir, "f", Schemas.Todos);
        (await NodeQueries.RowsAsync(reopened, AllTodos)).Should().Equal(rows);
    }

    [Fact]
    public async Task Restore_refuses_a_file_that_is_not_a_backup_and_conflicting_actor_choices()
    {
        await using var a = await TwoActorNodeAsync();
        var backup = await CorrosionBackup.CreateAsync(APath, _dir.Combine("one.db"));
        var target = _dir.Combine("e", "state.db");
        var junk = _dir.WriteFile("junk.db", new string('x', 4096));

        var notBackup = () => CorrosionBackup.RestoreAsync(junk, target, new RestoreOptions());
        var both = () => CorrosionBackup.RestoreAsync(backup.Path, target, new RestoreOptions { KeepSelfActorId = true, ActorId = a.ActorId });
        var noSelf = () => CorrosionBackup.RestoreAsync(backup.Path, target, new RestoreOptions { KeepSelfActorId = true });

        (await notBackup.Should().ThrowAsync<CorrosionException>()).Which.Message.Should().Contain(junk);
        (await both.Should().ThrowAsync<CorrosionException>()).Which.Message.Should().Contain("not both");
        (await noSelf.Should().ThrowAsync<CorrosionException>()).Which.Message.Should().Contain("there is no database at");
        File.Exists(target).Should().BeFalse();
    }

    /// <summary>Node "a" holding versions 1-2 of its own and versions 1-2 of a second actor "b", and one member.</summary>
    private async Task<CorrosionNode> TwoActorNodeAsync()
    {
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        await b.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (x'01', 'b one')"]);
        await b.ExecuteAsync(["INSERT INTO todos (id, title, completed_at) VALUES (x'02', 'b two', 5)"]);
        var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await a.ApplyChangesetsAsync([.. await b.ReadChangesetsAsync(b.ActorId, 1), .. await b.ReadChangesetsAsync(b.ActorId, 2)]);
        await a.ExecuteAsync(["UPDATE todos SET title = 'a one' WHERE id = x'01'"]);
        await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (x'05', 'a five')"]);
        await a.SaveMembersAsync([(b.ActorId, "127.0.0.1:1", "{}")]);
        return a;
    }

    private string APath => _dir.Combine("a", "state.db");

    private static long? Scalar(string path, string sql)
    {
        using var db = SqliteConnection.Open(path, readOnly: true);
        var value = db.Scalar(sql);
        return value.IsNull ? null : value.AsInteger;
    }

    private static List<string> Rows(string path, string sql)
    {
        using var db = SqliteConnection.Open(path, readOnly: true);
        using var statement = db.PrepareUncached(sql);
        var rows = new List<string>();
        while (statement.Step())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, statement.ColumnCount).Select(i => statement.GetValue(i).ToString())));
        }

        return rows;
    }
}
