using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Corrosion.Storage;

namespace Corrosion.Crdt;

/// <summary>
/// Captures rows inserted by client statements through SQLite's update hook and writes their cr-sqlite metadata
/// (pks row, sentinel, one clock row per column) in bulk, before the next statement that could see that metadata
/// and before the version is read back. A per-row insert trigger would make every INSERT a multi-write statement
/// with a statement journal and run the trigger program per row, which costs several times the insert itself
/// (bench: insert). Updates and deletes keep their triggers: they need the old row, which the hook does not give.
/// </summary>
internal sealed unsafe partial class DeferredInsertCapture : IDisposable
{
    private const int SqliteInsert = 18;
    private const int ChunkRows = 10_000;

    private readonly SqliteConnection _db;
    private readonly Func<long> _dbVersion;
    private readonly Func<int, long> _reserveSeqs;
    private readonly StringBuilder _json = new();
    private Pending[] _tables = [];
    private GCHandle _self;
    private readonly List<NewRows> _newRows = [];
    private long _newRowSeqs;
    private bool _hasPending;

    private DeferredInsertCapture(SqliteConnection db, Func<long> dbVersion, Func<int, long> reserveSeqs)
    {
        _db = db;
        _dbVersion = dbVersion;
        _reserveSeqs = reserveSeqs;
    }

    /// <summary>Whether client statements are running now; the hook ignores every other write.</summary>
    public bool Capturing { get; set; }

    /// <param name="db">The writer connection.</param>
    /// <param name="dbVersion">The transaction's db_version, allocated on first use.</param>
    /// <param name="reserveSeqs">Reserves that many seqs of the transaction and returns the first.</param>
    public static DeferredInsertCapture Install(SqliteConnection db, Func<long> dbVersion, Func<int, long> reserveSeqs)
    {
        var capture = new DeferredInsertCapture(db, dbVersion, reserveSeqs);
        capture._self = GCHandle.Alloc(capture);
        _ = sqlite3_update_hook(db.Handle.DangerousGetHandle(), &OnRowChanged, GCHandle.ToIntPtr(capture._self));
        return capture;
    }

    /// <summary>The tables whose inserts are deferred (those with a rowid; the rest keep their insert trigger).</summary>
    public void SetTables(IEnumerable<CrrTable> tables)
    {
        Clear();
        _tables = [.. tables.Where(t => t.DefersInserts).Select(t => new Pending(t, Encoding.UTF8.GetBytes(t.Name)))];
    }

    /// <summary>
    /// Writes the metadata of every captured insert, in rowid order per table (the order rows were inserted in,
    /// except for REPLACE), in chunks so that a huge INSERT ... SELECT neither builds one giant parameter nor
    /// misses a cancellation between chunks.
    /// </summary>
    public void Flush(CancellationToken cancellationToken)
    {
        if (!_hasPending)
        {
            return;
        }

        _hasPending = false;
        var dbVersion = SqlValue.FromInteger(_dbVersion());
        foreach (var pending in _tables)
        {
            // A rowid can repeat (INSERT OR REPLACE of a row inserted earlier in the same statement).
            var rowIds = pending.RowIds;
            rowIds.Sort();
            var distinct = 0;
            for (var i = 0; i < rowIds.Count; i++)
            {
                if (i == 0 || rowIds[i] != rowIds[distinct - 1])
                {
                    rowIds[distinct++] = rowIds[i];
                }
            }

            for (var start = 0; start < distinct; start += ChunkRows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(ChunkRows, distinct - start);
                _json.Clear().Append('[');
                for (var i = start; i < start + count; i++)
                {
                    _json.Append(i == start ? string.Empty : ",").Append(rowIds[i]);
                }

                WriteChunk(pending.Table, SqlValue.FromText(_json.Append(']').ToString()), count, dbVersion);
            }

            rowIds.Clear();
        }
    }

    private void WriteChunk(CrrTable table, SqlValue rowIds, int count, SqlValue dbVersion)
    {
        var firstKey = _db.Scalar(table.NextNewKeySql);
        if (_db.Execute(table.InsertKeysSql, rowIds, firstKey) == count)
        {
            // Every row got a new key, so none has clock rows yet: they follow from the row's position alone.
            var seqs = count * table.SeqsPerInsertedRow;
            var firstSeq = _reserveSeqs(seqs);
            _db.Execute(table.InsertNewRowClocksSql, rowIds, firstKey, dbVersion, SqlValue.FromInteger(firstSeq));
            _newRows.Add(new NewRows(table, rowIds, firstKey, firstSeq, count));
            _newRowSeqs += seqs;
            return;
        }

        var statements = table.FlushInsertsSql;
        for (var i = 0; i < statements.Count - 1; i++)
        {
            _db.Execute(statements[i], rowIds, dbVersion);
        }

        // Reserved only now, after any re-created sentinels took theirs from the counter.
        _db.Execute(statements[^1], rowIds, dbVersion, SqlValue.FromInteger(_reserveSeqs(count * table.SeqsPerInsertedRow)));
    }

    /// <summary>
    /// The changes of the transaction, built from the rows it inserted, when those rows are all it changed: every
    /// one got a new key, and no trigger took a seq since (<paramref name="seqsTaken"/> is the transaction's seq
    /// counter). Returns false when the changes must be read from the clock tables instead.
    /// </summary>
    public bool TryReadNewRows(long seqsTaken, ActorId actor, long dbVersion, List<Change> changes)
    {
        try
        {
            if (_newRows.Count == 0 || _newRowSeqs != seqsTaken)
            {
                return false;
            }

            // Chunks took their seqs in order, so the changes are in seq order when each chunk's rows come in
            // position order, which SQLite gives in practice but does not promise.
            var inOrder = true;
            foreach (var rows in _newRows)
            {
                var table = rows.Table;
                var statement = _db.Prepare(table.ReadNewRowsSql);
                try
                {
                    statement.Bind(1, rows.RowIds);
                    statement.Bind(2, rows.FirstKey);
                    var read = 0;
                    var previous = -1L;
                    while (statement.Step())
                    {
                        var position = statement.GetInt64(0);
                        inOrder &= position > previous;
                        previous = position;
                        var pk = statement.GetBlobSpan(1).ToArray();
                        var seq = rows.FirstSeq + (position * table.SeqsPerInsertedRow);
                        if (table.ValueColumns.Count == 0)
                        {
                            changes.Add(new Change(table.Name, pk, Change.SentinelCid, SqlValue.Null, 1, dbVersion, actor, 1, seq));
                        }

                        for (var c = 0; c < table.ValueColumns.Count; c++)
                        {
                            changes.Add(new Change(table.Name, pk, table.ValueColumns[c], statement.GetValue(c + 2), 1, dbVersion, actor, 1, seq + c));
                        }

                        read++;
                    }

                    if (read != rows.Count)
                    {
                        // A row went away without a trigger seeing it (it cannot, but then the clocks are the truth).
                        changes.Clear();
                        return false;
                    }
                }
                finally
                {
                    statement.Reset();
                }
            }

            if (!inOrder)
            {
                changes.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
            }

            return true;
        }
        finally
        {
            ForgetNewRows();
        }
    }

    private void ForgetNewRows()
    {
        _newRows.Clear();
        _newRowSeqs = 0;
    }

    /// <summary>Forgets captured inserts (the transaction rolled back).</summary>
    public void Clear()
    {
        _hasPending = false;
        ForgetNewRows();
        foreach (var pending in _tables)
        {
            pending.RowIds.Clear();
        }
    }

    public void Dispose()
    {
        if (_self.IsAllocated)
        {
            _ = sqlite3_update_hook(_db.Handle.DangerousGetHandle(), null, IntPtr.Zero);
            _self.Free();
        }
    }

    private void Record(int operation, byte* table, long rowId)
    {
        if (!Capturing || operation != SqliteInsert)
        {
            return;
        }

        var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(table);
        foreach (var pending in _tables)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(name, pending.Name))
            {
                pending.RowIds.Add(rowId);
                _hasPending = true;
                return;
            }
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnRowChanged(IntPtr userData, int operation, byte* database, byte* table, long rowId)
    {
        var self = (DeferredInsertCapture)GCHandle.FromIntPtr(userData).Target!;
        self.Record(operation, table, rowId);
    }

    /// <summary>A chunk of inserted rows that all got new keys, from <paramref name="FirstKey"/> and <paramref name="FirstSeq"/> on.</summary>
    private sealed record NewRows(CrrTable Table, SqlValue RowIds, SqlValue FirstKey, long FirstSeq, int Count);

    private sealed record Pending(CrrTable Table, byte[] Name)
    {
        public List<long> RowIds { get; } = [];
    }

    [LibraryImport("e_sqlite3")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial IntPtr sqlite3_update_hook(
        IntPtr db,
        delegate* unmanaged[Cdecl]<IntPtr, int, byte*, byte*, long, void> callback,
        IntPtr userData);
}
