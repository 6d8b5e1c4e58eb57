using Corrosion.Crdt;
using Corrosion.Storage;
using Corrosion.TestKit;
using CsCheck;

namespace Corrosion.Core.Tests.Crdt;

/// <summary>
/// The changeset a local transaction publishes (for broadcast and subscriptions) is read back right after COMMIT,
/// before the next write, from the inserted rows when those are all the transaction changed. Whatever the
/// transaction did, it must equal the version read back from the clock tables afterwards, and no later
/// transaction may change what it publishes.
/// </summary>
public sealed class PublishedChangesetProperties
{
    private const string Schema = """
        CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, a BLOB, b TEXT NOT NULL DEFAULT '');
        CREATE TABLE tags (name TEXT NOT NULL PRIMARY KEY);
        CREATE TABLE pairs (x INTEGER NOT NULL, y TEXT NOT NULL, v INTEGER, PRIMARY KEY (x, y)) WITHOUT ROWID;
        """;

    private static readonly Gen<(int Kind, int Key, int Value)> Step = Gen.Select(Gen.Int[0, 11], Gen.Int[0, 7], Gen.Int[0, 4]);

    private static Statement StatementOf(int kind, int key, int value) => kind switch
    {
        0 => new Statement("INSERT OR IGNORE INTO items (id, a, b) VALUES (?, ?, 'n')", [key, value]),
        1 => new Statement("INSERT OR IGNORE INTO items (id, a) VALUES (?, ?), (?, ?)", [key, value, key + 1, value]),
        2 => new Statement("INSERT OR REPLACE INTO items (id, a, b) VALUES (?, ?, 'r')", [key, value]),
        3 => new Statement("INSERT INTO items (id, a) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET a = excluded.a", [key, value]),
        4 => new Statement("UPDATE items SET b = ? WHERE id = ?", [$"u{value}", key]),
        5 => new Statement("DELETE FROM items WHERE id = ?", [key]),
        6 => new Statement("INSERT OR IGNORE INTO tags (name) VALUES (?)", [$"t{key}"]),
        7 => new Statement("DELETE FROM tags WHERE name = ?", [$"t{key}"]),
        8 => new Statement("INSERT OR REPLACE INTO pairs (x, y, v) VALUES (?, 'k', ?)", [key, value]),
        9 => new Statement(
            "INSERT OR IGNORE INTO items (id, a) WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM c WHERE n < 20) SELECT ? * 100 + n, n FROM c",
            [key + 1]),
        10 => new Statement("DELETE FROM items WHERE id >= ? * 100", [key + 1]),
        _ => new Statement("SELECT count(*) FROM items__crsql_clock"),
    };

    [Fact]
    public async Task A_transaction_publishes_what_its_clock_rows_say()
    {
        await Step.Array[1, 6].Array[1, 12].SampleAsync(RunAsync, iter: 60, threads: 1);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    public async Task Concurrent_transactions_publish_each_version_once_in_order_with_what_it_wrote(int rowsPerTransaction)
    {
        // One row is a small version, read back before ExecuteAsync returns; 40 rows (80 changes and more) are
        // read back on the thread pool after it returns.
        using var dir = new TempDirectory("corrosion-published-order");
        await using var node = await NodeFactory.OpenAsync(dir, "a", Schema);
        using var feed = node.Changes.Subscribe(capacity: 1000, System.Threading.Channels.BoundedChannelFullMode.Wait);

        // Transaction i inserts rows from i * 100 and overwrites b of row (i - 1) * 100: a version read back after
        // the next transaction committed would carry that later b.
        const int Transactions = 200;
        var results = await Task.WhenAll(Enumerable.Range(0, Transactions).Select(i => Task.Run(() => node.ExecuteAsync(
        [
            .. Enumerable.Range(0, rowsPerTransaction).Select(k => new Statement("INSERT INTO items (id, a) VALUES (?, ?)", [(i * 100) + k, i])),
            new Statement("UPDATE items SET b = ? WHERE id = ?", [$"w{i}", (i - 1) * 100]),
        ]))));

        var transactionOf = results.Select((r, i) => (Version: r.Version!.Value, i)).ToDictionary(p => p.Version, p => p.i);
        for (var expected = 1L; expected <= Transactions; expected++)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var published = (await feed.Reader.ReadAsync(timeout.Token)).Changeset;
            published.Version.Should().Be(expected, "versions are published once each, in commit order");
            var i = transactionOf[published.Version];
            var first = PackedPk.Pack([SqlValue.FromInteger(i * 100)]);
            var own = published.Changes.Where(c => c.Pk.AsSpan().SequenceEqual(first)).ToList();
            own.Should().Contain(c => c.Cid == "a" && c.Val == SqlValue.FromInteger(i));
            own.Should().Contain(c => c.Cid == "b" && c.Val == SqlValue.FromText(string.Empty), $"version {published.Version} published b as transaction {i} left it");
            published.Changes.Count(c => c.Cid == "a").Should().Be(rowsPerTransaction);
        }
    }

    [Fact]
    public async Task A_version_no_reader_wants_is_not_published_and_the_next_wanted_one_is_whole()
    {
        // Skipping the read-back of unwanted versions must leave nothing behind for the next version's read-back:
        // its captured inserts, seqs and changes are its own.
        using var dir = new TempDirectory("corrosion-published-wanted");
        await using var node = await NodeFactory.OpenAsync(dir, "a", Schema);
        var wanted = false;
        using var feed = node.Changes.Subscribe(capacity: 100, System.Threading.Channels.BoundedChannelFullMode.Wait, wantsChanges: () => Volatile.Read(ref wanted));

        await node.ExecuteAsync([.. Enumerable.Range(0, 100).Select(k => new Statement("INSERT INTO items (id, a) VALUES (?, ?)", [k, k]))]);
        await node.ExecuteAsync([new Statement("UPDATE items SET b = 'x' WHERE id < 10")]);
        feed.Reader.TryRead(out _).Should().BeFalse("no reader wanted those versions");

        Volatile.Write(ref wanted, true);
        foreach (var transaction in new[]
        {
            Enumerable.Range(100, 100).Select(k => new Statement("INSERT INTO items (id, a) VALUES (?, ?)", [k, k])).ToArray(),
            [new Statement("INSERT INTO items (id, a) VALUES (500, 1)"), new Statement("UPDATE items SET b = 'y' WHERE id < 5")],
        })
        {
            var version = (await node.ExecuteAsync(transaction)).Version!.Value;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var published = (await feed.Reader.ReadAsync(timeout.Token)).Changeset;
            published.Version.Should().Be(version);
            var stored = await node.ReadChangesetsAsync(node.ActorId, version);
            published.Changes.Should().Equal(stored.SelectMany(c => c.Changes), $"version {version} was published as stored");
        }
    }

    private static async Task RunAsync((int Kind, int Key, int Value)[][] transactions)
    {
        using var dir = new TempDirectory("corrosion-published");
        await using var node = await NodeFactory.OpenAsync(dir, "a", Schema);
        using var feed = node.Changes.Subscribe();
        foreach (var transaction in transactions)
        {
            var result = await node.ExecuteAsync([.. transaction.Select(s => StatementOf(s.Kind, s.Key, s.Value))]);
            if (result.Version is not { } version)
            {
                continue;
            }

            var published = await feed.Reader.ReadAsync();
            published.Changeset.Version.Should().Be(version);
            var stored = await node.ReadChangesetsAsync(node.ActorId, version);
            published.Changeset.Changes.Should().Equal(stored.SelectMany(c => c.Changes), $"version {version} was published as stored");
            published.Changeset.LastSeq.Should().Be(stored[^1].LastSeq);
        }
    }
}
