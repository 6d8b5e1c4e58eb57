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
    private const string Insert = "INSERT INTO todos (id, title, completed_at) VALUES (?, ?, ?)";

    // cr-sqlite's metadata for todos kept by plain SQL triggers with constants in place of our functions: what the
    // layout itself costs, with no CRDT engine (bench/capture-cost has the same shape for the sqlite3 shell).
    private const string MetadataDdl = @"CREATE TABLE ""todos__crsql_pks"" (__crsql_key INTEGER PRIMARY KEY, ""id"" BLOB, __corro_pk BLOB NOT NULL);
CREATE UNIQUE INDEX ""todos__crsql_pks_pks"" ON ""todos__crsql_pks"" (""id"");
CREATE TABLE ""todos__crsql_clock"" (key INTEGER NOT NULL, col_name TEXT NOT NULL, col_version INTEGER NOT NULL, db_version INTEGER NOT NULL, site_id INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL, PRIMARY KEY (key, col_name)) WITHOUT ROWID, STRICT;
CREATE INDEX ""todos__crsql_clock_dbv_idx"" ON ""todos__crsql_clock"" (site_id, db_version);
CREATE TRIGGER ""todos__crsql_itrig"" AFTER INSERT ON ""todos"" BEGIN
  INSERT INTO ""todos__crsql_pks"" (""id"", __corro_pk) SELECT NEW.""id"", NEW.""id"" WHERE 1 ON CONFLICT DO NOTHING;
  UPDATE ""todos__crsql_clock"" SET col_version = col_version + 1, db_version = 1, site_id = 0, seq = 0 WHERE key = (SELECT __crsql_key FROM ""todos__crsql_pks"" WHERE ""id"" = NEW.""id"") AND col_name = '-1' AND 1;
  INSERT INTO ""todos__crsql_clock"" (key, col_name, col_version, db_version, site_id, seq) SELECT __crsql_key, 'title', 1, 1, 0, 0 FROM ""todos__crsql_pks"" WHERE ""id"" = NEW.""id"" AND 1 ON CONFLICT DO UPDATE SET col_version = col_version + 1, db_version = excluded.db_version, site_id = 0, seq = excluded.seq;
  INSERT INTO ""todos__crsql_clock"" (key, col_name, col_version, db_version, site_id, seq) SELECT __crsql_key, 'completed_at', 1, 1, 0, 1 FROM ""todos__crsql_pks"" WHERE ""id"" = NEW.""id"" AND 1 ON CONFLICT DO UPDATE SET col_version = col_version + 1, db_version = excluded.db_version, site_id = 0, seq = excluded.seq;
END;
";

    public static async Task RunAsync(int runs)
    {
        var raw = new List<double>();
        var layout = new List<double>();
        var node = new List<double>();
        var metered = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            raw.Add(Rows / RawSqlite(withMetadata: false).TotalSeconds);
            layout.Add(Rows / RawSqlite(withMetadata: true).TotalSeconds);
            node.Add(Rows / (await NodeAsync(scraped: false)).TotalSeconds);
            metered.Add(Rows / (await NodeAsync(scraped: true)).TotalSeconds);
        }

        var rawMedian = Measure.Median(raw);
        var layoutMedian = Measure.Median(layout);
        var nodeMedian = Measure.Median(node);
        Console.WriteLine($"insert: {Rows} todos rows in transactions of {Batch}, median of {runs} runs");
        Measure.Report("raw SQLite (WAL, synchronous=NORMAL, prepared insert)", "rows/s", rawMedian);
        Measure.Report("raw SQLite + cr-sqlite metadata triggers (no engine)", "rows/s", layoutMedian);
        Measure.Report("ICorrosionNode.ExecuteAsync (CRDT capture)", "rows/s", nodeMedian);
        Measure.Report("  the same, metrics aggregated by the Prometheus exporter", "rows/s", Measure.Median(metered));
        Console.WriteLine($"{"ratio node / raw",-58} {nodeMedian / rawMedian,14:0.00}x");
        Console.WriteLine($"{"ratio node / raw + metadata triggers",-58} {nodeMedian / layoutMedian,14:0.00}x");
    }

    private static TimeSpan RawSqlite(bool withMetadata)
    {
        var dir = Measure.Workspace();
        try
        {
            using var db = Measure.OpenRawTodos(dir);
            db.Execute("PRAGMA temp_store = MEMORY");
            if (withMetadata)
            {
                db.Execute(MetadataDdl);
            }

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

    /// <param name="scraped">Runs the Prometheus exporter on the node's meter, as <c>telemetry.prometheus.addr</c> does.</param>
    private static async Task<TimeSpan> NodeAsync(bool scraped)
    {
        var dir = Measure.Workspace();
        try
        {
            await using var node = await Measure.OpenTodosNodeAsync(dir);
            using var exporter = scraped ? new Corrosion.Http.Metrics.PrometheusExporter(i => ReferenceEquals(i.Meter, node.Metrics.Meter)) : null;
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

                // One scrape at the end: what a Prometheus server would read (counts the table once).
                _ = exporter?.Collect();
            });
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
