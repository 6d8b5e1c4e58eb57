using Corrosion.Crdt;
using Corrosion.Logging;
using Corrosion.Options;
using Corrosion.Schema;
using Corrosion.Storage;
using Microsoft.Extensions.Logging;

namespace Corrosion.Subscriptions;

/// <summary>
/// A node's subscriptions: one matcher per distinct (normalized SQL, parameters), found by that key or by id;
/// restored from the store at start; dropped once they have had no client for the retention period.
/// </summary>
internal sealed class SubscriptionManager : IAsyncDisposable
{
    private const int FeedCapacity = 1024;

    private readonly CorrosionOptions _options;
    private readonly SubscriptionContext _context;
    private readonly SubscriptionDispatcher _dispatcher;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _create = new(1, 1);
    private readonly Dictionary<string, SubscriptionMatcher> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, SubscriptionMatcher> _byId = [];
    private readonly CancellationTokenSource _stop = new();
    private bool _ending;
    private Task _retention = Task.CompletedTask;

    private SubscriptionManager(CorrosionOptions options, SubscriptionContext context)
    {
        _options = options;
        _context = context;
        _dispatcher = new SubscriptionDispatcher(context);
    }

    /// <summary>Opens the store under <c>db.subscriptions_path</c> and restores every persisted subscription.</summary>
    public static async Task<SubscriptionManager> StartAsync(CorrosionOptions options, ReaderPool readers, IChangeFeed feed, ILogger logger, TimeProvider time, CancellationToken cancellationToken)
    {
        var store = SubscriptionStore.Open(DirectoryOf(options), options.BusyTimeout);
        var context = new SubscriptionContext(readers, store, feed, logger, time, options.SubscriptionClientBufferSize, options.SubscriptionHistoryLimit, FeedCapacity);
        var manager = new SubscriptionManager(options, context);
        try
        {
            foreach (var stored in store.LoadAll())
            {
                await manager.RestoreAsync(stored, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await manager.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        manager._retention = Task.Run(() => manager.RetainAsync(manager._stop.Token), CancellationToken.None);
        return manager;
    }

    /// <summary>Where the subscriptions store lives: <c>db.subscriptions_path</c>, else <c>subscriptions</c> beside the database.</summary>
    public static string DirectoryOf(CorrosionOptions options) =>
        string.IsNullOrWhiteSpace(options.SubscriptionsPath)
            ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath)) ?? ".", "subscriptions")
            : options.SubscriptionsPath;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    /// <summary>Every live subscription, sorted by id.</summary>
    public IReadOnlyList<SubscriptionInfo> List()
    {
        SubscriptionMatcher[] matchers;
        lock (_gate)
        {
            matchers = [.. _byId.Values];
        }

        return [.. matchers.Select(m => m.Describe()).OrderBy(i => i.Id)];
    }

    /// <summary>Whether a subscription with this id exists, without joining it.</summary>
    public bool Contains(Guid id)
    {
        lock (_gate)
        {
            return _byId.ContainsKey(id);
        }
    }

    private async Task RestoreAsync(StoredSubscription stored, CancellationToken cancellationToken)
    {
        try
        {
            var (columns, shape, tables) = await PrepareAsync(stored.Statement, cancellationToken).ConfigureAwait(false);
            if (!columns.SequenceEqual(stored.Columns, StringComparer.Ordinal))
            {
                throw new SubscriptionException("the query's columns changed since the subscription was stored");
            }

            var matcher = new SubscriptionMatcher(_context, stored.Id, KeyOf(stored.Statement), stored.Statement, columns, shape, tables, stored);
            _dispatcher.Register(matcher);
            _dispatcher.Start(matcher, resync: true);
            lock (_gate)
            {
                _byKey[matcher.Key] = matcher;
                _byId[matcher.Id] = matcher;
            }

            Log.SubscriptionRestored(_context.Logger, stored.Id, stored.LastChangeId);
        }
        catch (Exception ex) when (ex is CorrosionException or SqliteException)
        {
            Log.SubscriptionRestoreFailed(_context.Logger, stored.Id, ex);
            _context.Store.Delete(stored.Id);
        }
    }

    /// <summary>Joins the subscription for this SQL and parameters, creating it (and running the query) if needed.</summary>
    public async Task<ISubscription> SubscribeAsync(Statement statement, SubscribeOptions options, CancellationToken cancellationToken)
    {
        var key = KeyOf(statement);
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var existing))
            {
                return existing.Attach(options);
            }
        }

        // Creations are serialized so that two clients of the same new SQL share one matcher.
        await _create.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                if (_byKey.TryGetValue(key, out var existing))
                {
                    return existing.Attach(options);
                }
            }

            var (columns, shape, tables) = await PrepareAsync(statement, cancellationToken).ConfigureAwait(false);
            var matcher = new SubscriptionMatcher(_context, Guid.NewGuid(), key, statement, columns, shape, tables, stored: null);

            // Listen before reading the initial result: a commit in between is then matched again, harmlessly.
            _dispatcher.Register(matcher);
            try
            {
                await matcher.InitializeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await _dispatcher.RemoveAsync(matcher, CancellationToken.None).ConfigureAwait(false);
                if (ex is ArgumentException or SqliteException)
                {
                    throw new StatementException(0, statement.Sql, ex.Message, ex);
                }

                throw;
            }

            _dispatcher.Start(matcher, resync: false);
            Log.SubscriptionCreated(_context.Logger, matcher.Id, shape.FastPath ? "fast path" : "full re-run", shape.Reason ?? "restricted to changed keys");
            lock (_gate)
            {
                _byKey[key] = matcher;
                _byId[matcher.Id] = matcher;
                if (_ending)
                {
                    // Created while the node began stopping, after EndClients took its list.
                    matcher.EndClients();
                }

                return matcher.Attach(options);
            }
        }
        finally
        {
            _create.Release();
        }
    }

    /// <summary>
    /// After a schema reload added columns to <paramref name="alteredTables"/>: a subscription over one of them whose
    /// result columns are no longer the ones its clients were sent (a <c>SELECT *</c>), or whose query no longer
    /// prepares, ends. Its clients get an error naming the change and subscribing again starts afresh with the new
    /// columns. Subscriptions whose columns are unchanged keep running.
    /// </summary>
    public async Task SchemaChangedAsync(IReadOnlyCollection<string> alteredTables, CancellationToken cancellationToken)
    {
        if (alteredTables.Count == 0)
        {
            return;
        }

        List<SubscriptionMatcher> candidates;
        lock (_gate)
        {
            candidates = [.. _byId.Values.Where(m => m.Tables.Any(t => alteredTables.Contains(t, StringComparer.OrdinalIgnoreCase)))];
        }

        foreach (var matcher in candidates)
        {
            string? reason;
            try
            {
                var (columns, _, _) = await PrepareAsync(matcher.Statement, cancellationToken, refreshSchema: true).ConfigureAwait(false);
                reason = columns.SequenceEqual(matcher.Columns, StringComparer.Ordinal)
                    ? null
                    : $"its columns changed from ({string.Join(", ", matcher.Columns)}) to ({string.Join(", ", columns)})";
            }
            catch (StatementException ex)
            {
                reason = $"its query no longer runs: {ex.Message}";
            }

            if (reason is null)
            {
                continue;
            }

            lock (_gate)
            {
                _byId.Remove(matcher.Id);
                _byKey.Remove(matcher.Key);
            }

            var tables = string.Join(", ", matcher.Tables.Where(t => alteredTables.Contains(t, StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal));
            matcher.FailClients($"subscription {matcher.Id} ended because the schema of {tables} changed and {reason}; subscribe again");
            await _dispatcher.RemoveAsync(matcher, CancellationToken.None).ConfigureAwait(false);
            _context.Store.Delete(matcher.Id);
            Log.SubscriptionEndedBySchemaChange(_context.Logger, matcher.Id, reason);
        }
    }

    /// <summary>
    /// Ends every client's stream without an error, and those of clients that join from now on once they have had
    /// their initial events: the node is stopping. Matching goes on until the node closes, and the subscriptions
    /// stay persisted, so a client resumes with <c>from</c> after a restart.
    /// </summary>
    /// <returns>How many client streams were ended.</returns>
    public int EndClients()
    {
        List<SubscriptionMatcher> matchers;
        lock (_gate)
        {
            _ending = true;
            matchers = [.. _byId.Values];
        }

        return matchers.Sum(m => m.EndClients());
    }

    /// <summary>Joins an existing subscription, or returns null when there is none with that id.</summary>
    public ISubscription? Get(Guid id, SubscribeOptions options)
    {
        lock (_gate)
        {
            return _byId.TryGetValue(id, out var matcher) ? matcher.Attach(options) : null;
        }
    }

    /// <summary>Prepares the statement on a reader: refuses writes and bad SQL, finds the tables read and the identity.</summary>
    private async Task<(string[] Columns, QueryShape Shape, IReadOnlySet<string> Tables)> PrepareAsync(
        Statement statement, CancellationToken cancellationToken, bool refreshSchema = false)
    {
        var connection = await _context.Readers.RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (refreshSchema)
            {
                // Preparing alone may use the schema this reader loaded before the reload; reading the schema
                // table checks its cookie, so the prepare below sees the new columns.
                _ = connection.Scalar("SELECT count(*) FROM sqlite_schema");
            }

            SqliteStatement prepared;
            HashSet<string> tables;
            try
            {
                (prepared, tables) = ReadTableCollector.Prepare(connection, statement.Sql);
            }
            catch (SqliteException ex)
            {
                throw new StatementException(0, statement.Sql, ex.Message, ex);
            }

            using (prepared)
            {
                if (!prepared.IsReadOnly)
                {
                    throw new StatementException(0, statement.Sql, "only read-only statements can be subscribed to; use transactions to write");
                }

                if (prepared.ColumnCount == 0)
                {
                    throw new StatementException(0, statement.Sql, "the statement returns no columns");
                }

                try
                {
                    ParameterBinder.Bind(prepared, statement);
                }
                catch (Exception ex) when (ex is ArgumentException or SqliteException)
                {
                    throw new StatementException(0, statement.Sql, ex.Message, ex);
                }

                var columns = Enumerable.Range(0, prepared.ColumnCount).Select(prepared.ColumnName).ToArray();
                var shape = SubscriptionQueryAnalyzer.Analyze(statement.Sql, tables, table => PrimaryKeyOf(connection, table));
                if (shape.HasIdentity && !Verify(connection, shape, columns.Length))
                {
                    shape = QueryShape.ByValue(statement.Sql, "identity columns could not be added");
                }

                return (columns, shape, tables);
            }
        }
        finally
        {
            _context.Readers.Return(connection);
        }
    }

    private static bool Verify(SqliteConnection connection, QueryShape shape, int visible)
    {
        try
        {
            using var rewritten = connection.PrepareUncached(shape.Sql);
            return rewritten.ColumnCount == visible + shape.HiddenColumns;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    private static IReadOnlyList<string> PrimaryKeyOf(SqliteConnection connection, string table)
    {
        if (!TableIntrospector.TableExists(connection, table))
        {
            return [];
        }

        return [.. TableIntrospector.ReadColumns(connection, table).Where(c => c.IsPrimaryKey).OrderBy(c => c.PrimaryKeyIndex).Select(c => c.Name)];
    }

    /// <summary>Same SQL (layout and keyword case aside) and same parameters: the same subscription.</summary>
    private static string KeyOf(Statement statement)
    {
        var named = statement.NamedParameters is { Count: > 0 } n ? n.OrderBy(p => p.Key, StringComparer.Ordinal).ToList() : null;
        var values = named is null ? statement.Parameters.ToArray() : [.. named.Select(p => p.Value)];
        var names = named is null ? string.Empty : string.Join(",", named.Select(p => p.Key));
        return SqlTokenizer.Normalize(statement.Sql) + "\n" + names + "\n" + Convert.ToBase64String(CellCodec.Encode(values));
    }

    private async Task RetainAsync(CancellationToken cancellationToken)
    {
        var retention = _options.SubscriptionRetention;
        var period = TimeSpan.FromTicks(Math.Clamp(retention.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(30).Ticks));
        using var timer = new PeriodicTimer(period, _context.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var cutoff = _context.Time.GetUtcNow() - retention;
                List<SubscriptionMatcher> dropped;
                lock (_gate)
                {
                    dropped = [.. _byId.Values.Where(m => m.IsIdleSince(cutoff))];
                    foreach (var matcher in dropped)
                    {
                        _byId.Remove(matcher.Id);
                        _byKey.Remove(matcher.Key);
                    }
                }

                foreach (var matcher in dropped)
                {
                    await _dispatcher.RemoveAsync(matcher, CancellationToken.None).ConfigureAwait(false);
                    _context.Store.Delete(matcher.Id);
                    Log.SubscriptionDropped(_context.Logger, matcher.Id, retention.TotalSeconds);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _retention.ConfigureAwait(false);
        await _dispatcher.DisposeAsync().ConfigureAwait(false);
        List<SubscriptionMatcher> matchers;
        lock (_gate)
        {
            matchers = [.. _byId.Values];
            _byId.Clear();
            _byKey.Clear();
        }

        foreach (var matcher in matchers)
        {
            // Already ended when the node began stopping; this catches a client that joined since.
            matcher.EndClients();
            matcher.Stop();
        }

        _context.Store.Dispose();
        _stop.Dispose();
        _create.Dispose();
    }
}
