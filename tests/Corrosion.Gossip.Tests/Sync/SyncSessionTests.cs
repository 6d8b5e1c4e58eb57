using System.Net;
using Corrosion.Backup;
using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport.Memory;
using Corrosion.TestKit;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Sync;

public sealed class SyncSessionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<(SyncResult Client, SyncResult Server)> SyncAsync(ICorrosionNode client, ICorrosionNode server)
    {
        var network = new InMemoryNetwork(new Random(7));
        await using var serverTransport = network.CreateTransport(new IPEndPoint(IPAddress.Loopback, 1001));
        await using var clientTransport = network.CreateTransport(new IPEndPoint(IPAddress.Loopback, 1002));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var serve = SyncServing.ServeOneAsync(serverTransport, new SyncSession(server), timeout.Token);
        await using var outbound = await clientTransport.ConnectAsync(serverTransport.LocalEndPoint, timeout.Token);
        var clientResult = await new SyncSession(client).RunAsClientAsync(outbound, timeout.Token);
        return (clientResult, await serve);
    }

    [Fact]
    public async Task An_empty_node_catches_up_everything_and_both_sides_exchange_what_they_lack()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        for (var v = 0; v < 20; v++)
        {
            await a.ExecuteAsync([.. Enumerable.Range(0, 5).Select(i => new Statement($"INSERT INTO todos (id, title) VALUES ('a-{v}-{i}', 't')"))]);
        }

        await a.ExecuteAsync(["UPDATE todos SET completed_at = 1 WHERE id LIKE 'a-0-%'"]);
        await b.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('b-1', 'from b')"]);

        var (client, server) = await SyncAsync(b, a);

        client.ChangesetsReceived.Should().Be(21, "A's 21 versions");
        server.ChangesetsReceived.Should().Be(1);
        (await NodeQueries.RowsAsync(b, "SELECT count(*) FROM todos")).Should().Equal("101");
        (await NodeQueries.RowsAsync(a, "SELECT count(*) FROM todos")).Should().Equal("101");
        (await NodeQueries.RowsAsync(b, "SELECT count(*) FROM todos WHERE completed_at = 1")).Should().Equal("5");
        var state = await b.GetSyncStateAsync();
        state.Heads[a.ActorId].Should().Be(21);
        state.Need.Should().BeEmpty();

        var again = await SyncAsync(b, a);
        again.Client.ChangesetsReceived.Should().Be(0, "nothing is missing any more");
        again.Server.ChangesetsReceived.Should().Be(0);
    }

    [Fact]
    public async Task Gaps_and_partial_versions_are_filled()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        for (var v = 0; v < 5; v++)
        {
            await a.ExecuteAsync([.. Enumerable.Range(0, 4).Select(i => new Statement($"INSERT INTO todos (id) VALUES ('{v}-{i}')"))]);
        }

        // B got version 5 (leaving a gap 1..=4) and the first half of version 3 (a partial version).
        await b.ApplyChangesetsAsync(await a.ReadChangesetsAsync(a.ActorId, 5));
        var v3 = (await a.ReadChangesetsAsync(a.ActorId, 3)).Single();
        await b.ApplyChangesetsAsync([v3 with { Changes = v3.Changes.Take(3).ToList(), SeqEnd = v3.Changes[2].Seq }]);
        (await b.GetSyncStateAsync()).PartialNeed.Should().ContainKey(a.ActorId);

        await SyncAsync(b, a);

        (await NodeQueries.RowsAsync(b, "SELECT count(*) FROM todos")).Should().Equal("20");
        var state = await b.GetSyncStateAsync();
        state.Need.Should().BeEmpty();
        state.PartialNeed.Should().BeEmpty();
    }

    [Fact]
    public async Task Of_a_version_held_in_part_only_the_missing_pieces_are_sent()
    {
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        var result = await a.ExecuteAsync([
            "INSERT INTO todos (id, title) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1250) SELECT 'r' || i, 't' FROM n",
        ]);
        var pieces = await a.ReadChangesetsAsync(a.ActorId, result.Version!.Value);
        pieces.Should().HaveCount(3, "2,500 changes in pieces of 1,000");
        await b.ApplyChangesetsAsync([pieces[1]]);

        var (client, _) = await SyncAsync(b, a);

        client.ChangesetsReceived.Should().Be(2, "B already held the middle piece");
        (await NodeQueries.RowsAsync(b, "SELECT count(*) FROM todos")).Should().Equal("1250");
        (await b.GetSyncStateAsync()).PartialNeed.Should().BeEmpty();
    }

    /// <summary>
    /// A node restored from its own older backup keeping its actor id (<c>restore --self-actor-id</c>) gets back from
    /// a peer the versions it wrote after the backup, whichever side opens the session, and its next write is above
    /// them, so the peer takes it too. Peers used to skip a node's own actor: the versions were lost and the next
    /// write reused number 3, which the peer took as held.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_node_restored_keeping_its_actor_id_gets_its_later_versions_back_and_writes_above_them(bool restoredIsClient)
    {
        const string Rows = "SELECT id, title FROM todos ORDER BY id";
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        var backup = _dir.Combine("a.backup.db");
        await using (var original = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos))
        {
            await original.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k1', 'one')"]);
            await original.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k2', 'two')"]);
            await CorrosionBackup.CreateAsync(original.DatabasePath, backup);
            await original.ExecuteAsync(["UPDATE todos SET title = 'one again' WHERE id = 'k1'"]);
            await original.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k3', 'three')"]);
            await SyncAsync(b, original);
        }

        await CorrosionBackup.RestoreAsync(backup, _dir.Combine("a", "state.db"), new RestoreOptions { KeepSelfActorId = true });
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        (await a.GetSyncStateAsync()).Heads[a.ActorId].Should().Be(2);

        var (client, server) = restoredIsClient ? await SyncAsync(a, b) : await SyncAsync(b, a);

        (restoredIsClient ? client : server).ChangesetsReceived.Should().Be(2, "versions 3 and 4 of its own actor");
        (await NodeQueries.RowsAsync(a, Rows)).Should().Equal("k1|one again", "k2|two", "k3|three");
        (await a.GetSyncStateAsync()).Heads[a.ActorId].Should().Be(4);
        (await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k4', 'four')"])).Version.Should().Be(5);

        await SyncAsync(b, a);

        (await NodeQueries.RowsAsync(b, Rows)).Should().Equal("k1|one again", "k2|two", "k3|three", "k4|four");
        (await b.GetSyncStateAsync()).Heads[a.ActorId].Should().Be(5);
    }
}
