using Corrosion.Crdt;
using Corrosion.Storage;
using Corrosion.TestKit;
using Corrosion.Updates;

namespace Corrosion.Core.Tests.Updates;

public sealed class TableUpdateStreamTests : IDisposable
{
    private const string Pairs = "CREATE TABLE pairs (a INTEGER NOT NULL, b TEXT NOT NULL, v TEXT, PRIMARY KEY (a, b));";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Inserts_and_updates_notify_update_and_deletes_notify_delete_in_commit_order()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos, Pairs);
        using var updates = node.WatchTable("todos");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var reader = updates.ReadAllAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        await node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('x', 'one')", "INSERT INTO pairs (a, b) VALUES (1, 'p')"]);
        await node.ExecuteAsync(["UPDATE todos SET title = 'two' WHERE id = 'x'"]);
        await node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('y', 'three')", "DELETE FROM todos WHERE id = 'x'"]);

        var seen = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            (await reader.MoveNextAsync()).Should().BeTrue();
            seen.Add($"{reader.Current.Kind}:{reader.Current.PrimaryKey.Single().AsText}");
        }

        seen.Should().Equal("Update:x", "Update:x", "Update:y", "Delete:x");
        updates.Table.Should().Be("todos");
        updates.PrimaryKeyColumns.Should().Equal("id");
    }

    [Fact]
    public async Task A_composite_key_comes_in_primary_key_order_and_other_tables_are_not_reported()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos, Pairs);
        using var updates = node.WatchTable("PAIRS");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var reader = updates.ReadAllAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        await node.ExecuteAsync(["INSERT INTO todos (id) VALUES ('ignored')"]);
        await node.ExecuteAsync(["INSERT INTO pairs (a, b, v) VALUES (7, 'k', 'v')"]);

        (await reader.MoveNextAsync()).Should().BeTrue();
        reader.Current.Should().BeEquivalentTo(new TableUpdate(TableUpdateKind.Update, [SqlValue.FromInteger(7), SqlValue.FromText("k")]));
        updates.Table.Should().Be("pairs");
        updates.PrimaryKeyColumns.Should().Equal("a", "b");
    }

    [Fact]
    public async Task Replicated_changes_notify_like_local_ones()
    {
        await using var origin = await NodeFactory.OpenAsync(_dir, "origin", Schemas.Todos);
        await using var replica = await NodeFactory.OpenAsync(_dir, "replica", Schemas.Todos);
        using var updates = replica.WatchTable("todos");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var reader = updates.ReadAllAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        // Each version is read back right after its commit: a later delete would overwrite the insert's changes.
        foreach (var sql in new[] { "INSERT INTO todos (id, title) VALUES ('r', 'remote')", "DELETE FROM todos WHERE id = 'r'" })
        {
            var write = await origin.ExecuteAsync([sql]);
            await replica.ApplyChangesetsAsync(await origin.ReadChangesetsAsync(origin.ActorId, write.Version!.Value));
        }

        (await reader.MoveNextAsync()).Should().BeTrue();
        reader.Current.Kind.Should().Be(TableUpdateKind.Update);
        (await reader.MoveNextAsync()).Should().BeTrue();
        reader.Current.Kind.Should().Be(TableUpdateKind.Delete);
        reader.Current.PrimaryKey.Single().AsText.Should().Be("r");
    }

    [Fact]
    public async Task An_unknown_table_is_refused_by_name()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);

        var act = () => node.WatchTable("nope");

        act.Should().Throw<UnknownTableException>().WithMessage("*'nope'*");
    }

    [Fact]
    public async Task A_reader_that_falls_behind_is_cut_off_and_writes_never_wait_for_it()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        using var slow = node.WatchTable("todos", capacity: 2);
        using var fast = node.WatchTable("todos", capacity: 64);

        for (var i = 0; i < 5; i++)
        {
            await node.ExecuteAsync([new Statement("INSERT INTO todos (id) VALUES (?)", [SqlValue.FromText($"k{i}")])]);
        }

        var drainSlow = async () =>
        {
            await foreach (var _ in slow.ReadAllAsync())
            {
            }
        };
        await drainSlow.Should().ThrowAsync<TableUpdatesLaggedException>().WithMessage("*todos*fell behind*");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var fastSeen = await fast.ReadAllAsync(cts.Token).Take(5).Select(u => u.PrimaryKey[0].AsText).ToListAsync(cts.Token);
        fastSeen.Should().Equal("k0", "k1", "k2", "k3", "k4");
    }
}
