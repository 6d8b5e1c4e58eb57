using Corrosion.Crdt;
using Corrosion.Storage;

namespace Corrosion.Benchmarks;

/// <summary>
/// Merging remote changesets: 20,000 rows (40,000 column changes) written on one node in versions of 500 rows,
/// applied to an empty node; then the same rows written as one version and applied in pieces of
/// <see cref="Piece"/> changes, as a big transaction arrives by broadcast or sync (buffered until its last piece).
/// Reported as column changes per second.
/// </summary>
internal static class ApplyBenchmark
{
    private const int Rows = 20_000;
    private const int Batch = 500;
    private const int Piece = 2_000;

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
            var pieces = await OneVersionInPiecesAsync(dir);
            var rates = new List<double>();
            var pieceRates = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                rates.Add(changes / (await ApplyAsync(dir, $"target{run}", changesets)).TotalSeconds);
                pieceRates.Add(changes / (await ApplyAsync(dir, $"pieces{run}", pieces)).TotalSeconds);
            }

            Console.WriteLine($"apply: {changesets.Count} changesets, {changes} column changes into an empty node, median of {runs} runs");
            Measure.Report("ApplyChangesetsAsync", "changes/s", Measure.Median(rates));
            Measure.Report($"  one version of {changes} changes in pieces of {Piece}", "changes/s", Measure.Median(pieceRates));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static async Task<TimeSpan> ApplyAsync(string dir, string name, List<Changeset> changesets)
    {
        await using var target = await Measure.OpenTodosNodeAsync(dir, name);
        return await Measure.TimeAsync(async () =>
        {
            foreach (var changeset in changesets)
            {
                await target.ApplyChangesetsAsync([changeset]);
            }
        });
    }

    private static async Task<List<Changeset>> OneVersionInPiecesAsync(string dir)
    {
        await using var source = await Measure.OpenTodosNodeAsync(dir, "one-version");
        var rows = Enumerable.Range(0, Rows).Select(n => new Statement(
            "INSERT INTO todos (id, title, completed_at) VALUES (?, ?, ?)",
            [SqlValue.FromText($"todo-{n:D8}"), SqlValue.FromText($"todo number {n}"), SqlValue.FromInteger(n)])).ToList();
        var version = (await source.ExecuteAsync(rows)).Version!.Value;
        var all = (await source.ReadChangesetsAsync(source.ActorId, version)).SelectMany(c => c.Changes).ToList();
        var lastSeq = all[^1].Seq;
        return [.. all.Chunk(Piece).Select(piece => new Changeset(source.ActorId, version, piece, piece[0].Seq, piece[^1].Seq, lastSeq, 0))];
    }
}
