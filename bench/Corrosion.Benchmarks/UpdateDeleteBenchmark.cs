using Corrosion.Storage;

namespace Corrosion.Benchmarks;

/// <summary>
/// Updates and deletes of existing rows: 20,000 todos rows, then every row's title updated by primary key, then every
/// row deleted by primary key, each in transactions of 500, through ICorrosionNode against raw SQLite doing the same.
/// Updates and deletes are captured by per-row triggers (inserts are captured in bulk), so this is their cost.
/// </summary>
internal static class UpdateDeleteBenchmark
{
    private const int Rows = 20_000;
    private const int Batch = 500;
    private const string Insert = "INSERT INTO todos (id, title, completed_at) VALUES (?, ?, ?)";
    private const string Update = "UPDATE todos SET title = ? WHERE id = ?";
    private const string Delete = "DELETE FROM todos WHERE id = ?";

    public static async Task RunAsync(int runs)
    {
        var raw = (Update: new List<double>(), Delete: new List<double>());
        var node = (Update: new List<double>(), Delete: new List<double>());
        for (var run = 0; run < runs; run++)
        {
            var (rawUpdate, rawDelete) = RawSqlite();
            raw.Update.Add(Rows / rawUpdate.TotalSeconds);
            raw.Delete.Add(Rows / rawDelete.TotalSeconds);
            var (nodeUpdate, nodeDelete) = await NodeAsync();
            node.Update.Add(Rows / nodeUpdate.TotalSeconds);
            node.Delete.Add(Rows / nodeDelete.TotalSeconds);
        }

        Console.WriteLine($"update-delete: {Rows} todos rows updated, then deleted, by primary key in transactions of {Batch}, median of {runs} runs");
        Report("update", Measure.Median(raw.Update), Measure.Median(node.Update));
        Report("delete", Measure.Median(raw.Delete), Measure.Median(node.Delete));
    }

    private static void Report(string what, double raw, double node)
    {
        Measure.Report($"raw SQLite {what}", "rows/s", raw);
        Measure.Report($"ICorrosionNode.ExecuteAsync {what} (CRDT capture)", "rows/s", node);
        Console.WriteLine($"{$"ratio node / raw, {what}",-58} {node / raw,14:0.00}x");
    }

    // Built before the clock starts, for both sides.
    private static List<List<Statement>> Batches(Func<int, Statement> statement) =>
        [.. Enumerable.Range(0, Rows / Batch).Select(b => Enumerable.Range(b * Batch, Batch).Select(statement).ToList())];

    private static Statement InsertRow(int n) => new(Insert, [SqlValue.FromText($"todo-{n:D8}"), SqlValue.FromText($"todo number {n}"), SqlValue.Null]);

    private static Statement UpdateRow(int n) => new(Update, [SqlValue.FromText($"todo number {n}, renamed"), SqlValue.FromText($"todo-{n:D8}")]);

    private static Statement DeleteRow(int n) => new(Delete, [SqlValue.FromText($"todo-{n:D8}")]);

    private static (TimeSpan Update, TimeSpan Delete) RawSqlite()
    {
        var dir = Measure.Workspace();
        try
        {
            using var db = Measure.OpenRawTodos(dir);
            Run(Batches(InsertRow));
            var updates = Batches(UpdateRow);
            var update = Time(() => Run(updates));
            var deletes = Batches(DeleteRow);
            var delete = Time(() => Run(deletes));
            return (update, delete);

            void Run(List<List<Statement>> batches)
            {
                foreach (var batch in batches)
                {
                    db.Execute("BEGIN");
                    foreach (var s in batch)
                    {
                        db.Execute(s.Sql, [.. s.Parameters]);
                    }

                    db.Execute("COMMIT");
                }
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static async Task<(TimeSpan Update, TimeSpan Delete)> NodeAsync()
    {
        var dir = Measure.Workspace();
        try
        {
            await using var node = await Measure.OpenTodosNodeAsync(dir);
            await RunAsync(Batches(InsertRow));
            var updates = Batches(UpdateRow);
            var update = await Measure.TimeAsync(() => RunAsync(updates));
            var deletes = Batches(DeleteRow);
            var delete = await Measure.TimeAsync(() => RunAsync(deletes));
            return (update, delete);

            async Task RunAsync(List<List<Statement>> batches)
            {
                foreach (var batch in batches)
                {
                    await node.ExecuteAsync(batch);
                }
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static TimeSpan Time(Action action)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        action();
        return System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }
}
