using Corrosion.Crdt;
using Corrosion.TestKit;
using CsCheck;

namespace Corrosion.Core.Tests.Subscriptions;

/// <summary>
/// Whatever mix of local writes and replicated changesets reaches a node, the result its subscription events
/// describe (rows, then every change applied by row id) equals a fresh run of the query, for a single table, an
/// inner join and a LEFT JOIN.
/// </summary>
public sealed class SubscriptionProperties
{
    private static readonly Statement[] Queries =
    [
        "SELECT id, name, status FROM machines WHERE status <> 'gone'",
        "SELECT m.id, m.name, s.state FROM machines m JOIN statuses s ON s.machine_id = m.id",
        "SELECT m.name, s.id, s.state FROM machines m LEFT JOIN statuses s ON s.machine_id = m.id AND s.state <> 'off'",
    ];

    private static readonly Gen<(int Kind, int Node, int Key, int Value)> Step =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 1], Gen.Int[0, 3], Gen.Int[0, 3]);

    [Fact]
    public async Task Accumulated_events_equal_a_fresh_run_after_local_and_replicated_writes()
    {
        await Step.Array[1, 25].SampleAsync(RunAsync, iter: 12, threads: 1);
    }

    private static async Task RunAsync((int Kind, int Node, int Key, int Value)[] steps)
    {
        using var dir = new TempDirectory("corrosion-subs-prop");
        await using var a = await NodeFactory.OpenAsync(dir, "a", SubscriptionTests.Schema);
        await using var b = await NodeFactory.OpenAsync(dir, "b", SubscriptionTests.Schema);
        var recorders = new List<SubscriptionRecorder>();
        try
        {
            foreach (var query in Queries)
            {
                var recorder = new SubscriptionRecorder(await a.SubscribeAsync(query));
                recorders.Add(recorder);
                await recorder.WaitForEndOfQueryAsync();
            }

            var fromB = new List<Changeset>();
            var names = new[] { "x", "y", "z", "gone" };
            var states = new[] { "on", "off", "up", "down" };
            foreach (var (kind, nodeIndex, key, value) in steps)
            {
                var node = nodeIndex == 0 ? a : b;
                Statement? statement = kind switch
                {
                    0 => new Statement("INSERT INTO machines (id, name, status) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name", [key, names[value], names[3 - value]]),
                    1 => new Statement("UPDATE machines SET status = ? WHERE id = ?", [names[value], key]),
                    2 => new Statement("DELETE FROM machines WHERE id = ?", [key]),
                    3 => new Statement("INSERT INTO statuses (id, machine_id, state) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state", [key, value, states[value]]),
                    4 => new Statement("UPDATE statuses SET machine_id = ? WHERE id = ?", [value, key]),
                    5 => new Statement("DELETE FROM statuses WHERE id = ?", [key]),
                    _ => null,
                };
                if (statement is not null)
                {
                    var result = await node.ExecuteAsync([statement]);
                    if (node == b && result.Version is { } version)
                    {
                        fromB.AddRange(await b.ReadChangesetsAsync(b.ActorId, version));
                    }
                }
                else if (fromB.Count > 0)
                {
                    // Replicate everything b wrote so far (already held versions are skipped).
                    await a.ApplyChangesetsAsync(fromB);
                }
            }

            foreach (var (recorder, query) in recorders.Zip(Queries))
            {
                await Eventually.UntilAsync(
                    async () => recorder.StateRows().SequenceEqual(await SubscriptionRecorder.FreshAsync(a, query)),
                    TimeSpan.FromSeconds(20),
                    $"events of '{query.Sql}' to describe a fresh run",
                    async () => $"events: {recorder.Describe()}; fresh: {string.Join("; ", await SubscriptionRecorder.FreshAsync(a, query))}");
                recorder.Changes.Select(c => c.ChangeId).Should().Equal(Enumerable.Range(1, recorder.Changes.Count).Select(i => (long)i), "change ids are contiguous");
            }
        }
        finally
        {
            foreach (var recorder in recorders)
            {
                await recorder.DisposeAsync();
            }
        }
    }
}
