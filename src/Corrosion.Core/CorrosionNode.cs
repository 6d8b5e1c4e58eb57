using System.Diagnostics;
using System.Diagnostics.Metrics;
using Corrosion.Crdt;
using Corrosion.Logging;
using Corrosion.Metrics;
using Corrosion.Options;
using Corrosion.Schema;
using Corrosion.Storage;
using Corrosion.Subscriptions;
using Corrosion.Tracing;
using Corrosion.Updates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Corrosion;

/// <summary>
/// The engine behind <see cref="ICorrosionNode"/>: one writer (every write is serialized), a pool of readers,
/// schema files applied at start and on reload, and a feed of committed changes.
/// </summary>
public sealed class CorrosionNode : ICorrosionNode, IAsyncDisposable
{
    private readonly CorrosionOptions _options;
    private readonly ILogger<CorrosionNode> _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, WriterLockEntry> _writerLocks = new();
    private long _nextWriterLockId;
    private readonly ChangeFeed _feed = new();
    private readonly NodeMetrics _metrics;
    private readonly NodeTracing _tracing = new();
    private readonly Lock _rowCountsGate = new();
    private RowCounts _rowCounts = RowCounts.None;
    private string[] _tableNames = [];
    private long _dataVersion;
    private CrdtStore? _store;
    private ReaderPool? _readers;
    private SubscriptionManager? _subscriptions;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _streamsGate = new();
    private readonly HashSet<TableUpdateStream> _tableWatches = [];
    private bool _streamsEnded;

    // Set by the cluster layer on a node restored keeping its actor id: local writes wait for it (see
    // HoldWritesUntilOwnActorSynced). Null when nothing holds them.
    private TaskCompletionSource? _ownActorSynced;
    private ITimer? _ownActorSyncTimeout;
    private Task _walMaintenance = Task.CompletedTask;
    private int _disposed;

    /// <summary>
    /// Creates a node that is not yet open: <see cref="StartAsync"/> opens the database (the hosted service that
    /// <c>AddCorrosion()</c> registers calls it), or use <see cref="OpenAsync"/> without dependency injection.
    /// </summary>
    /// <param name="options">The node's options; validated by <see cref="StartAsync"/>.</param>
    /// <param name="logger">Where the node logs; none when <see langword="null"/>.</param>
    /// <param name="time">The clock for timestamps and timers; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="meterFactory">Where the node's instruments (meter <see cref="CorrosionMeter.Name"/>) are created; without one the node owns its meter.</param>
    public CorrosionNode(IOptions<CorrosionOptions> options, ILogger<CorrosionNode>? logger = null, TimeProvider? time = null, IMeterFactory? meterFactory = null)
    {
        _options = options.Value;
        _logger = logger ?? NullLogger<CorrosionNode>.Instance;
        _time = time ?? TimeProvider.System;
        _metrics = new NodeMetrics(meterFactory, this);
    }

    /// <summary>The node's instruments; gossip and HTTP add theirs to the same meter.</summary>
    internal NodeMetrics Metrics => _metrics;

    /// <summary>The node's activity source (<see cref="CorrosionActivitySource.Name"/>); gossip starts its spans on it.</summary>
    internal NodeTracing Tracing => _tracing;

    /// <summary>Opens a node without dependency injection: the database, then the schema files.</summary>
    public static async Task<CorrosionNode> OpenAsync(CorrosionOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var node = new CorrosionNode(Microsoft.Extensions.Options.Options.Create(options), loggerFactory?.CreateLogger<CorrosionNode>(), time);
        try
        {
            await node.StartAsync(cancellationToken).ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public ActorId ActorId => Store.ActorId;

    /// <inheritdoc />
    public string DatabasePath => _options.DatabasePath;

    /// <inheritdoc />
    public IChangeFeed Changes => _feed;

    /// <inheritdoc />
    public TableUpdateStream WatchTable(string table, int capacity = 1024)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(table);
        if (!Store.Tables.TryGetValue(table, out var crr))
        {
            throw new UnknownTableException($"no such table: '{table}' is not a table of the schema");
        }

        // The writer never waits on this reader: a full buffer cuts the reader off instead.
        var feed = _feed.Subscribe(capacity, System.Threading.Channels.BoundedChannelFullMode.Wait);
        var stream = new TableUpdateStream(crr.Name, crr.KeyColumns, feed, ForgetTableWatch);
        lock (_streamsGate)
        {
            if (!_streamsEnded)
            {
                _tableWatches.Add(stream);
                return stream;
            }
        }

        // The node is stopping: a stream opened now ends at once.
        stream.Dispose();
        return stream;
    }

    private void ForgetTableWatch(TableUpdateStream stream)
    {
        lock (_streamsGate)
        {
            _tableWatches.Remove(stream);
        }
    }

    /// <summary>
    /// Ends the streams callers read from this node, subscriptions (<see cref="SubscribeAsync"/>) and table watches
    /// (<see cref="WatchTable"/>), cleanly: enumerations finish without an exception or error event and observers get
    /// <c>OnCompleted</c>. Streams opened afterwards end after their initial events. Called when the host begins to
    /// stop (its <c>ApplicationStopping</c>) and by <see cref="DisposeAsync"/>: a server waits for open requests
    /// before the host stops the node, so an app's endpoint streaming one of them would otherwise hold the stop until
    /// the host's shutdown timeout. Writes, reads and replication go on until the node is disposed.
    /// </summary>
    internal void EndStreams()
    {
        TableUpdateStream[] watches;
        lock (_streamsGate)
        {
            if (_streamsEnded)
            {
                return;
            }

            _streamsEnded = true;
            watches = [.. _tableWatches];
            _tableWatches.Clear();
        }

        foreach (var watch in watches)
        {
            watch.Dispose();
        }

        var clients = _subscriptions?.EndClients() ?? 0;
        if (clients + watches.Length > 0)
        {
            Log.StreamsEnded(_logger, clients, watches.Length);
        }
    }

    /// <summary>True once <see cref="StartAsync"/> has opened the database.</summary>
    public bool IsStarted => _store is not null;

    private CrdtStore Store => _store ?? throw NotOpen();

    /// <summary>Why the node cannot serve a call: closed already, or not yet opened (and how it gets opened).</summary>
    private Exception NotOpen() => Volatile.Read(ref _disposed) == 1
        ? new ObjectDisposedException(nameof(CorrosionNode), "the Corrosion node is closed: the host has stopped or the node was disposed")
        : new InvalidOperationException(
            "the Corrosion node is not started: it opens when the host starts (AddCorrosion() registers the hosted service that opens it), or open one without a host with CorrosionNode.OpenAsync()");

    /// <summary>Opens the database and applies the schema files. Called by the hosted service at start.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // AddCorrosion() has already validated on start; OpenAsync and direct construction have not.
        var validation = new CorrosionOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, _options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(nameof(CorrosionOptions), typeof(CorrosionOptions), validation.Failures);
        }

        var held = await EnterWriteAsync("start", cancellationToken).ConfigureAwait(false);
        try
        {
            if (_store is not null)
            {
                return;
            }

            // Schema files are read and checked before the database is opened: a file that is missing or that
            // Corrosion refuses then leaves no trace, neither a new database nor a write to an existing one.
            var started = Stopwatch.GetTimestamp();
            var wanted = ParseSchemaFiles(_options.SchemaPaths);

            // A database this start creates is removed again if the start fails (a bad schema file, say): left
            // behind empty, it would look like a node that had started.
            var created = NewDatabaseFiles.Note(_options.DatabasePath, SubscriptionManager.DirectoryOf(_options));
            CrdtStore store;
            try
            {
                store = CrdtStore.Open(_options, _time, _logger);
            }
            catch
            {
                created?.Remove(_logger);
                throw;
            }

            Log.DatabaseOpened(_logger, _options.DatabasePath, SqliteRuntime.Version);
            Log.NodeOpened(_logger, store.ActorId.ToString());
            ReaderPool? readers = null;
            try
            {
                ApplySchema(store, wanted, started);
                readers = new ReaderPool(_options.DatabasePath, _options.ReadConnections, _options.BusyTimeout, _metrics);

                // Restoring re-runs each stored query: the change feed is not yet fed, nothing can be missed.
                _subscriptions = await SubscriptionManager.StartAsync(_options, readers, _feed, _logger, _time, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                readers?.Dispose();
                store.Dispose();
                Log.NodeClosed(_logger, _options.DatabasePath);
                created?.Remove(_logger);
                throw;
            }

            _readers = readers;
            _store = store;
            lock (_streamsGate)
            {
                if (_streamsEnded)
                {
                    // The host began stopping while the node was opening.
                    _subscriptions?.EndClients();
                }
            }

            _tableNames = TableNames(store);
            TruncateWalIfOverThreshold(store);
            _walMaintenance = KeepWalSmallAsync(_stopping.Token);
        }
        finally
        {
            ExitWrite(held);
        }
    }

    private static SchemaDefinition ParseSchemaFiles(IEnumerable<string> schemaPaths) =>
        SchemaParser.Parse(SchemaFileLoader.Load(schemaPaths));

    private SchemaApplyResult ApplySchemaFiles(CrdtStore store, IEnumerable<string> schemaPaths)
    {
        var started = Stopwatch.GetTimestamp();
        return ApplySchema(store, ParseSchemaFiles(schemaPaths), started);
    }

    /// <summary>Migrates the database to <paramref name="wanted"/>, parsed at <paramref name="started"/>.</summary>
    private SchemaApplyResult ApplySchema(CrdtStore store, SchemaDefinition wanted, long started)
    {
        var changes = SchemaDiff.Compute(store.CurrentSchema(), wanted);
        var result = store.ApplySchema(changes);
        foreach (var message in result.Messages)
        {
            Log.SchemaMessage(_logger, message);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        Log.SchemaApplied(_logger, elapsed.TotalSeconds);
        return result with { Elapsed = elapsed };
    }

    /// <inheritdoc />
    public Task<SchemaApplyResult> ReloadSchemaAsync(CancellationToken cancellationToken = default) =>
        ReloadSchemaCoreAsync(_options.SchemaPaths, cancellationToken);

    /// <inheritdoc />
    public Task<SchemaApplyResult> ReloadSchemaAsync(IReadOnlyList<string> schemaPaths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schemaPaths);
        return ReloadSchemaCoreAsync(schemaPaths, cancellationToken);
    }

    private async Task<SchemaApplyResult> ReloadSchemaCoreAsync(IEnumerable<string> schemaPaths, CancellationToken cancellationToken)
    {
        SchemaApplyResult result;
        var held = await EnterWriteAsync("reload", cancellationToken).ConfigureAwait(false);
        try
        {
            result = ApplySchemaFiles(Store, schemaPaths);
            _tableNames = TableNames(Store);
            Interlocked.Increment(ref _dataVersion);
        }
        finally
        {
            ExitWrite(held);
        }

        if (_subscriptions is { } subscriptions)
        {
            await subscriptions.SchemaChangedAsync(result.AlteredTables, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<TransactionResult> ExecuteAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statements);
        if (statements.Count == 0)
        {
            throw new StatementException(0, string.Empty, "at least 1 statement is required");
        }

        if (Volatile.Read(ref _ownActorSynced) is { Task.IsCompleted: false } synced)
        {
            await synced.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        using var activity = _tracing.StartTransaction(statements.Count);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var held = await EnterWriteAsync("transaction", cancellationToken).ConfigureAwait(false);
            var readingBack = false;
            try
            {
                var store = Store;
                var (results, version) = store.Execute(statements, cancellationToken);
                NodeTracing.Committed(activity, store.ActorId, results, version);
                var result = new TransactionResult(results, Stopwatch.GetElapsedTime(started), version, store.ActorId);
                if (version is not null)
                {
                    Interlocked.Increment(ref _dataVersion);

                    // The caller has its answer once the version is committed. Reading its changes back for the
                    // broadcast and the subscriptions follows on the thread pool, still under this writer hold, so
                    // the rows are as the version left them and versions are published in order. A small version
                    // is read back here: that takes less than handing it to another thread. A version nobody
                    // reads (no subscription, table watch, live peer or change counter) is not read back at all:
                    // whoever starts reading later reads the database, which already holds it.
                    if (!_feed.IsWanted() && !_metrics.CountsChanges)
                    {
                        Log.TransactionCommitted(_logger, version.Value, store.CommittedChangeCount);
                        store.ForgetCommittedVersion();
                        return result;
                    }

                    readingBack = true;
                    if (store.CommittedChangeCount <= InlineReadBackChanges)
                    {
                        PublishCommitted(store, held);
                    }
                    else
                    {
                        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Node.PublishCommitted(state.Store, state.Held), (Node: this, Store: store, Held: held), preferLocal: false);
                    }
                }

                return result;
            }
            finally
            {
                if (!readingBack)
                {
                    ExitWrite(held);
                }
            }
        }
        catch (Exception ex) when (activity is not null)
        {
            NodeTracing.Failed(activity, ex);
            throw;
        }
    }

    /// <summary>
    /// Waits until the writer is free. A version whose caller already has its answer is read back and published
    /// before that, so afterwards <see cref="Changes"/> holds every version committed so far.
    /// </summary>
    internal async Task WaitForPublishedAsync(CancellationToken cancellationToken)
    {
        var held = await EnterWriteAsync("publish wait", cancellationToken).ConfigureAwait(false);
        ExitWrite(held);
    }

    /// <summary>Versions of at most this many changes are read back before <see cref="ExecuteAsync"/> returns.</summary>
    private const int InlineReadBackChanges = 64;

    /// <summary>Reads a committed local version back and publishes it, then releases the writer hold it ran under.</summary>
    private void PublishCommitted(CrdtStore store, WriteHold held)
    {
        try
        {
            var changeset = store.ReadCommittedVersion();
            Log.TransactionCommitted(_logger, changeset.Version, changeset.Changes.Count);
            _metrics.Committed(changeset, local: true);
            _feed.Publish(new CommittedChanges(changeset, IsLocal: true, changeset.Changes.Select(c => c.Table).ToHashSet(StringComparer.OrdinalIgnoreCase)));
        }
        catch (Exception ex)
        {
            // Committed but not published: peers get the version through sync; subscriptions miss it.
            Log.CommittedVersionUnread(_logger, ex);
        }
        finally
        {
            ExitWrite(held);
        }
    }

    /// <inheritdoc />
    public async Task<QueryResult> QueryAsync(Statement statement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statement);
        _ = Store;
        var readers = _readers!;
        var started = Stopwatch.GetTimestamp();

        // The span lasts until the result is disposed, so it covers reading the rows.
        var activity = _tracing.StartQuery();
        SqliteConnection connection;
        try
        {
            connection = await readers.RentAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (activity is not null)
        {
            NodeTracing.Failed(activity, ex);
            activity.Dispose();
            throw;
        }

        SqliteStatement? prepared = null;
        try
        {
            try
            {
                prepared = connection.PrepareUncached(statement.Sql);
            }
            catch (SqliteException ex)
            {
                throw new StatementException(0, statement.Sql, ex.Message, ex);
            }

            if (!prepared.IsReadOnly)
            {
                throw new StatementException(0, statement.Sql, "only read-only statements are allowed in queries; use transactions to write");
            }

            bool hasRow;
            try
            {
                ParameterBinder.Bind(prepared, statement);
                using (cancellationToken.Register(connection.Interrupt))
                {
                    hasRow = prepared.Step();
                }
            }
            catch (SqliteException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (Exception ex) when (ex is SqliteException or ArgumentException)
            {
                throw new StatementException(0, statement.Sql, ex.Message, ex);
            }

            var columns = Enumerable.Range(0, prepared.ColumnCount).Select(prepared.ColumnName).ToArray();
            var columnTypes = Enumerable.Range(0, prepared.ColumnCount).Select(prepared.ColumnDeclaredType).ToArray();
            var owned = prepared;
            prepared = null;
            activity?.SetTag("corrosion.columns", columns.Length);
            return new QueryResult(owned, connection, columns, columnTypes, hasRow, Stopwatch.GetElapsedTime(started), () =>
            {
                owned.Dispose();
                readers.Return(connection);
            })
            {
                Activity = activity,
            };
        }
        catch (Exception ex)
        {
            prepared?.Dispose();
            readers.Return(connection);
            if (activity is not null)
            {
                NodeTracing.Failed(activity, ex);
                activity.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc />
    public async Task<StatementDescription> DescribeAsync(string sql, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sql);
        _ = Store;
        var readers = _readers!;
        var connection = await readers.RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SqliteStatement prepared;
            try
            {
                prepared = connection.PrepareUncached(sql);
            }
            catch (SqliteException ex)
            {
                throw new StatementException(0, sql, ex.Message, ex);
            }

            using (prepared)
            {
                var columns = Enumerable.Range(0, prepared.ColumnCount)
                    .Select(i => new ColumnDescription(prepared.ColumnName(i), prepared.ColumnDeclaredType(i)))
                    .ToArray();
                return new StatementDescription(columns, prepared.ParameterCount, prepared.IsReadOnly);
            }
        }
        finally
        {
            readers.Return(connection);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Changeset>> ReadChangesetsAsync(ActorId actorId, long version, CancellationToken cancellationToken = default)
    {
        var held = await EnterWriteAsync("read changesets", cancellationToken).ConfigureAwait(false);
        try
        {
            return Store.ReadVersion(actorId, version);
        }
        finally
        {
            ExitWrite(held);
        }
    }

    /// <inheritdoc />
    public async Task<ApplyResult> ApplyChangesetsAsync(IReadOnlyList<Changeset> changesets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changesets);
        using var activity = _tracing.StartApply(changesets);
        try
        {
            var held = await EnterWriteAsync("apply changesets", cancellationToken).ConfigureAwait(false);
            try
            {
                var (result, committed) = Store.Apply(changesets, cancellationToken);
                Log.ChangesetsApplied(_logger, result.AppliedVersions, result.ImpactedChanges, result.BufferedChunks, result.SkippedVersions);
                if (result.AppliedVersions > 0 || result.BufferedChunks > 0)
                {
                    Interlocked.Increment(ref _dataVersion);
                }

                foreach (var changes in committed)
                {
                    _metrics.Committed(changes.Changeset, local: false);
                    _feed.Publish(changes);
                }

                NodeTracing.Applied(activity, result);
                return result;
            }
            finally
            {
                ExitWrite(held);
            }
        }
        catch (Exception ex) when (activity is not null)
        {
            NodeTracing.Failed(activity, ex);
            throw;
        }
    }

    /// <summary>
    /// Told by sync that <paramref name="peer"/> holds this node's own actor up to <paramref name="version"/>. When
    /// that is above the local head (this node lost versions it wrote, e.g. restored from an older backup keeping its
    /// actor id), the missing versions become gaps for sync to fetch and local writes continue above them.
    /// </summary>
    internal async Task ObserveOwnHeadAsync(ActorId peer, long version, CancellationToken cancellationToken = default)
    {
        var held = await EnterWriteAsync("own versions", cancellationToken).ConfigureAwait(false);
        try
        {
            var store = Store;
            if (store.MarkOwnVersionsMissing(version) is { } before)
            {
                Log.OwnVersionsBehindPeer(_logger, peer.ToString(), store.ActorId.ToString(), version, before);
            }

            if (store.OwnActorCatchUpPending)
            {
                store.ClearOwnActorCatchUp();
                Log.OwnActorSynced(_logger, peer.ToString(), store.ActorId.ToString(), store.DbVersion);
            }

            Volatile.Read(ref _ownActorSynced)?.TrySetResult();
        }
        finally
        {
            ExitWrite(held);
        }
    }

    /// <summary>Restored keeping its actor id and not synced with a peer since (see <see cref="HoldWritesUntilOwnActorSynced"/>).</summary>
    internal bool OwnActorCatchUpPending => Store.OwnActorCatchUpPending;

    /// <summary>
    /// On a node restored keeping its actor id and not synced since, makes local writes wait for the first sync
    /// exchange with a peer (<see cref="ObserveOwnHeadAsync"/>), which tells the node the highest version peers hold
    /// of its actor, so that no write takes a number a peer already holds. After <paramref name="timeout"/> without
    /// one (no peer reachable) writes go ahead, with a warning. Called by the cluster layer as it starts: a node
    /// without one has no peers to wait for.
    /// </summary>
    internal void HoldWritesUntilOwnActorSynced(TimeSpan timeout)
    {
        var store = Store;
        if (!store.OwnActorCatchUpPending || _ownActorSynced is not null)
        {
            return;
        }

        var synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _ownActorSynced, synced);
        Log.WritesHeldForOwnActorSync(_logger, store.ActorId.ToString(), timeout.TotalSeconds);
        _ownActorSyncTimeout = _time.CreateTimer(
            _ =>
            {
                if (synced.TrySetResult())
                {
                    Log.WritesResumedWithoutSync(_logger, timeout.TotalSeconds);
                }
            },
            null,
            timeout,
            Timeout.InfiniteTimeSpan);
    }

    /// <summary>Replaces the persisted cluster members (<c>__corro_members</c>): actor id, address, state as JSON.</summary>
    internal async Task SaveMembersAsync(IReadOnlyList<(ActorId Actor, string Address, string State)> members, CancellationToken cancellationToken = default)
    {
        var held = await EnterWriteAsync("save members", cancellationToken).ConfigureAwait(false);
        try
        {
            Store.SaveMembers(members);
        }
        finally
        {
            ExitWrite(held);
        }
    }

    /// <summary>The persisted cluster members, so a restarted node rejoins without its bootstrap list.</summary>
    internal async Task<IReadOnlyList<(ActorId Actor, string Address, string State)>> LoadMembersAsync(CancellationToken cancellationToken = default)
    {
        var held = await EnterWriteAsync("load members", cancellationToken).ConfigureAwait(false);
        try
        {
            return Store.LoadMembers();
        }
        finally
        {
            ExitWrite(held);
        }
    }

    /// <inheritdoc />
    public async Task<SyncState> GetSyncStateAsync(CancellationToken cancellationToken = default)
    {
        var held = await EnterWriteAsync("sync state", cancellationToken).ConfigureAwait(false);
        try
        {
            return Store.Bookkeeping.Snapshot(Store.ActorId);
        }
        finally
        {
            ExitWrite(held);
        }
    }

    /// <inheritdoc />
    public async Task<ISubscription> SubscribeAsync(Statement statement, SubscribeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statement);
        _ = Store;
        var subscriptions = _subscriptions ?? throw NotOpen();
        return await subscriptions.SubscribeAsync(statement, options ?? new SubscribeOptions(), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<ISubscription?> GetSubscriptionAsync(Guid id, SubscribeOptions? options = null, CancellationToken cancellationToken = default)
    {
        _ = Store;
        var subscriptions = _subscriptions ?? throw NotOpen();
        return Task.FromResult(subscriptions.Get(id, options ?? new SubscribeOptions()));
    }

    /// <summary>Whether a subscription with this id exists, without joining it (for tests and the admin socket).</summary>
    public IReadOnlyList<SubscriptionInfo> ListSubscriptions() =>
        _subscriptions?.List() ?? throw NotOpen();

    internal bool HasSubscription(Guid id) => _subscriptions?.Contains(id) == true;

    private async ValueTask<WriteHold> EnterWriteAsync(string label, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var id = Interlocked.Increment(ref _nextWriterLockId);
        _writerLocks[id] = new WriterLockEntry(label, Held: false, started);
        try
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _writerLocks.TryRemove(id, out _);
            throw;
        }

        var acquired = Stopwatch.GetTimestamp();
        _writerLocks[id] = new WriterLockEntry(label, Held: true, acquired);
        _metrics.WriteQueued(started, acquired);
        return new WriteHold(id, acquired);
    }

    private void ExitWrite(WriteHold hold)
    {
        _writerLocks.TryRemove(hold.Id, out _);
        _writeLock.Release();
        _metrics.WriteHeld(hold.Acquired);
    }

    /// <inheritdoc />
    public IReadOnlyList<WriterLockInfo> ListWriterLocks() =>
        [.. _writerLocks.Values
            .Select(e => new WriterLockInfo(e.Label, e.Held, Stopwatch.GetElapsedTime(e.Since)))
            .OrderByDescending(l => l.Held)
            .ThenByDescending(l => l.Duration)];

    private readonly record struct WriteHold(long Id, long Acquired);

    private sealed record WriterLockEntry(string Label, bool Held, long Since);

    /// <summary>How long a row count must take before scrapes are throttled to a tenth of a reader's time.</summary>
    private static readonly TimeSpan SlowRowCount = TimeSpan.FromMilliseconds(100);

    private static string[] TableNames(CrdtStore store) => [.. store.Tables.Values.Select(t => t.Name)];

    /// <summary>
    /// Row counts per table and of the buffered changes, for the <c>corro.db.*.rows.total</c> gauges. Counted on a
    /// read connection when collected, and only when the data changed since the last count. A count that took
    /// <see cref="SlowRowCount"/> or more (big tables) is then reused for ten times its duration, so that counting
    /// costs at most a tenth of one reader's time.
    /// </summary>
    internal RowCounts ObserveRowCounts()
    {
        lock (_rowCountsGate)
        {
            var readers = _readers;
            if (_store is null || readers is null)
            {
                return RowCounts.None;
            }

            var version = Interlocked.Read(ref _dataVersion);
            var cached = _rowCounts;
            if (cached.Counted && (cached.DataVersion == version || (cached.Took >= SlowRowCount && _time.GetElapsedTime(cached.CountedAt) < cached.Took * 10)))
            {
                return cached;
            }

            if (!readers.TryRent(out var connection))
            {
                return cached;
            }

            try
            {
                var started = _time.GetTimestamp();
                var tables = _tableNames;
                var measurements = new Measurement<long>[tables.Length];
                for (var i = 0; i < tables.Length; i++)
                {
                    var count = connection.Scalar($"SELECT COUNT(*) FROM \"{tables[i].Replace("\"", "\"\"", StringComparison.Ordinal)}\"").AsInteger;
                    measurements[i] = new Measurement<long>(count, new KeyValuePair<string, object?>("table", tables[i]));
                }

                var buffered = connection.Scalar("SELECT COUNT(*) FROM __corro_buffered_changes").AsInteger;
                _rowCounts = new RowCounts(true, version, started, _time.GetElapsedTime(started), measurements, [new Measurement<long>(buffered)]);
                return _rowCounts;
            }
            catch (Exception ex) when (ex is SqliteException or InvalidOperationException or ObjectDisposedException)
            {
                // A table dropped by a reload, or the node closing: report what was counted last.
                return cached;
            }
            finally
            {
                readers.Return(connection);
            }
        }
    }

    /// <summary>Connections of the SQLite pool, for the <c>corro.sqlite.pool.*</c> gauges.</summary>
    internal (long ReadOpen, long ReadIdle, long WriteOpen, long WriteIdle) ObservePool()
    {
        var readers = _readers;
        if (_store is null || readers is null)
        {
            return (0, 0, 0, 0);
        }

        return (readers.Created, readers.Idle, 1, _writeLock.CurrentCount);
    }

    internal sealed record RowCounts(bool Counted, long DataVersion, long CountedAt, TimeSpan Took, Measurement<long>[] Tables, Measurement<long>[] Buffered)
    {
        public static RowCounts None { get; } = new(false, 0, 0, TimeSpan.Zero, [], []);
    }

    /// <summary>
    /// Truncates the write-ahead log when it outgrew <see cref="CorrosionOptions.WalThresholdBytes"/>: at start (a
    /// crash leaves the log behind), then every <see cref="CorrosionOptions.WalCheckInterval"/>. It takes the writer,
    /// so it runs rarely.
    /// </summary>
    private async Task KeepWalSmallAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.WalCheckInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var held = await EnterWriteAsync("wal truncate", cancellationToken).ConfigureAwait(false);
                try
                {
                    if (_store is { } store)
                    {
                        TruncateWalIfOverThreshold(store);
                    }
                }
                catch (Exception ex) when (ex is SqliteException or IOException)
                {
                    Log.WalTruncateFailed(_logger, ex);
                }
                finally
                {
                    ExitWrite(held);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Called with the writer held.</summary>
    private void TruncateWalIfOverThreshold(CrdtStore store)
    {
        var wal = new FileInfo(_options.DatabasePath + "-wal");
        if (!wal.Exists || wal.Length <= _options.WalThresholdBytes)
        {
            return;
        }

        var megabytes = wal.Length / (1024.0 * 1024.0);
        var started = Stopwatch.GetTimestamp();
        if (store.TruncateWal())
        {
            var took = Stopwatch.GetElapsedTime(started);
            _metrics.WalTruncated(took);
            Log.WalTruncated(_logger, megabytes, _options.WalThresholdBytes / (1024 * 1024), took.TotalSeconds);
        }
        else
        {
            _metrics.WalTruncateBusy();
            Log.WalTruncateBusy(_logger, megabytes, _options.WalCheckInterval);
        }
    }

    /// <summary>Stops subscriptions and background work, then closes the database; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        EndStreams();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _walMaintenance.ConfigureAwait(false);
        _ownActorSyncTimeout?.Dispose();

        // Matchers read through the reader pool: stop them before it closes.
        var subscriptions = Interlocked.Exchange(ref _subscriptions, null);
        if (subscriptions is not null)
        {
            await subscriptions.DisposeAsync().ConfigureAwait(false);
        }

        var held = await EnterWriteAsync("close", CancellationToken.None).ConfigureAwait(false);
        try
        {
            _feed.Complete();
            _readers?.Dispose();
            _readers = null;
            if (_store is not null)
            {
                _store.Dispose();
                _store = null;
                Log.NodeClosed(_logger, _options.DatabasePath);
            }
        }
        finally
        {
            ExitWrite(held);
            _metrics.Dispose();
            _stopping.Dispose();
            _tracing.Dispose();
        }
    }
}
