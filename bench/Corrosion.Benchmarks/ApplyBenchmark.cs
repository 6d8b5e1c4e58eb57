using Corrosion.Crdt;
using Corrosion.Storage;

namespace Corrosion.Benchmarks;

/// <summary>
/// Merging remote changesets: 20,000 rows (40,000 column changes) written on one node in versions of 500 rows,
/// applied to an empty node. Reported as column changes per second.
/// </summary>
internal static class ApplyBenchmark
{
    private const int Rows = 20_000;
    private const int Batch = 500;

    public static async Task RunAsync(int runs)
    {
        var dir = Measure.Workspace();
        try
        {
            var changesets = new List<Changeset>();
            await using (var source = await Measure.OpenTodosNodeAsync(dir, "source"))
            {
                for (var b = 0; b < Rows / Batch; b++)
                {
                    var batch = Enumerable.Range(0, Batch).Select(i =>
                    {
                        var n = (b * Batch) + i;
                        return new Statement("INSERT INTO todos (id, title, completed_at) VALUES (?, ?, ?)", [SqlValue.FromText($"todo-{n:D8}"), SqlValue.FromText($"todo number {n}"), SqlValue.FromInteger(n)]);
                    }).ToList();
                    var result = await source.ExecuteAsync(batch);
                    changesets.AddRange(await source.ReadChangesetsAsync(source.ActorId, result.Version!.Value));
                }
            }

            var changes = changesets.Sum(c => c.Changes.Count);
            var rates = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                await using var target = await Measure.OpenTodosNodeAsync(dir, $"target{run}");
                var elapsed = await Measure.TimeAsync(async () =>
                {
                    foreach (var changeset in changesets)
                    {
                        await target.ApplyChangesetsAsync([changeset]);
                    }
                });
                rates.Add(changes / elapsed.TotalSeconds);
            }

            Console.WriteLine($"apply: {changesets.Count} changesets, {changes} column changes into an empty node, median of {runs} runs");
            Measure.Report("ApplyChangesetsAsync", "changes/s", Measure.Median(rates));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
