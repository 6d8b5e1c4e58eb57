using System.Diagnostics;
using System.Globalization;
using System.Text;
using Corrosion.Crdt;
using Corrosion.Logging;
using Corrosion.Storage;
using Microsoft.Extensions.Logging;

namespace Corrosion.Subscriptions;

/// <summary>
/// One subscription: its query, its current result keyed by row identity, its change ids and history, and its
/// clients. The node's <see cref="SubscriptionDispatcher"/> routes it the changed keys of the commits that touch a
/// table it reads; when run, it re-runs the query (restricted to the changed keys on the fast path, whole otherwise)
/// on the reader connection it is given, diffs against the held result, persists, and hands the changes to every
/// client without waiting on any of them.
/// </summary>
internal sealed class SubscriptionMatcher
{
    // Named parameters the restricted SQL adds for the changed keys; not used when the query's text could hold one.
    private const string KeysParameterPrefix = ":__corro_keys_";

    private readonly SubscriptionContext _context;
    private readonly Lock _gate = new();
    private readonly bool _keysParameterFree;

    // Work routed to this matcher and not yet run: the dispatches' changed keys, or a full re-run. Guarded by
    // _pendingGate, which the dispatcher takes once per dispatch and never while a match runs.
    private readonly Lock _pendingGate = new();
    private readonly List<ChangedKeys> _pending = [];
    private bool _pendingFull;
    private bool _hasPending;
    private bool _started;

    // Held while a match runs, so that stopping waits for a running match to finish before the state is deleted.
    private readonly Lock _runGate = new();
    private volatile bool _stopped;
    private readonly Dictionary<string, ResultRow> _rows;
    private readonly Queue<ChangeRecord> _history;
    private readonly List<SubscriptionClient> _clients = [];
    private bool _ended;
    private long _nextRowId;
    private long _lastChangeId;
    private TimeSpan _queryTime;
    private DateTimeOffset _idleSince;

    public SubscriptionMatcher(SubscriptionContext context, Guid id, string key, Statement statement, IReadOnlyList<string> columns, QueryShape shape, IReadOnlySet<string> tables, StoredSubscription? stored)
    {
        _context = context;
        Id = id;
        Key = key;
        Statement = statement;
        Columns = columns;
        Shape = shape;
        Tables = tables;
        _rows = stored?.Rows ?? new Dictionary<string, ResultRow>(StringComparer.Ordinal);
        _history = new Queue<ChangeRecord>(stored?.History ?? []);
        _nextRowId = stored?.NextRowId ?? 1;
        _lastChangeId = stored?.LastChangeId ?? 0;
        _idleSince = context.Time.GetUtcNow();
        _keysParameterFree = !shape.Sql.Contains(KeysParameterPrefix[1..], StringComparison.OrdinalIgnoreCase);
    }

    public Guid Id { get; }

    public string Key { get; }

    public Statement Statement { get; }

    public IReadOnlyList<string> Columns { get; }

    public QueryShape Shape { get; }

    public IReadOnlySet<string> Tables { get; }

    /// <summary>
    /// Lets the dispatcher run this matcher, with what was routed to it while it initialized; with
    /// <paramref name="resync"/> the whole query is re-run first (after a restart).
    /// </summary>
    public void MarkStarted(bool resync)
    {
        lock (_pendingGate)
        {
            _started = true;
            if (resync)
            {
                _pendingFull = true;
                _hasPending = true;
                _pending.Clear();
            }
        }
    }

    /// <summary>
    /// Takes a dispatch's changed keys (null: none) if they touch a table this query reads, or a full re-run with
    /// <paramref name="resync"/>; returns whether this matcher should run now.
    /// </summary>
    public bool Route(ChangedKeys? changed, bool resync)
    {
        lock (_pendingGate)
        {
            if (_stopped)
            {
                return false;
            }

            if (resync || (changed is not null && Touches(changed)))
            {
                _hasPending = true;
                if (resync || !Shape.FastPath)
                {
                    _pendingFull = true;
                    _pending.Clear();
                }
                else if (!_pendingFull)
                {
                    _pending.Add(changed!);
                }
            }

            return _started && _hasPending;
        }
    }

    private bool Touches(ChangedKeys changed)
    {
        foreach (var table in changed.Tables.Keys)
        {
            if (Tables.Contains(table))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Runs what was routed to this matcher, on <paramref name="connection"/> (the caller's, rented). Returns the
    /// changes found, for the dispatcher to persist (with those of the other matchers of the dispatch) and then
    /// <see cref="Apply"/>; null when there are none or the query failed (its clients are then failed).
    /// </summary>
    public MatchedBatch? Match(SqliteConnection connection, CancellationToken cancellationToken)
    {
        lock (_runGate)
        {
            if (_stopped)
            {
                return null;
            }

            ChangedKeys? changed;
            lock (_pendingGate)
            {
                if (!_hasPending)
                {
                    return null;
                }

                changed = _pendingFull ? null : _pending.Count == 1 ? _pending[0] : ChangedKeys.Merge(_pending);
                _pending.Clear();
                _pendingFull = false;
                _hasPending = false;
            }

            if (changed is not null && !CanRestrict(changed))
            {
                changed = null;
            }

            return MatchSafely(connection, changed, cancellationToken);
        }
    }

    /// <summary>Whether the changed keys of the tables this query reads are few enough for a restricted re-run.</summary>
    private bool CanRestrict(ChangedKeys changed)
    {
        var keys = 0;
        foreach (var (table, tableKeys) in changed.Tables)
        {
            if (!Tables.Contains(table))
            {
                continue;
            }

            if (tableKeys.Overflow || (keys += tableKeys.Hex.Count) > ChangedKeys.MaxRestrictedKeys)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Runs the whole query and keeps its rows as the initial result (row ids from 1).</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var connection = await _context.Readers.RentAsync(cancellationToken).ConfigureAwait(false);
        List<(string Key, SqlValue[] Cells, SqlValue[] Hidden)> rows;
        TimeSpan elapsed;
        try
        {
            using var interrupt = cancellationToken.Register(connection.Interrupt);
            (rows, elapsed) = RunQuery(connection, null);
        }
        finally
        {
            _context.Readers.Return(connection);
        }

        foreach (var (key, cells, hidden) in rows)
        {
            _rows[key] = new ResultRow(_nextRowId++, cells, hidden);
        }

        _queryTime = elapsed;
        _context.Store.Create(Id, Statement, Columns, _rows, _lastChangeId, _nextRowId);
    }

    /// <summary>True when no client has been attached since <paramref name="cutoff"/>.</summary>
    public bool IsIdleSince(DateTimeOffset cutoff)
    {
        lock (_gate)
        {
            return _clients.Count == 0 && _idleSince <= cutoff;
        }
    }

    /// <summary>
    /// Adds a client. Under the lock the snapshot (or the replayed history) and the registration happen together,
    /// so the client misses no change and sees none twice.
    /// </summary>
    public SubscriptionClient Attach(SubscribeOptions options)
    {
        lock (_gate)
        {
            List<SubscriptionEvent> initial;
            if (options.From is { } from)
            {
                if (from < 0 || from > _lastChangeId)
                {
                    throw new SubscriptionException($"change id {from} is out of range: subscription {Id} is at change id {_lastChangeId}");
                }

                var oldest = _history.Count > 0 ? _history.Peek().ChangeId : _lastChangeId + 1;
                if (from < oldest - 1)
                {
                    throw new SubscriptionException(
                        $"changes after change id {from} are no longer held by subscription {Id} (its history starts at change id {oldest}); subscribe again without 'from' to get the current rows");
                }

                initial = [.. _history.Where(c => c.ChangeId > from).Select(c => (SubscriptionEvent)c.ToEvent())];
            }
            else
            {
                initial = [new SubscriptionEvent.Columns(Columns)];
                if (!options.SkipRows)
                {
                    initial.AddRange(_rows.Values.OrderBy(r => r.RowId).Select(r => new SubscriptionEvent.Row(r.RowId, r.Cells)));
                }

                initial.Add(new SubscriptionEvent.EndOfQuery(_queryTime, _lastChangeId));
            }

            var client = new SubscriptionClient(Id, Columns, initial, _context.ClientBufferSize, Leave);
            if (_ended)
            {
                // The node is stopping: the client gets what it joined with, then its stream ends.
                client.End();
            }
            else
            {
                _clients.Add(client);
            }

            return client;
        }
    }

    private void Leave(SubscriptionClient client)
    {
        lock (_gate)
        {
            if (_clients.Remove(client) && _clients.Count == 0)
            {
                _idleSince = _context.Time.GetUtcNow();
            }
        }
    }

    private MatchedBatch? MatchSafely(SqliteConnection connection, ChangedKeys? changed, CancellationToken cancellationToken)
    {
        try
        {
            return Match(connection, changed);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Fail(ex);
            return null;
        }
    }

    /// <summary>
    /// The query no longer runs, or its changes could not be persisted (a schema change, a full disk): its clients
    /// cannot be kept correct, so their streams end with an error.
    /// </summary>
    public void Fail(Exception exception)
    {
        Log.SubscriptionMatchFailed(_context.Logger, Id, exception);
        lock (_gate)
        {
            foreach (var client in _clients)
            {
                client.Fail($"subscription {Id} failed to match changes: {exception.Message}");
            }
        }
    }

    /// <summary>Re-runs the query (restricted to <paramref name="changed"/> keys when given) and emits the differences.</summary>
    private MatchedBatch? Match(SqliteConnection connection, ChangedKeys? changed)
    {
        var (rows, elapsed) = RunQuery(connection, changed);

        // Only this loop changes _rows, so it reads them without the lock; clients read them under it.
        IEnumerable<KeyValuePair<string, ResultRow>> affected = changed is null ? _rows : _rows.Where(r => IsAffected(r.Value, changed));
        var old = affected.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        var deletes = new List<string>();
        var inserts = new List<(string Key, SqlValue[] Cells, SqlValue[] Hidden)>();
        var emitted = new List<(ChangeKind Kind, string? Remove, string? Add, ResultRow Row)>();
        foreach (var (key, cells, hidden) in rows)
        {
            fresh.Add(key);
            if (!old.TryGetValue(key, out var existing))
            {
                inserts.Add((key, cells, hidden));
            }
            else if (!existing.Cells.AsSpan().SequenceEqual(cells))
            {
                emitted.Add((ChangeKind.Update, key, key, new ResultRow(existing.RowId, cells, hidden)));
            }
        }

        foreach (var key in old.Keys)
        {
            if (!fresh.Contains(key))
            {
                deletes.Add(key);
            }
        }

        var paired = 0;
        if (!Shape.HasIdentity)
        {
            // Rows identified by value have no "same row" across a change: pair a vanished row with a new one as
            // an update, so a one-row aggregate changes in place instead of being deleted and inserted.
            paired = Math.Min(deletes.Count, inserts.Count);
            for (var i = 0; i < paired; i++)
            {
                var (key, cells, hidden) = inserts[i];
                emitted.Add((ChangeKind.Update, deletes[i], key, new ResultRow(old[deletes[i]].RowId, cells, hidden)));
            }
        }

        var nextRowId = _nextRowId;
        foreach (var key in deletes.Skip(paired))
        {
            emitted.Insert(0, (ChangeKind.Delete, key, null, old[key]));
        }

        foreach (var (key, cells, hidden) in inserts.Skip(paired))
        {
            emitted.Add((ChangeKind.Insert, null, key, new ResultRow(nextRowId++, cells, hidden)));
        }

        if (emitted.Count == 0)
        {
            return null;
        }

        var changeId = _lastChangeId;
        var records = emitted.Select(e => new ChangeRecord(++changeId, e.Kind, e.Row.RowId, e.Row.Cells)).ToList();
        var rowWrites = new List<(string Key, ResultRow? Row)>();
        foreach (var (_, remove, add, row) in emitted)
        {
            if (remove is not null && remove != add)
            {
                rowWrites.Add((remove, null));
            }

            if (add is not null)
            {
                rowWrites.Add((add, row));
            }
        }

        // Persisted by the dispatcher before Apply: a change id a client has seen must survive a crash with the same
        // content.
        return new MatchedBatch(this, changeId, nextRowId, changeId - _context.HistoryLimit, rowWrites, records, emitted, changed is null, elapsed);
    }

    /// <summary>Takes a persisted batch into the held result and history, and hands its changes to every client.</summary>
    /// <summary>What this subscription holds now.</summary>
    public SubscriptionInfo Describe()
    {
        lock (_gate)
        {
            return new SubscriptionInfo(Id, Statement.Sql, Columns, _rows.Count, _clients.Count, _lastChangeId, Shape.FastPath);
        }
    }

    public void Apply(MatchedBatch batch)
    {
        var (_, changeId, nextRowId, keepAfter, _, records, emitted, full, elapsed) = batch;
        lock (_gate)
        {
            foreach (var (_, remove, add, row) in emitted)
            {
                if (remove is not null)
                {
                    _rows.Remove(remove);
                }

                if (add is not null)
                {
                    _rows[add] = row;
                }
            }

            foreach (var record in records)
            {
                _history.Enqueue(record);
            }

            while (_history.Count > 0 && _history.Peek().ChangeId <= keepAfter)
            {
                _history.Dequeue();
            }

            _nextRowId = nextRowId;
            _lastChangeId = changeId;
            if (full)
            {
                _queryTime = elapsed;
            }

            // Events are immutable: one list serves every client.
            var events = _clients.Count == 0 ? [] : records.Select(r => (SubscriptionEvent)r.ToEvent()).ToList();
            for (var i = _clients.Count - 1; i >= 0; i--)
            {
                if (!_clients[i].TryDeliver(events))
                {
                    Log.SubscriptionClientFellBehind(_context.Logger, Id, _context.ClientBufferSize);
                    _clients.RemoveAt(i);
                    if (_clients.Count == 0)
                    {
                        _idleSince = _context.Time.GetUtcNow();
                    }
                }
            }
        }

        Log.SubscriptionMatched(_context.Logger, Id, records.Count, full ? "full" : "restricted");
    }

    private bool IsAffected(ResultRow row, ChangedKeys changed)
    {
        foreach (var source in Shape.Sources)
        {
            if (changed.Tables.TryGetValue(source.Table, out var keys)
                && keys.Hex.Contains(Convert.ToHexString(PackedPk.Pack(row.Hidden.AsSpan(source.FirstHiddenColumn, source.KeyColumns)))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Runs the query on a reader connection: the whole of it, or only the rows of the changed keys.</summary>
    private (List<(string Key, SqlValue[] Cells, SqlValue[] Hidden)> Rows, TimeSpan Elapsed) RunQuery(SqliteConnection connection, ChangedKeys? changed)
    {
        var keyParameters = new List<string>();
        var sql = changed is null ? Shape.Sql : RestrictedSql(changed, keyParameters);
        {
            var started = Stopwatch.GetTimestamp();
            using var statement = connection.PrepareUncached(sql);

            // The key parameters come after the query's text, so they are numbered after all of its own.
            ParameterBinder.Bind(statement, Statement, statement.ParameterCount - keyParameters.Count);
            for (var p = 0; p < keyParameters.Count; p++)
            {
                statement.Bind(statement.ParameterIndex(KeysParameterPrefix + p.ToString(CultureInfo.InvariantCulture)), SqlValue.FromText(keyParameters[p]));
            }

            var visible = Columns.Count;
            var rows = new List<(string, SqlValue[], SqlValue[])>();
            var occurrences = new Dictionary<string, int>(StringComparer.Ordinal);
            while (statement.Step())
            {
                var cells = new SqlValue[visible];
                for (var i = 0; i < visible; i++)
                {
                    cells[i] = statement.GetValue(i);
                }

                var hidden = new SqlValue[Shape.HiddenColumns];
                for (var i = 0; i < hidden.Length; i++)
                {
                    hidden[i] = statement.GetValue(visible + i);
                }

                // The identity: the hidden primary keys, or the whole row; "#n" tells equal identities apart.
                var identity = Convert.ToBase64String(CellCodec.Encode(Shape.HasIdentity ? hidden : cells));
                occurrences.TryGetValue(identity, out var n);
                occurrences[identity] = n + 1;
                rows.Add((identity + "#" + n.ToString(CultureInfo.InvariantCulture), cells, hidden));
            }

            return (rows, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// The rewritten query wrapped to keep only rows whose identity includes a changed primary key. Single-column
    /// keys go in as a JSON array parameter (added to <paramref name="keyParameters"/>), which SQLite prepares several
    /// times faster than a literal VALUES list; other keys (composite, BLOB) are written as literals.
    /// </summary>
    private string RestrictedSql(ChangedKeys changed, List<string> keyParameters)
    {
        var builder = new StringBuilder("SELECT * FROM (").Append(Shape.Sql).Append(") WHERE ");
        var first = true;
        foreach (var source in Shape.Sources)
        {
            if (!changed.Tables.TryGetValue(source.Table, out var keys))
            {
                continue;
            }

            builder.Append(first ? "(" : " OR (");
            first = false;
            for (var k = 0; k < source.KeyColumns; k++)
            {
                builder.Append(k == 0 ? string.Empty : ", ").Append(SubscriptionQueryAnalyzer.HiddenPrefix).Append(source.FirstHiddenColumn + k);
            }

            if (source.KeyColumns == 1 && _keysParameterFree && keys.Json is { } json)
            {
                builder.Append(") IN (SELECT value FROM json_each(").Append(KeysParameterPrefix).Append(keyParameters.Count).Append("))");
                keyParameters.Add(json);
            }
            else
            {
                builder.Append(") IN (VALUES ").Append(keys.ValuesSql).Append(')');
            }
        }

        return first ? Shape.Sql + " LIMIT 0" : builder.ToString();
    }

    /// <summary>Ends every client's stream with <paramref name="message"/>.</summary>
    public void FailClients(string message)
    {
        lock (_gate)
        {
            foreach (var client in _clients)
            {
                client.Fail(message);
            }

            _clients.Clear();
        }
    }

    /// <summary>
    /// Ends every client's stream without an error, and the stream of any client that attaches later: the node is
    /// stopping. The subscription itself stays (persisted), so a client resumes it with <c>from</c> after a restart.
    /// </summary>
    /// <returns>How many clients were attached.</returns>
    public int EndClients()
    {
        lock (_gate)
        {
            _ended = true;
            var count = _clients.Count;
            foreach (var client in _clients)
            {
                client.End();
            }

            if (count > 0)
            {
                // As if they had left: retention counts from now.
                _clients.Clear();
                _idleSince = _context.Time.GetUtcNow();
            }

            return count;
        }
    }

    /// <summary>Stops matching; returns once a match that is running has finished, so its state can be deleted.</summary>
    public void Stop()
    {
        lock (_runGate)
        {
            _stopped = true;
        }

        lock (_pendingGate)
        {
            _pending.Clear();
            _hasPending = false;
        }
    }
}

/// <summary>The changes one match found, to persist and then apply (see <see cref="SubscriptionMatcher.Match(SqliteConnection, CancellationToken)"/>).</summary>
internal sealed record MatchedBatch(
    SubscriptionMatcher Matcher,
    long ChangeId,
    long NextRowId,
    long KeepChangesAfter,
    List<(string Key, ResultRow? Row)> RowWrites,
    List<ChangeRecord> Records,
    List<(ChangeKind Kind, string? Remove, string? Add, ResultRow Row)> Emitted,
    bool Full,
    TimeSpan Elapsed);
