using Corrosion.Options;
using Corrosion.Storage;

namespace Corrosion.Benchmarks;

/// <summary>
/// 50,000 rows of the quick start's todos table in transactions of 500: through ICorrosionNode (change capture,
/// versioning, read-back of each version) against raw SQLite writing the same rows the same way.
/// </summary>
internal static class InsertBenchmark
{
    private const int Rows = 50_000;
    private const int Batch = 500;
    private const string Schema = "CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', completed_at INTEGER);";
    private const string Insert = "INSERT INTO todos (id, title, completed_at) VALUES (?, ?, ?)";

    public static async Task RunAsync(int runs)
    {
        var raw = new List<double>();
        var node = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            raw.Add(Rows / RawSqlite().TotalSeconds);
            node.Add(Rows / (await NodeAsync()).TotalSeconds);
        }

        var rawMedian = Measure.Median(raw);
        var nodeMedian = Measure.Median(node);
        Console.WriteLine($"insert: {Rows} todos rows in transactions of {Batch}, median of {runs} runs");
        Measure.Report("raw SQLite (WAL, synchronous=NORMAL, prepared insert)", "rows/s", rawMedian);
        Measure.Report("ICorrosionNode.ExecuteAsync (CRDT capture)", "rows/s", nodeMedian);
        Console.WriteLine($"{"ratio node / raw",-58} {nodeMedian / rawMedian,14:0.00}x");
    }

    private static TimeSpan RawSqlite()
    {
        var dir = Measure.Workspace();
        try
        {
            using var db = SqliteConnection.Open(Path.Combine(dir, "raw.db"));
            db.Execute("PRAGMA journal_mode = WAL");
            db.Execute("PRAGMA synchronous = NORMAL");
            db.Execute(Schema);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var b = 0; b < Rows / Batch; b++)
            {
                db.Execute("BEGIN");
                for (var i = 0; i < Batch; i++)
                {
                    var n = (b * Batch) + i;
                    db.Execute(Insert, SqlValue.FromText($"todo-{n:D8}"), SqlValue.FromText($"todo number {n}"), SqlValue.Null);
                }

                db.Execute("COMMIT");
            }

            return System.Diagnostics.Stopwatch.GetElapsedTime(started);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static async Task<TimeSpan> NodeAsync()
    {
        var dir = Measure.Workspace();
        try
        {
            File.WriteAllText(Path.Combine(dir, "todos.sql"), Schema);
            await using var node = await CorrosionNode.OpenAsync(new CorrosionOptions
            {
                DatabasePath = Path.Combine(dir, "node.db"),
                SchemaPaths = [Path.Combine(dir, "todos.sql")],
            });
            var batches = Enumerable.Range(0, Rows / Batch).Select(b => Enumerable.Range(0, Batch).Select(i =>
            {
                var n = (b * Batch) + i;
                return new Statement(Insert, [SqlValue.FromText($"todo-{n:D8}"), SqlValue.FromText($"todo number {n}"), SqlValue.Null]);
            }).ToList()).ToList();
            return await Measure.TimeAsync(async () =>
            {
                foreach (var batch in batches)
                {
                    await node.ExecuteAsync(batch);
                }
            });
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
