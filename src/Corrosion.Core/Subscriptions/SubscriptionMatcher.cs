using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Corrosion.Crdt;
using Corrosion.Logging;
using Corrosion.Storage;
using Microsoft.Extensions.Logging;

namespace Corrosion.Subscriptions;

/// <summary>
/// One subscription: its query, its current result keyed by row identity, its change ids and history, and its
/// clients. A single loop reads committed changes from the node's change feed, coalesces what is queued, re-runs the
/// query (restricted to the changed keys on the fast path, whole otherwise) on a reader connection, diffs against the
/// held result, persists, and hands the changes to every client without waiting on any of them.
/// </summary>
internal sealed class SubscriptionMatcher : IAsyncDisposable
{
    // Above this many changed keys a restricted re-run stops paying off (and its SQL grows): re-run everything.
    private const int MaxRestrictedKeys = 500;

    private readonly SubscriptionContext _context;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ResultRow> _rows;
    private readonly Queue<ChangeRecord> _history;
    private readonly List<SubscriptionClient> _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private long _nextRowId;
    private long _lastChangeId;
    private TimeSpan _queryTime;
    private DateTimeOffset _idleSince;
    private Task _loop = Task.CompletedTask;

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
    }

    public Guid Id { get; }

    public string Key { get; }

    public Statement Statement { get; }

    public IReadOnlyList<string> Columns { get; }

    public QueryShape Shape { get; }

    public IReadOnlySet<string> Tables { get; }

    /// <summary>
    /// Starts matching. <paramref name="feed"/> must have been opened before the result now held was read, so no
    /// commit falls in between; with <paramref name="resync"/> the whole query is re-run first (after a restart).
    /// </summary>
    public void Start(ChangeFeedSubscription feed, bool resync) => _loop = Task.Run(() => RunAsync(feed, resync, _stop.Token));

    /// <summary>Runs the whole query and keeps its rows as the initial result (row ids from 1).</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var (rows, elapsed) = await RunQueryAsync(null, cancellationToken).ConfigureAwait(false);
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
            _clients.Add(client);
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

    private async Task RunAsync(ChangeFeedSubscription feed, bool resync, CancellationToken cancellationToken)
    {
        try
        {
            if (resync)
            {
                await MatchSafelyAsync(null, cancellationToken).ConfigureAwait(false);
            }

            while (true)
            {
                bool more;
                try
                {
                    more = await feed.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (ChannelClosedException)
                {
                    // This loop fell behind the feed and was cut off: start over from a full re-run, which sees every
                    // commit, including those dropped.
                    Log.SubscriptionFellBehindFeed(_context.Logger, Id);
                    feed.Dispose();
                    feed = _context.Feed.Subscribe(_context.FeedCapacity, BoundedChannelFullMode.Wait);
                    await MatchSafelyAsync(null, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (!more)
                {
                    return;
                }

                // Coalesce whatever is queued into one match.
                Dictionary<string, HashSet<string>>? changed = new(StringComparer.OrdinalIgnoreCase);
                var relevant = false;
                var keys = 0;
                while (feed.Reader.TryRead(out var committed))
                {
                    foreach (var change in committed.Changeset.Changes)
                    {
                        if (!Tables.Contains(change.Table))
                        {
                            continue;
                        }

                        relevant = true;
                        if (changed is null)
                        {
                            continue;
                        }

                        if (!changed.TryGetValue(change.Table, out var set))
                        {
                            changed[change.Table] = set = new HashSet<string>(StringComparer.Ordinal);
                        }

                        if (set.Add(Convert.ToHexString(change.Pk)) && ++keys > MaxRestrictedKeys)
                        {
                            changed = null;
                        }
                    }
                }

                if (relevant)
                {
                    await MatchSafelyAsync(Shape.FastPath ? changed : null, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            feed.Dispose();
        }
    }

    private async Task MatchSafelyAsync(Dictionary<string, HashSet<string>>? changed, CancellationToken cancellationToken)
    {
        try
        {
            await MatchAsync(changed, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The query no longer runs (a schema change, a full disk): its clients cannot be kept correct.
            Log.SubscriptionMatchFailed(_context.Logger, Id, ex);
            lock (_gate)
            {
                foreach (var client in _clients)
                {
                    client.Fail($"subscription {Id} failed to match changes: {ex.Message}");
                }
            }
        }
    }

    /// <summary>Re-runs the query (restricted to <paramref name="changed"/> keys when given) and emits the differences.</summary>
    internal async Task MatchAsync(Dictionary<string, HashSet<string>>? changed, CancellationToken cancellationToken)
    {
        var (rows, elapsed) = await RunQueryAsync(changed, cancellationToken).ConfigureAwait(false);

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
            return;
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

        // Persist first: a change id a client has seen must survive a crash with the same content.
        var keepAfter = changeId - _context.HistoryLimit;
        _context.Store.Save(Id, changeId, nextRowId, rowWrites, records, keepAfter);

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
            if (changed is null)
            {
                _queryTime = elapsed;
            }

            for (var i = _clients.Count - 1; i >= 0; i--)
            {
                var client = _clients[i];
                foreach (var record in records)
                {
                    if (!client.TryDeliver(record.ToEvent()))
                    {
                        Log.SubscriptionClientFellBehind(_context.Logger, Id, _context.ClientBufferSize);
                        _clients.RemoveAt(i);
                        if (_clients.Count == 0)
                        {
                            _idleSince = _context.Time.GetUtcNow();
                        }

                        break;
                    }
                }
            }
        }

        Log.SubscriptionMatched(_context.Logger, Id, records.Count, changed is null ? "full" : "restricted");
    }

    private bool IsAffected(ResultRow row, Dictionary<string, HashSet<string>> changed)
    {
        foreach (var source in Shape.Sources)
        {
            if (changed.TryGetValue(source.Table, out var keys)
                && keys.Contains(Convert.ToHexString(PackedPk.Pack(row.Hidden.AsSpan(source.FirstHiddenColumn, source.KeyColumns)))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Runs the query on a reader connection: the whole of it, or only the rows of the changed keys.</summary>
    private async Task<(List<(string Key, SqlValue[] Cells, SqlValue[] Hidden)> Rows, TimeSpan Elapsed)> RunQueryAsync(Dictionary<string, HashSet<string>>? changed, CancellationToken cancellationToken)
    {
        var sql = changed is null ? Shape.Sql : RestrictedSql(changed);
        var connection = await _context.Readers.RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = Stopwatch.GetTimestamp();
            using var statement = connection.PrepareUncached(sql);
            ParameterBinder.Bind(statement, Statement);
            var visible = Columns.Count;
            var rows = new List<(string, SqlValue[], SqlValue[])>();
            var occurrences = new Dictionary<string, int>(StringComparer.Ordinal);
            using var interrupt = cancellationToken.Register(connection.Interrupt);
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
        finally
        {
            _context.Readers.Return(connection);
        }
    }

    /// <summary>The rewritten query wrapped to keep only rows whose identity includes a changed primary key.</summary>
    private string RestrictedSql(Dictionary<string, HashSet<string>> changed)
    {
        var builder = new StringBuilder("SELECT * FROM (").Append(Shape.Sql).Append(") WHERE ");
        var first = true;
        foreach (var source in Shape.Sources)
        {
            if (!changed.TryGetValue(source.Table, out var keys))
            {
                continue;
            }

            builder.Append(first ? "(" : " OR (");
            first = false;
            for (var k = 0; k < source.KeyColumns; k++)
            {
                builder.Append(k == 0 ? string.Empty : ", ").Append(SubscriptionQueryAnalyzer.HiddenPrefix).Append(source.FirstHiddenColumn + k);
            }

            builder.Append(") IN (VALUES ");
            var firstKey = true;
            foreach (var hex in keys)
            {
                builder.Append(firstKey ? "(" : ", (");
                firstKey = false;
                var values = PackedPk.Unpack(Convert.FromHexString(hex));
                for (var v = 0; v < values.Length; v++)
                {
                    builder.Append(v == 0 ? string.Empty : ", ");
                    AppendLiteral(builder, values[v]);
                }

                builder.Append(')');
            }

            builder.Append(')');
        }

        return first ? Shape.Sql + " LIMIT 0" : builder.ToString();
    }

    private static void AppendLiteral(StringBuilder builder, SqlValue value)
    {
        switch (value.Kind)
        {
            case SqlValueKind.Integer:
                builder.Append(value.AsInteger.ToString(CultureInfo.InvariantCulture));
                break;
            case SqlValueKind.Real:
                var real = value.AsReal;
                var text = double.IsPositiveInfinity(real) ? "9e999" : double.IsNegativeInfinity(real) ? "-9e999" : real.ToString("R", CultureInfo.InvariantCulture);

                // Keep it a REAL literal: "2" would be read as an integer.
                builder.Append(text).Append(text.Any(c => c is '.' or 'E' or 'e') ? string.Empty : ".0");
                break;
            case SqlValueKind.Text:
                builder.Append('\'').Append(value.AsText.Replace("'", "''", StringComparison.Ordinal)).Append('\'');
                break;
            case SqlValueKind.Blob:
                builder.Append("X'").Append(Convert.ToHexString(value.AsBlob)).Append('\'');
                break;
            default:
                builder.Append("NULL");
                break;
        }
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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }
}
