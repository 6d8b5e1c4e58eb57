using Corrosion.Backup;
using Corrosion.Crdt;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Crdt;

/// <summary>
/// A node restored from its own backup keeping its actor id (<c>restore --self-actor-id</c>) lacks the versions it
/// wrote after the backup, which peers hold. It takes them back from peers as its own (ordinal 0, origin db_version)
/// and never writes a new version under one of their numbers.
/// </summary>
public sealed class OwnActorVersionsTests : IDisposable
{
    private const string Rows = "SELECT id, title FROM todos ORDER BY id";
    private const string Clocks =
        "SELECT p.id, c.col_name, c.col_version, c.db_version, hex(s.site_id), c.seq FROM todos__crsql_clock c " +
        "JOIN todos__crsql_pks p ON p.__crsql_key = c.key JOIN crsql_site_id s ON s.ordinal = c.site_id ORDER BY 1, 2";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_restored_node_merges_its_own_versions_it_lacks_as_local_and_writes_above_them()
    {
        var (a, b) = await RestoredAfterPeerSawFourVersionsAsync();
        await using (b)
        await using (a)
        {
            var changesets = new List<Changeset>();
            foreach (var version in new long[] { 1, 2, 3, 4 })
            {
                changesets.AddRange(await b.ReadChangesetsAsync(a.ActorId, version));
            }

            var applied = await a.ApplyChangesetsAsync(changesets);

            applied.AppliedVersions.Should().Be(2, "versions 3 and 4 are missing here");
            applied.SkippedVersions.Should().Be(2, "versions 1 and 2 came back with the backup");
            (await NodeQueries.RowsAsync(a, Rows)).Should().Equal("k1|one again", "k2|two", "k3|three");
            (await NodeQueries.RowsAsync(a, "SELECT DISTINCT site_id FROM todos__crsql_clock")).Should().Equal(["0"], "they are this node's own changes");
            (await NodeQueries.RowsAsync(a, Clocks)).Should().Equal(await NodeQueries.RowsAsync(b, Clocks));
            var state = await a.GetSyncStateAsync();
            state.Heads[a.ActorId].Should().Be(4);
            state.Need.Should().NotContainKey(a.ActorId);

            (await a.ApplyChangesetsAsync(changesets)).Should().Be(new ApplyResult(0, 0, 4, 0), "held versions stay skipped");
            var next = await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k4', 'four')"]);
            next.Version.Should().Be(5);
        }
    }

    [Fact]
    public async Task A_peer_holding_a_higher_own_version_moves_the_counter_above_it_and_leaves_gaps_to_fetch()
    {
        var (a, b) = await RestoredAfterPeerSawFourVersionsAsync();
        await using (b)
        {
            await using (a)
            {
                await a.ObserveOwnHeadAsync(b.ActorId, 4);

                var state = await a.GetSyncStateAsync();
                state.Heads[a.ActorId].Should().Be(4);
                state.Need[a.ActorId].Should().Equal(new InclusiveRange(3, 4));
                var written = await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k4', 'four')"]);
                written.Version.Should().Be(5, "versions 3 and 4 are taken by the writes peers hold");

                await a.ObserveOwnHeadAsync(b.ActorId, 4);
                (await a.GetSyncStateAsync()).Need[a.ActorId].Should().Equal([new InclusiveRange(3, 4)], "the same head again changes nothing");
            }

            // Persisted: the reopened node still asks for 3 and 4 and writes above 5.
            await using var reopened = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
            (await reopened.GetSyncStateAsync()).Need[reopened.ActorId].Should().Equal(new InclusiveRange(3, 4));
            foreach (var version in new long[] { 3, 4 })
            {
                (await reopened.ApplyChangesetsAsync(await b.ReadChangesetsAsync(reopened.ActorId, version))).AppliedVersions.Should().Be(1);
            }

            (await reopened.GetSyncStateAsync()).Need.Should().NotContainKey(reopened.ActorId);
            (await reopened.ExecuteAsync(["UPDATE todos SET title = 'four again' WHERE id = 'k4'"])).Version.Should().Be(6);
            (await NodeQueries.RowsAsync(reopened, Rows)).Should().Equal("k1|one again", "k2|two", "k3|three", "k4|four again");
        }
    }

    [Fact]
    public async Task A_chunk_of_an_own_version_it_lacks_moves_the_counter_above_that_version()
    {
        var (a, b) = await RestoredAfterPeerSawFourVersionsAsync();
        await using (b)
        await using (a)
        {
            var version4 = (await b.ReadChangesetsAsync(a.ActorId, 4)).Single();
            var firstChunk = version4.Chunk(1).First();
            firstChunk.IsComplete.Should().BeFalse();

            (await a.ApplyChangesetsAsync([firstChunk])).BufferedChunks.Should().Be(1);

            (await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k4', 'four')"])).Version.Should().Be(5);
            var state = await a.GetSyncStateAsync();
            state.Need[a.ActorId].Should().Equal(new InclusiveRange(3, 4));
            state.PartialNeed[a.ActorId].Should().ContainKey(4);
        }
    }

    [Fact]
    public async Task A_node_restored_keeping_its_actor_id_holds_local_writes_until_its_first_sync()
    {
        var (a, b) = await RestoredAfterPeerSawFourVersionsAsync();
        await using (b)
        {
            await using (a)
            {
                a.OwnActorCatchUpPending.Should().BeTrue("the restore kept the actor id");
                a.HoldWritesUntilOwnActorSynced(TimeSpan.FromMinutes(10));

                var write = a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k4', 'four')"]);
                write.IsCompleted.Should().BeFalse("it waits for a sync to tell how far peers hold this actor");
                await a.ObserveOwnHeadAsync(b.ActorId, 4);

                (await write.WaitAsync(TimeSpan.FromSeconds(30))).Version.Should().Be(5);
                a.OwnActorCatchUpPending.Should().BeFalse();
            }

            await using var reopened = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
            reopened.OwnActorCatchUpPending.Should().BeFalse("the first sync cleared the mark for good");
        }
    }

    [Fact]
    public async Task Without_a_sync_held_writes_go_ahead_after_the_timeout_and_the_mark_stays()
    {
        var (a, b) = await RestoredAfterPeerSawFourVersionsAsync();
        await using (b)
        await using (a)
        {
            a.HoldWritesUntilOwnActorSynced(TimeSpan.FromMilliseconds(200));

            var write = await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k4', 'four')"]).WaitAsync(TimeSpan.FromSeconds(30));

            write.Version.Should().Be(3, "no peer told it of versions 3 and 4: the window the docs describe");
            a.OwnActorCatchUpPending.Should().BeTrue("the next start waits again");
        }
    }

    [Fact]
    public async Task Only_a_restore_that_keeps_an_actor_id_marks_the_node()
    {
        await using (var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos))
        {
            await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k1', 'one')"]);
            await CorrosionBackup.CreateAsync(a.DatabasePath, _dir.Combine("backups", "a.db"));
        }

        await CorrosionBackup.RestoreAsync(_dir.Combine("backups", "a.db"), _dir.Combine("a", "state.db"), new RestoreOptions());
        await using (var fresh = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos))
        {
            fresh.OwnActorCatchUpPending.Should().BeFalse("a new actor has no versions anywhere");
            fresh.HoldWritesUntilOwnActorSynced(TimeSpan.FromMinutes(10));
            (await fresh.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k2', 'two')"]).WaitAsync(TimeSpan.FromSeconds(30))).Version.Should().Be(1);
        }
    }

    /// <summary>
    /// Node a writes versions 1-2, is backed up, writes 3-4, which b receives; then a is restored from the backup
    /// keeping its actor id and reopened (head 2).
    /// </summary>
    private async Task<(CorrosionNode A, CorrosionNode B)> RestoredAfterPeerSawFourVersionsAsync()
    {
        var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        var backup = _dir.Combine("backups", "a.db");
        ActorId actor;
        await using (var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos))
        {
            actor = a.ActorId;
            await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k1', 'one')"]);
            await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k2', 'two')"]);
            await CorrosionBackup.CreateAsync(a.DatabasePath, backup);
            await a.ExecuteAsync(["UPDATE todos SET title = 'one again' WHERE id = 'k1'"]);
            await a.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('k3', 'three')"]);
            for (var version = 1; version <= 4; version++)
            {
                (await b.ApplyChangesetsAsync(await a.ReadChangesetsAsync(actor, version))).AppliedVersions.Should().Be(1);
            }
        }

        await CorrosionBackup.RestoreAsync(backup, _dir.Combine("a", "state.db"), new RestoreOptions { KeepSelfActorId = true });
        var restored = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        restored.ActorId.Should().Be(actor);
        (await restored.GetSyncStateAsync()).Heads[actor].Should().Be(2);
        (await NodeQueries.RowsAsync(restored, Rows)).Should().Equal("k1|one", "k2|two");
        return (restored, b);
    }
}
