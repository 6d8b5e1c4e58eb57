using Corrosion.Crdt;
using Corrosion.Storage;
using Corrosion.TestKit;
using CsCheck;

namespace Corrosion.Core.Tests.Crdt;

/// <summary>
/// N replicas write at random while changesets (whole, in chunks, duplicated) reach random replicas in random
/// order; after a final anti-entropy pass every replica has the same rows and the same clock rows.
/// </summary>
public sealed class ConvergenceProperties
{
    private const string Schema = "CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, a BLOB, b TEXT NOT NULL DEFAULT '');";
    private const int Replicas = 3;

    private static readonly Gen<(int Kind, int Replica, int Key, int Value, int Pick)> Step =
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, Replicas - 1], Gen.Int[0, 2], Gen.Int[0, 5], Gen.Int[0, 10_000]);

    private static SqlValue ValueOf(int v) => v switch
    {
        0 => SqlValue.Null,
        1 => SqlValue.FromInteger(1),
        2 => SqlValue.FromInteger(2),
        3 => SqlValue.FromText("x"),
        4 => SqlValue.FromText("y"),
        _ => SqlValue.FromReal(2.5),
    };

    [Fact]
    public async Task Replicas_converge_whatever_the_delivery_order()
    {
        await Step.Array[5, 60].SampleAsync(RunAsync, iter: 120, threads: 1);
    }

    private static async Task RunAsync((int Kind, int Replica, int Key, int Value, int Pick)[] steps)
    {
        using var dir = new TempDirectory("corrosion-prop");
        var nodes = new CorrosionNode[Replicas];
        for (var i = 0; i < Replicas; i++)
        {
            nodes[i] = await NodeFactory.OpenAsync(dir, $"n{i}", Schema);
        }

        try
        {
            var pool = new List<Changeset>();
            foreach (var (kind, replica, key, value, pick) in steps)
            {
                var node = nodes[replica];
                if (kind <= 3)
                {
                    Statement statement = kind switch
                    {
                        0 => new Statement("INSERT INTO items (id, a, b) VALUES (?, ?, 'n') ON CONFLICT (id) DO UPDATE SET a = excluded.a", [key, ValueOf(value)]),
                        1 => new Statement("UPDATE items SET a = ? WHERE id = ?", [ValueOf(value), key]),
                        2 => new Statement("UPDATE items SET b = coalesce(?, '') WHERE id = ?", [ValueOf(value), key]),
                        _ => new Statement("DELETE FROM items WHERE id = ?", [key]),
                    };
                    var result = await node.ExecuteAsync([statement]);
                    if (result.Version is { } version)
                    {
                        var written = await node.ReadChangesetsAsync(node.ActorId, version);
                        pool.AddRange(written);
                        pool.AddRange(written.Where(c => c.Changes.Count > 1).SelectMany(Split));
                    }
                }
                else if (pool.Count > 0)
                {
                    var delivered = pool[pick % pool.Count];
                    await node.ApplyChangesetsAsync(kind == 5 ? [delivered] : [delivered, delivered]);
                }
            }

            // Anti-entropy: every node pulls every version every other node holds, twice.
            for (var round = 0; round < 2; round++)
            {
                foreach (var to in nodes)
                {
                    foreach (var from in nodes.Where(n => n != to))
                    {
                        var state = await from.GetSyncStateAsync();
                        foreach (var (actor, head) in state.Heads)
                        {
                            for (var v = head; v >= 1; v--)
                            {
                                await to.ApplyChangesetsAsync(await from.ReadChangesetsAsync(actor, v));
                            }
                        }
                    }
                }
            }

            var expectedRows = await NodeQueries.RowsAsync(nodes[0], "SELECT id, quote(a), b FROM items ORDER BY id");
            var expectedClock = await NodeQueries.RowsAsync(nodes[0], ClockSql);
            for (var i = 1; i < Replicas; i++)
            {
                (await NodeQueries.RowsAsync(nodes[i], "SELECT id, quote(a), b FROM items ORDER BY id")).Should().Equal(expectedRows, $"replica {i} rows match replica 0");
                (await NodeQueries.RowsAsync(nodes[i], ClockSql)).Should().Equal(expectedClock, $"replica {i} clock rows match replica 0");
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private const string ClockSql =
        "SELECT p.id, c.col_name, c.col_version, c.db_version, hex(s.site_id), c.seq FROM items__crsql_clock c " +
        "JOIN items__crsql_pks p ON p.__crsql_key = c.key JOIN crsql_site_id s ON s.ordinal = c.site_id ORDER BY 1, 2";

    private static IEnumerable<Changeset> Split(Changeset changeset)
    {
        var half = changeset.Changes.Count / 2;
        var first = changeset.Changes.Take(half).ToList();
        var second = changeset.Changes.Skip(half).ToList();
        yield return changeset with { Changes = first, SeqStart = changeset.SeqStart, SeqEnd = first[^1].Seq };
        yield return changeset with { Changes = second, SeqStart = first[^1].Seq + 1 };
    }

}
