using System.Collections.Concurrent;
using Corrosion.Options;
using Corrosion.Subscriptions;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Node;

public sealed class SchemaMigrationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private CorrosionOptions Options => new()
    {
        DatabasePath = _dir.Combine("state.db"),
        SchemaPaths = [_dir.Combine("schema")],
        ReadConnections = 1,
    };

    [Fact]
    public async Task Reload_adds_columns_and_indexes_and_keeps_capturing_changes()
    {
        _dir.WriteFile("schema/apps.sql", "CREATE TABLE apps (id INT NOT NULL PRIMARY KEY, name TEXT NOT NULL DEFAULT \"\");");
        await using var node = await CorrosionNode.OpenAsync(Options);
        await node.ExecuteAsync(["INSERT INTO apps (id, name) VALUES (1, 'one')"]);

        _dir.WriteFile("schema/apps.sql", """
            CREATE TABLE apps (
            id INT NOT NULL PRIMARY KEY,
            name TEXT NOT NULL DEFAULT "",
            user_id INT NOT NULL DEFAULT 0
            );
            CREATE INDEX apps_user_id ON apps (user_id);
            """);
        var result = await node.ReloadSchemaAsync();
        result.AlteredTables.Should().Equal("apps");

        var write = await node.ExecuteAsync(["UPDATE apps SET user_id = 7 WHERE id = 1"]);
        (await node.ReadChangesetsAsync(node.ActorId, write.Version!.Value)).Single().Changes.Single().Cid.Should().Be("user_id");
        (await NodeQueries.RowsAsync(node, "SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'apps_user_id'")).Should().Equal("apps_user_id");
        (await NodeQueries.RowsAsync(node, "SELECT id, name, user_id FROM apps")).Should().Equal("1|one|7");
    }

    [Fact]
    public async Task A_table_added_by_reload_captures_inserts_updates_and_deletes()
    {
        // The writer's capture triggers are TEMP triggers of its connection: a table created while the node runs
        // must get them then, or its updates and deletes would go unrecorded.
        _dir.WriteFile("schema/apps.sql", "CREATE TABLE apps (id INT NOT NULL PRIMARY KEY, name TEXT NOT NULL DEFAULT \"\");");
        await using var node = await CorrosionNode.OpenAsync(Options);
        _dir.WriteFile("schema/users.sql", "CREATE TABLE users (id INT NOT NULL PRIMARY KEY, email TEXT);");
        (await node.ReloadSchemaAsync()).CreatedTables.Should().Equal("users");

        await node.ExecuteAsync(["INSERT INTO users (id, email) VALUES (1, 'a@x'), (2, 'b@x')"]);
        var update = await node.ExecuteAsync(["UPDATE users SET email = 'c@x' WHERE id = 1"]);
        var delete = await node.ExecuteAsync(["DELETE FROM users WHERE id = 2"]);

        var updated = (await node.ReadChangesetsAsync(node.ActorId, update.Version!.Value)).Single().Changes.Single();
        updated.Cid.Should().Be("email");
        updated.ColVersion.Should().Be(2);
        var deleted = (await node.ReadChangesetsAsync(node.ActorId, delete.Version!.Value)).Single().Changes.Single();
        deleted.IsSentinel.Should().BeTrue();
        deleted.Cl.Should().Be(2, "a deleted row's causal length is even");
    }

    [Fact]
    public async Task Reload_ends_subscriptions_whose_columns_changed_and_keeps_the_others()
    {
        _dir.WriteFile("schema/apps.sql", "CREATE TABLE apps (id INT NOT NULL PRIMARY KEY, name TEXT NOT NULL DEFAULT \"\");");
        await using var node = await CorrosionNode.OpenAsync(Options);
        await node.ExecuteAsync(["INSERT INTO apps (id, name) VALUES (1, 'one')"]);
        var star = await node.SubscribeAsync("SELECT * FROM apps");
        var named = await node.SubscribeAsync("SELECT id, name FROM apps");
        var starEvents = ReadAll(star, new ConcurrentQueue<SubscriptionEvent>());
        var namedSeen = new ConcurrentQueue<SubscriptionEvent>();
        var namedEvents = ReadAll(named, namedSeen);

        _dir.WriteFile("schema/apps.sql", "CREATE TABLE apps (id INT NOT NULL PRIMARY KEY, name TEXT NOT NULL DEFAULT \"\", user_id INT NOT NULL DEFAULT 0);");
        await node.ReloadSchemaAsync();

        var ended = await starEvents.WaitAsync(TimeSpan.FromSeconds(20));
        ended[^1].Should().BeOfType<SubscriptionEvent.Error>().Which.Message
            .Should().Contain("schema of apps changed").And.Contain("(id, name) to (id, name, user_id)").And.Contain("subscribe again");
        node.ListSubscriptions().Select(i => i.Id).Should().NotContain(star.Id, "the ended subscription is gone");

        var again = await node.SubscribeAsync("SELECT * FROM apps");
        again.Id.Should().NotBe(star.Id);
        var first = await again.FirstAsync();
        first.Should().BeEquivalentTo(new SubscriptionEvent.Columns(["id", "name", "user_id"]));
        await again.DisposeAsync();

        // The explicit column list still matches, so that subscription keeps running and sees new writes.
        await node.ExecuteAsync(["INSERT INTO apps (id, name, user_id) VALUES (2, 'two', 7)"]);
        await Eventually.UntilAsync(() => Task.FromResult(namedSeen.OfType<SubscriptionEvent.Change>().Any()), TimeSpan.FromSeconds(20), "the kept subscription sees a new row");
        namedSeen.Should().NotContain(e => e is SubscriptionEvent.Error);
        node.ListSubscriptions().Select(i => i.Id).Should().Contain(named.Id);
        await named.DisposeAsync();
    }

    private static Task<List<SubscriptionEvent>> ReadAll(ISubscription subscription, ConcurrentQueue<SubscriptionEvent> seen) => Task.Run(async () =>
    {
        await foreach (var e in subscription)
        {
            seen.Enqueue(e);
            if (e is SubscriptionEvent.Error)
            {
                break;
            }
        }

        return seen.ToList();
    });

    [Fact]
    public async Task Destructive_changes_are_refused_and_nothing_changes()
    {
        _dir.WriteFile("schema/todos.sql", Schemas.Todos);
        _dir.WriteFile("schema/other.sql", "CREATE TABLE other (id INTEGER NOT NULL PRIMARY KEY, v TEXT);");
        await using var node = await CorrosionNode.OpenAsync(Options);

        File.Delete(_dir.Combine("schema", "other.sql"));
        _dir.WriteFile("schema/todos.sql", "CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', extra TEXT);");
        var act = () => node.ReloadSchemaAsync();
        var error = (await act.Should().ThrowAsync<SchemaException>()).Which.Message;
        error.Should().Contain("other").And.Contain("completed_at").And.Contain("destructive");

        (await NodeQueries.RowsAsync(node, "SELECT name FROM pragma_table_info('todos')")).Should().Equal("id", "title", "completed_at");
        (await NodeQueries.RowsAsync(node, "SELECT count(*) FROM sqlite_schema WHERE name = 'other'")).Should().Equal("1");
    }

    [Fact]
    public async Task A_schema_rule_violation_stops_the_start_with_file_table_and_rule()
    {
        var file = _dir.WriteFile("schema/bad.sql", "CREATE TABLE bad (id INTEGER NOT NULL PRIMARY KEY, v TEXT NOT NULL);");
        var act = () => CorrosionNode.OpenAsync(Options);
        (await act.Should().ThrowAsync<SchemaException>()).Which.Message.Should().Contain(file).And.Contain("'bad'").And.Contain("'v'").And.Contain("default");
    }

    [Fact]
    public async Task Restart_keeps_actor_id_versions_and_schema()
    {
        _dir.WriteFile("schema/todos.sql", Schemas.Todos);
        ActorId actor;
        await using (var node = await CorrosionNode.OpenAsync(Options))
        {
            actor = node.ActorId;
            await node.ExecuteAsync(["INSERT INTO todos (id) VALUES ('a')"]);
            await node.ExecuteAsync(["INSERT INTO todos (id) VALUES ('b')"]);
        }

        await using var reopened = await CorrosionNode.OpenAsync(Options);
        reopened.ActorId.Should().Be(actor);
        var next = await reopened.ExecuteAsync(["INSERT INTO todos (id) VALUES ('c')"]);
        next.Version.Should().Be(3);
        (await reopened.GetSyncStateAsync()).Heads[actor].Should().Be(3);
    }
}
