using System.Text.Json;
using Corrosion.Storage;

namespace Corrosion.Subscriptions;

/// <summary>
/// Persists subscriptions in their own SQLite file (<c>&lt;subscriptions_path&gt;/subscriptions.sqlite</c>), never
/// in the replicated database: the query and its parameters, the columns, the current result rows with their row
/// ids and identity keys, the last change id and a bounded history of recent changes. One connection, serialized.
/// </summary>
internal sealed class SubscriptionStore : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS subs (
            id TEXT NOT NULL PRIMARY KEY,
            sql TEXT NOT NULL,
            params BLOB NOT NULL,
            param_names TEXT,
            columns BLOB NOT NULL,
            last_change_id INTEGER NOT NULL,
            next_rowid INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS sub_rows (
            sub_id TEXT NOT NULL,
            key TEXT NOT NULL,
            rowid INTEGER NOT NULL,
            cells BLOB NOT NULL,
            hidden BLOB NOT NULL,
            PRIMARY KEY (sub_id, key)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS sub_changes (
            sub_id TEXT NOT NULL,
            change_id INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            rowid INTEGER NOT NULL,
            cells BLOB NOT NULL,
            PRIMARY KEY (sub_id, change_id)
        ) WITHOUT ROWID;
        """;

    private readonly Lock _gate = new();
    private readonly SqliteConnection _db;

    private SubscriptionStore(SqliteConnection db) => _db = db;

    public static SubscriptionStore Open(string directory, TimeSpan busyTimeout)
    {
        Directory.CreateDirectory(directory);
        var db = SqliteConnection.Open(Path.Combine(directory, "subscriptions.sqlite"), readOnly: false, busyTimeout);
        try
        {
            db.Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
            db.Execute(Schema);
            return new SubscriptionStore(db);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    public List<StoredSubscription> LoadAll()
    {
        lock (_gate)
        {
            var result = new List<StoredSubscription>();
            using var subs = _db.PrepareUncached("SELECT id, sql, params, param_names, columns, last_change_id, next_rowid FROM subs");
            while (subs.Step())
            {
                var id = Guid.Parse(subs.GetText(0));
                var values = CellCodec.Decode(subs.GetBlobSpan(2));
                Statement statement = subs.ColumnKind(3) == SqlValueKind.Null
                    ? new Statement(subs.GetText(1), values)
                    : new Statement(subs.GetText(1), JsonSerializer.Deserialize<string[]>(subs.GetText(3))!.Zip(values).ToDictionary(p => p.First, p => p.Second));
                var columns = CellCodec.Decode(subs.GetBlobSpan(4)).Select(c => c.AsText).ToArray();
                result.Add(new StoredSubscription(id, statement, columns, subs.GetInt64(5), subs.GetInt64(6), LoadRows(id), LoadHistory(id)));
            }

            return result;
        }
    }

    private Dictionary<string, ResultRow> LoadRows(Guid id)
    {
        var rows = new Dictionary<string, ResultRow>(StringComparer.Ordinal);
        using var statement = _db.PrepareUncached("SELECT key, rowid, cells, hidden FROM sub_rows WHERE sub_id = ?1");
        statement.Bind(1, id.ToString());
        while (statement.Step())
        {
            rows[statement.GetText(0)] = new ResultRow(statement.GetInt64(1), CellCodec.Decode(statement.GetBlobSpan(2)), CellCodec.Decode(statement.GetBlobSpan(3)));
        }

        return rows;
    }

    private List<ChangeRecord> LoadHistory(Guid id)
    {
        var history = new List<ChangeRecord>();
        using var statement = _db.PrepareUncached("SELECT change_id, kind, rowid, cells FROM sub_changes WHERE sub_id = ?1 ORDER BY change_id");
        statement.Bind(1, id.ToString());
        while (statement.Step())
        {
            history.Add(new ChangeRecord(statement.GetInt64(0), (ChangeKind)statement.GetInt64(1), statement.GetInt64(2), CellCodec.Decode(statement.GetBlobSpan(3))));
        }

        return history;
    }

    /// <summary>Writes a new subscription and its initial rows.</summary>
    public void Create(Guid id, Statement statement, IReadOnlyList<string> columns, IReadOnlyDictionary<string, ResultRow> rows, long lastChangeId, long nextRowId)
    {
        lock (_gate)
        {
            InTransaction(() =>
            {
                var named = statement.NamedParameters is { Count: > 0 } n ? n : null;
                var values = named is null ? statement.Parameters.ToArray() : named.Values.ToArray();
                SqlValue names = named is null ? SqlValue.Null : JsonSerializer.Serialize(named.Keys.ToArray());
                var key = id.ToString();
                _db.Execute("DELETE FROM sub_rows WHERE sub_id = ?1", key);
                _db.Execute("DELETE FROM sub_changes WHERE sub_id = ?1", key);
                _db.Execute(
                    "INSERT OR REPLACE INTO subs (id, sql, params, param_names, columns, last_change_id, next_rowid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    key, statement.Sql, CellCodec.Encode(values), names, CellCodec.Encode(columns.Select(c => SqlValue.FromText(c)).ToArray()), lastChangeId, nextRowId);
                foreach (var (rowKey, row) in rows)
                {
                    UpsertRow(key, rowKey, row);
                }
            });
        }
    }

    /// <summary>
    /// Records matched batches, all in one transaction (one commit per dispatch rather than one per subscription):
    /// row upserts (value) and deletes (null), new changes, and the trimmed history.
    /// </summary>
    public void SaveAll(IReadOnlyList<MatchedBatch> batches)
    {
        lock (_gate)
        {
            InTransaction(() =>
            {
                foreach (var batch in batches)
                {
                    var key = batch.Matcher.Id.ToString();
                    foreach (var (rowKey, row) in batch.RowWrites)
                    {
                        if (row is null)
                        {
                            _db.Execute("DELETE FROM sub_rows WHERE sub_id = ?1 AND key = ?2", key, rowKey);
                        }
                        else
                        {
                            UpsertRow(key, rowKey, row);
                        }
                    }

                    foreach (var change in batch.Records)
                    {
                        _db.Execute(
                            "INSERT OR REPLACE INTO sub_changes (sub_id, change_id, kind, rowid, cells) VALUES (?1, ?2, ?3, ?4, ?5)",
                            key, change.ChangeId, (long)change.Kind, change.RowId, CellCodec.Encode(change.Cells));
                    }

                    _db.Execute("DELETE FROM sub_changes WHERE sub_id = ?1 AND change_id <= ?2", key, batch.KeepChangesAfter);
                    _db.Execute("UPDATE subs SET last_change_id = ?2, next_rowid = ?3 WHERE id = ?1", key, batch.ChangeId, batch.NextRowId);
                }
            });
        }
    }

    public void Delete(Guid id)
    {
        lock (_gate)
        {
            InTransaction(() =>
            {
                var key = id.ToString();
                _db.Execute("DELETE FROM sub_rows WHERE sub_id = ?1", key);
                _db.Execute("DELETE FROM sub_changes WHERE sub_id = ?1", key);
                _db.Execute("DELETE FROM subs WHERE id = ?1", key);
            });
        }
    }

    private void UpsertRow(string subId, string rowKey, ResultRow row) =>
        _db.Execute(
            "INSERT OR REPLACE INTO sub_rows (sub_id, key, rowid, cells, hidden) VALUES (?1, ?2, ?3, ?4, ?5)",
            subId, rowKey, row.RowId, CellCodec.Encode(row.Cells), CellCodec.Encode(row.Hidden));

    private void InTransaction(Action work)
    {
        _db.Execute("BEGIN IMMEDIATE");
        try
        {
            work();
            _db.Execute("COMMIT");
        }
        catch
        {
            _db.Execute("ROLLBACK");
            throw;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _db.Dispose();
        }
    }
}
