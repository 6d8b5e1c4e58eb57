using System.Diagnostics;
using Corrosion.Logging;
using Corrosion.Options;
using Corrosion.Schema;
using Corrosion.Storage;
using Microsoft.Extensions.Logging;
using static Corrosion.Storage.SqlText;

namespace Corrosion.Crdt;

/// <summary>
/// The writer side of a node: owns the single writer connection, captures local changes through triggers under
/// one db_version per transaction, merges remote changes with cr-sqlite's rules and keeps version bookkeeping.
/// Not thread-safe: <see cref="CorrosionNode"/> serializes every call.
/// </summary>
internal sealed class CrdtStore : IDisposable
{
    private const int MaxCachedClientStatements = 512;

    private readonly SqliteConnection _db;
    private readonly ILogger _logger;
    private readonly HybridLogicalClock _clock;
    private readonly CorrosionOptions _options;
    private readonly StatementAuthorizer _authorizer;
    private readonly DeferredInsertCapture _inserts;
    private readonly Dictionary<string, CrrTable> _tables = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<ActorId, long> _ordinals = [];
    private readonly Dictionary<long, ActorId> _actorsByOrdinal = [];
    private readonly Dictionary<string, ClientStatement> _clientStatements = new(StringComparer.Ordinal);
    private readonly List<string> _bufferChangesSql = [];

    // Per-transaction capture state, read by the functions our triggers call.
    private readonly CaptureState _capture = new();
    private WalCheckpointer? _checkpointer;
    private CommittedVersion? _committed;
    private ClientStatement? _lastClient;

    private CrdtStore(SqliteConnection db, CorrosionOptions options, TimeProvider time, ILogger logger)
    {
        _db = db;
        _options = options;
        _logger = logger;
        _clock = new HybridLogicalClock(time);
        _authorizer = StatementAuthorizer.Install(db, name => _tables.ContainsKey(name));
        _inserts = DeferredInsertCapture.Install(db, _capture.NextDbVersion, _capture.ReserveSeqs);
    }

    public ActorId ActorId { get; private set; }

    /// <summary>The highest local version committed.</summary>
    public long DbVersion
    {
        get => _capture.DbVersion;
        private set => _capture.DbVersion = value;
    }

    public VersionBookkeeping Bookkeeping { get; } = new();

    public IReadOnlyDictionary<string, CrrTable> Tables => _tables;

    internal SqliteConnection Connection => _db;

    internal HybridLogicalClock Clock => _clock;

    public static CrdtStore Open(CorrosionOptions options, TimeProvider time, ILogger logger)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var db = SqliteConnection.Open(options.DatabasePath, readOnly: false, options.BusyTimeout);
        try
        {
            var store = new CrdtStore(db, options, time, logger);
            store.Initialize();
            store._checkpointer = WalCheckpointer.Attach(db, options.BusyTimeout, logger);
            return store;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private void Initialize()
    {
        // The capture triggers that fire here are the TEMP ones (CrrTable.TriggerDdl).
        _db.DisableFileTriggers();
        _db.Execute("PRAGMA journal_mode = WAL");
        _db.Execute("PRAGMA synchronous = NORMAL");
        _db.Execute("PRAGMA recursive_triggers = ON");
        _db.Execute("PRAGMA foreign_keys = OFF");

        // A statement on a table with capture triggers writes several b-trees, so SQLite gives it a statement
        // journal; kept in memory that costs half as much per row as the default temp file (bench: insert).
        _db.Execute("PRAGMA temp_store = MEMORY");
        _db.Execute("PRAGMA journal_size_limit = 1073741824");
        _db.Execute($"PRAGMA cache_size = {_options.CacheSizeKib}");
        RegisterFunctions();

        _db.Execute("BEGIN IMMEDIATE");
        try
        {
            foreach (var ddl in InternalTables.Ddl)
            {
                _db.Execute(ddl);
            }

            _db.Execute("INSERT OR IGNORE INTO crsql_master (key, value) VALUES ('crsqlite_version', ?1)", InternalTables.CrsqliteVersion);
            _db.Execute("INSERT OR IGNORE INTO crsql_master (key, value) VALUES ('config.merge-equal-values', 1)");
            var site = _db.Scalar("SELECT site_id FROM crsql_site_id WHERE ordinal = 0");
            if (site.IsNull)
            {
                ActorId = ActorId.NewRandom();
                _db.Execute("INSERT INTO crsql_site_id (site_id, ordinal) VALUES (?1, 0)", ActorId.ToByteArray());
            }
            else
            {
                ActorId = new ActorId(site.AsBlob);
            }

            LoadTables();
            foreach (var ddl in _tables.Values.SelectMany(t => t.TriggerDdl()))
            {
                // Triggers follow this version's capture design, whichever version created the file.
                _db.Execute(ddl);
            }

            RecreateChangesView();
            _db.Execute("COMMIT");
        }
        catch
        {
            _db.Execute("ROLLBACK");
            throw;
        }

        using (var sites = _db.PrepareUncached("SELECT site_id, ordinal FROM crsql_site_id"))
        {
            while (sites.Step())
            {
                var actor = new ActorId(sites.GetBlobSpan(0));
                _ordinals[actor] = sites.GetInt64(1);
                _actorsByOrdinal[sites.GetInt64(1)] = actor;
            }
        }

        Bookkeeping.Load(_db);
        DbVersion = Bookkeeping.HeadOf(ActorId);
        OwnActorCatchUpPending = !_db.Scalar("SELECT value FROM __corro_state WHERE key = ?1", InternalTables.OwnActorCatchUpKey).IsNull;
    }

    /// <summary>
    /// Restored keeping its actor id and not yet synced with a peer since: peers may hold later versions of this
    /// node's actor that it does not know of.
    /// </summary>
    public bool OwnActorCatchUpPending { get; private set; }

    /// <summary>Clears <see cref="OwnActorCatchUpPending"/> (a sync state exchange told this node what a peer holds).</summary>
    public void ClearOwnActorCatchUp()
    {
        if (OwnActorCatchUpPending)
        {
            _db.Execute("DELETE FROM __corro_state WHERE key = ?1", InternalTables.OwnActorCatchUpKey);
            OwnActorCatchUpPending = false;
        }
    }

    private void RegisterFunctions()
    {
        _capture.Register(_db);
        PackColumnsFunction.Register(_db);
        _db.CreateFunction("crsql_site_id", () => ActorId.ToByteArray());
        _db.CreateFunction("crsql_db_version", () => DbVersion);
    }

    private void LoadTables()
    {
        _tables.Clear();
        using var rows = _db.PrepareUncached("SELECT tbl_name, sql, source FROM __corro_schema WHERE type = 'table' ORDER BY tbl_name");
        var found = new List<(string Name, string Sql, string Source)>();
        while (rows.Step())
        {
            found.Add((rows.GetText(0), rows.GetText(1), rows.GetText(2)));
        }

        foreach (var (name, sql, source) in found)
        {
            _tables[name] = new CrrTable(TableIntrospector.Read(_db, name, sql, source));
        }

        _inserts.SetTables(_tables.Values);
    }

    /// <summary>The schema as applied to this database (what the next schema diff starts from).</summary>
    public SchemaDefinition CurrentSchema()
    {
        var tables = new Dictionary<string, TableSchema>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, table) in _tables)
        {
            var indexes = new List<IndexSchema>();
            using var rows = _db.PrepareUncached("SELECT name, sql FROM __corro_schema WHERE type = 'index' AND tbl_name = ?1 ORDER BY name");
            rows.Bind(1, name);
            while (rows.Step())
            {
                indexes.Add(new IndexSchema(rows.GetText(0), name, rows.GetText(1)));
            }

            tables[name] = table.Schema with { Indexes = indexes };
        }

        return new SchemaDefinition(tables);
    }

    /// <summary>Applies a computed migration in one transaction; on any failure nothing changes.</summary>
    public SchemaApplyResult ApplySchema(IReadOnlyList<SchemaChange> changes)
    {
        var started = Stopwatch.GetTimestamp();
        var created = new List<string>();
        var altered = new List<string>();
        var messages = new List<string>();
        if (changes.Count == 0)
        {
            return new SchemaApplyResult(created, altered, messages, Stopwatch.GetElapsedTime(started));
        }

        BeginWrite();
        try
        {
            foreach (var change in changes)
            {
                switch (change)
                {
                    case SchemaChange.CreateTable(var table):
                        CreateCrr(table);
                        created.Add(table.Name);
                        break;
                    case SchemaChange.AddColumn(var table, _, var alterSql):
                        _db.Execute(alterSql);
                        _db.Execute("UPDATE __corro_schema SET sql = ?1, source = ?2 WHERE tbl_name = ?3 AND type = 'table'", table.Sql, table.Source, table.Name);
                        _tables[table.Name] = new CrrTable(TableIntrospector.Read(_db, table.Name, table.Sql, table.Source));
                        foreach (var ddl in _tables[table.Name].TriggerDdl())
                        {
                            _db.Execute(ddl);
                        }

                        if (!altered.Contains(table.Name))
                        {
                            altered.Add(table.Name);
                        }

                        break;
                    case SchemaChange.DropIndex(var name, var tableName):
                        _db.Execute($"DROP INDEX IF EXISTS {Id(name)}");
                        _db.Execute("DELETE FROM __corro_schema WHERE type = 'index' AND name = ?1", name);
                        messages.Add($"dropped index '{name}' on '{tableName}'");
                        break;
                    case SchemaChange.CreateIndex(var index):
                        _db.Execute(index.Sql);
                        _db.Execute(
                            "INSERT OR REPLACE INTO __corro_schema (tbl_name, type, name, sql, source) VALUES (?1, 'index', ?2, ?3, '')",
                            index.Table, index.Name, index.Sql);
                        messages.Add($"created index '{index.Name}' on '{index.Table}'");
                        break;
                }
            }

            RecreateChangesView();
            _inserts.SetTables(_tables.Values);
            var version = FinishLocalVersion();
            _db.Execute("COMMIT");
            CommitLocalVersion(version);
        }
        catch (Exception ex)
        {
            RollbackWrite();
            LoadTables();
            throw ex as SchemaException ?? new SchemaException($"applying the schema failed, nothing was changed: {ex.Message}", ex);
        }
        finally
        {
            _db.ClearStatementCache();
            ClearClientStatements();
        }

        return new SchemaApplyResult(created, altered, messages, Stopwatch.GetElapsedTime(started));
    }

    private void CreateCrr(TableSchema table)
    {
        var adopted = TableIntrospector.TableExists(_db, table.Name);
        if (adopted)
        {
            var existing = TableIntrospector.ReadColumns(_db, table.Name);
            if (!existing.SequenceEqual(table.Columns))
            {
                throw new SchemaException(
                    $"table '{table.Name}' already exists in the database with a different definition than in {table.Source}; nothing was changed");
            }
        }
        else
        {
            Log.CreatingTable(_logger, table.Name);
            _db.Execute(table.Sql);
        }

        var crr = new CrrTable(TableIntrospector.Read(_db, table.Name, table.Sql, table.Source));
        _tables[table.Name] = crr;
        foreach (var ddl in crr.MetadataDdl().Concat(crr.TriggerDdl()))
        {
            _db.Execute(ddl);
        }

        if (adopted)
        {
            foreach (var ddl in crr.BackfillDdl())
            {
                _db.Execute(ddl);
            }
        }

        var updated = _db.Execute(
            "INSERT OR REPLACE INTO __corro_schema (tbl_name, type, name, sql, source) VALUES (?1, 'table', ?1, ?2, ?3)",
            table.Name, table.Sql, table.Source);
        Log.UpdatedSchemaRows(_logger, updated, table.Name);
    }

    private void RecreateChangesView()
    {
        _db.Execute("DROP VIEW IF EXISTS crsql_changes");
        var selects = _tables.Values.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => t.ChangesViewSelect()).ToList();
        var body = selects.Count == 0
            ? "SELECT NULL AS \"table\", NULL AS pk, NULL AS cid, NULL AS val, NULL AS col_version, NULL AS db_version, " +
              "NULL AS site_id, NULL AS cl, NULL AS seq WHERE 0"
            : string.Join(" UNION ALL ", selects);

        // cr-sqlite's crsql_changes reads in (db_version, seq) order across tables and sites, which is the order the
        // spec's troubleshooting output shows; without this a plain SELECT lists rows in clock-key order.
        _db.Execute($"CREATE VIEW crsql_changes AS {body} ORDER BY db_version, seq");
    }

    // ---- local transactions ----------------------------------------------------------------------------------

    /// <summary>
    /// Runs client statements in one transaction and commits it. Returns per-statement results and the committed
    /// version (null when nothing changed), whose changes <see cref="ReadCommittedVersion"/> reads back. Throws
    /// <see cref="StatementException"/> after rolling back.
    /// </summary>
    public (List<StatementResult> Results, long? Version) Execute(IReadOnlyList<Statement> statements, CancellationToken cancellationToken)
    {
        var results = new List<StatementResult>(statements.Count);
        BeginWrite();
        using var registration = cancellationToken.Register(_db.Interrupt);
        try
        {
            for (var i = 0; i < statements.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                results.Add(RunClientStatement(i, statements[i], cancellationToken));
            }

            var version = FinishLocalVersion(cancellationToken);

            // Writing captured metadata runs between client statements, where an interrupt may not land: a
            // transaction cancelled by then is rolled back, not committed late.
            cancellationToken.ThrowIfCancellationRequested();
            var seqs = _capture.Seq;
            _db.Execute("COMMIT");
            CommitLocalVersion(version);
            if (version == 0)
            {
                return (results, null);
            }

            _committed = new CommittedVersion(version, seqs, _clock.Now());
            return (results, version);
        }
        catch (SqliteException ex) when (cancellationToken.IsCancellationRequested)
        {
            // The interrupt stopped one of our own statements (capture or read-back), not a client's: it is the
            // cancellation, not a failure of the transaction's SQL.
            RollbackWrite();
            throw new OperationCanceledException("the transaction was cancelled and rolled back", ex, cancellationToken);
        }
        catch
        {
            RollbackWrite();
            throw;
        }
    }

    private StatementResult RunClientStatement(int index, Statement statement, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        ClientStatement prepared;
        _authorizer.ClearDenial();
        _authorizer.Enforcing = true;
        try
        {
            prepared = PrepareClient(statement.Sql);
        }
        catch (SqliteException ex)
        {
            throw new StatementException(index, statement.Sql, _authorizer.LastDenial ?? ex.Message, ex);
        }
        finally
        {
            _authorizer.Enforcing = false;
        }

        try
        {
            if (prepared.TouchesMetadata)
            {
                _inserts.Flush(cancellationToken);
            }

            ParameterBinder.Bind(prepared.Statement, statement);
            var readOnly = prepared.Statement.IsReadOnly;
            _inserts.Capturing = true;
            while (prepared.Statement.Step())
            {
            }

            var affected = readOnly ? 0 : _db.Changes;
            return new StatementResult(affected, Stopwatch.GetElapsedTime(started));
        }
        catch (SqliteException ex)
        {
            throw new StatementException(index, statement.Sql, ex.Message, ex);
        }
        catch (ArgumentException ex)
        {
            throw new StatementException(index, statement.Sql, ex.Message, ex);
        }
        finally
        {
            _inserts.Capturing = false;
            prepared.Statement.Reset();
        }
    }

    private ClientStatement PrepareClient(string sql)
    {
        // A batch usually repeats one statement, often as the same string (the HTTP API reuses it).
        if (_lastClient is { } last && ReferenceEquals(sql, last.Sql))
        {
            return last;
        }

        if (_clientStatements.TryGetValue(sql, out var cached))
        {
            _lastClient = cached;
            return cached;
        }

        // The authorizer sees every table the statement (and the triggers compiled into it) touches.
        var statement = new ClientStatement(sql, _db.PrepareUncached(sql), _authorizer.TouchesMetadata);
        if (_clientStatements.Count >= MaxCachedClientStatements)
        {
            ClearClientStatements();
        }

        _clientStatements[sql] = statement;
        _lastClient = statement;
        return statement;
    }

    /// <summary>A prepared client statement, and whether it could see CRDT metadata that captured inserts still owe.</summary>
    private sealed record ClientStatement(string Sql, SqliteStatement Statement, bool TouchesMetadata);

    private void ClearClientStatements()
    {
        foreach (var statement in _clientStatements.Values)
        {
            statement.Statement.Dispose();
        }

        _clientStatements.Clear();
        _lastClient = null;
    }

    private void BeginWrite()
    {
        _committed = null;
        _inserts.Clear();
        _capture.ResetTransaction();
        _db.Execute("BEGIN IMMEDIATE");
    }

    private void RollbackWrite()
    {
        _inserts.Clear();
        _capture.SyncBit = false;
        _capture.ResetTransaction();
        if (_db.InTransaction)
        {
            _db.Execute("ROLLBACK");
        }
    }

    /// <summary>Writes the captured metadata and books the transaction's version (0 when it wrote nothing), before COMMIT.</summary>
    private long FinishLocalVersion(CancellationToken cancellationToken = default)
    {
        _inserts.Flush(cancellationToken);
        var version = _capture.PendingDbVersion;
        if (version != 0)
        {
            _db.Execute(
                "INSERT INTO crsql_db_versions (site_id, db_version) VALUES (?1, ?2) " +
                "ON CONFLICT DO UPDATE SET db_version = excluded.db_version WHERE excluded.db_version > db_version",
                ActorId.ToByteArray(), version);
        }

        return version;
    }

    private void CommitLocalVersion(long version)
    {
        _capture.ResetTransaction();
        if (version == 0)
        {
            return;
        }

        DbVersion = version;
        // The local actor's head lives in crsql_db_versions, already written in the transaction.
        Bookkeeping.MarkKnownInMemory(ActorId, version);
    }

    /// <summary>
    /// The changeset of the version the last <see cref="Execute"/> committed, read back from the database. It runs
    /// after COMMIT, so the caller can answer its client first, and must run before the next write (under the
    /// same writer hold): then the rows still hold exactly what the version wrote.
    /// </summary>
    public Changeset ReadCommittedVersion()
    {
        var committed = _committed ?? throw new InvalidOperationException("no committed local version is waiting to be read back");
        _committed = null;

        // One change per seq taken, unless rows were written twice in the transaction.
        var changes = new List<Change>((int)Math.Min(committed.Seqs, 1 << 16));
        if (!_inserts.TryReadNewRows(committed.Seqs, ActorId, committed.Version, changes))
        {
            changes = ReadVersionChanges(0, ActorId, committed.Version);
        }

        var lastSeq = changes.Count == 0 ? 0 : changes[^1].Seq;
        return new Changeset(ActorId, committed.Version, changes, 0, lastSeq, lastSeq, committed.Timestamp);
    }

    /// <summary>Drops the committed version waiting to be read back: nobody reads its changes.</summary>
    public void ForgetCommittedVersion()
    {
        _committed = null;
        _inserts.Clear();
    }

    /// <summary>How many changes (seqs) the committed version waiting to be read back holds; 0 when none waits.</summary>
    public long CommittedChangeCount => _committed?.Seqs ?? 0;

    /// <summary>A committed local version not read back yet: its number, the seqs it took, its commit timestamp.</summary>
    private sealed record CommittedVersion(long Version, long Seqs, ulong Timestamp);

    // ---- reading versions back -------------------------------------------------------------------------------

    private List<Change> ReadVersionChanges(long ordinal, ActorId actor, long version)
    {
        var changes = new List<Change>();
        foreach (var table in _tables.Values)
        {
            var statement = _db.Prepare(table.ReadVersionSql);
            try
            {
                statement.Bind(1, ordinal);
                statement.Bind(2, version);
                // A row's changes are adjacent (the index is ordered by key), so they share one pk array, and
                // column names come from the table rather than a new string per change.
                byte[] pk = [];
                while (statement.Step())
                {
                    var packed = statement.GetBlobSpan(0);
                    if (!packed.SequenceEqual(pk))
                    {
                        pk = packed.ToArray();
                    }

                    changes.Add(new Change(
                        table.Name,
                        pk,
                        table.ColumnName(statement.GetTextUtf8(1)),
                        statement.GetValue(2),
                        statement.GetInt64(3),
                        statement.GetInt64(4),
                        actor,
                        statement.GetInt64(5),
                        statement.GetInt64(6)));
                }
            }
            finally
            {
                statement.Reset();
            }
        }

        changes.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
        return changes;
    }

    /// <summary>
    /// What remains of one version of an actor, chunked by <see cref="CorrosionOptions.MaxChangesPerChunk"/>.
    /// A version held but fully overwritten reads back as a cleared changeset; a version not held as nothing.
    /// </summary>
    public List<Changeset> ReadVersion(ActorId actor, long version)
    {
        if (!Bookkeeping.Contains(actor, version))
        {
            return [];
        }

        var ordinal = actor == ActorId ? 0 : _ordinals.GetValueOrDefault(actor, -1);
        var changes = ordinal < 0 ? [] : ReadVersionChanges(ordinal, actor, version);
        var timestamp = _clock.Now();
        if (changes.Count == 0)
        {
            return [Changeset.Cleared(actor, version, version, timestamp)];
        }

        var lastSeq = changes[^1].Seq;
        return [.. new Changeset(actor, version, changes, 0, lastSeq, lastSeq, timestamp).Chunk(Math.Max(1, _options.MaxChangesPerChunk))];
    }

    // ---- merging remote changes ------------------------------------------------------------------------------

    /// <summary>Merges changesets in one transaction. Returns what happened and what to publish after commit.</summary>
    public (ApplyResult Result, List<CommittedChanges> Committed) Apply(IReadOnlyList<Changeset> changesets, CancellationToken cancellationToken)
    {
        int applied = 0, buffered = 0, skipped = 0, impacted = 0;
        var committed = new List<CommittedChanges>();
        BeginWrite();
        _capture.SyncBit = true;
        try
        {
            foreach (var changeset in changesets)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _clock.Observe(changeset.Timestamp);
                // This node's own actor is applied like any other when it lacks the version (a node restored from
                // a backup with its actor id gets back what it wrote after the backup): it merges at ordinal 0 with
                // its origin db_version, as a local write of that version would have. Held versions are skipped.
                var actor = changeset.ActorId;
                if (changeset.IsCleared)
                {
                    if (changeset.LastVersion < changeset.Version || changeset.Version < 1)
                    {
                        throw new CorrosionException($"cleared changeset of actor {actor} has invalid versions {changeset.Version}..={changeset.LastVersion}");
                    }

                    // Work by range, not by version: a peer may clear millions of versions at once.
                    var range = new InclusiveRange(changeset.Version, changeset.LastVersion);
                    if (Bookkeeping.Actors.TryGetValue(actor, out var known))
                    {
                        foreach (var partial in known.Partials.Keys.Where(range.Contains).ToList())
                        {
                            DropBuffered(actor, partial);
                        }
                    }

                    Bookkeeping.MarkKnown(_db, actor, range);
                    applied++;
                    continue;
                }

                if (Bookkeeping.Contains(actor, changeset.Version))
                {
                    skipped++;
                    continue;
                }

                Validate(changeset);
                IReadOnlyList<Change> changes;
                if (changeset.IsComplete)
                {
                    changes = changeset.Changes;
                    DropBuffered(actor, changeset.Version);
                }
                else
                {
                    if (actor == ActorId)
                    {
                        // The rest of the version may take a while: the local counter must pass it now.
                        Bookkeeping.MarkMissing(_db, actor, changeset.Version);
                    }

                    BufferChunk(changeset);
                    buffered++;
                    var partial = Bookkeeping.RecordChunk(_db, actor, changeset.Version, new InclusiveRange(changeset.SeqStart, changeset.SeqEnd), changeset.LastSeq, changeset.Timestamp);
                    if (!partial.IsComplete)
                    {
                        continue;
                    }

                    changes = TakeBuffered(actor, changeset.Version);
                }

                var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                try
                {
                    impacted += MergeChanges(changes, tables);
                }
                catch (SqliteException ex) when (ex.IsConstraint)
                {
                    // The peer's schema allows what this node's does not (a NOT NULL or CHECK it lacks): a refusal of
                    // the peer's data, like an unknown column, not a failure of this node.
                    throw new CorrosionException($"change of actor {actor} version {changeset.Version} breaks this node's schema: {ex.Message}", ex);
                }

                Bookkeeping.MarkKnown(_db, actor, new InclusiveRange(changeset.Version, changeset.Version));
                applied++;
                var lastSeq = changes.Count == 0 ? 0 : changes.Max(c => c.Seq);
                committed.Add(new CommittedChanges(
                    new Changeset(actor, changeset.Version, changes, 0, lastSeq, lastSeq, changeset.Timestamp),
                    IsLocal: false,
                    tables));
            }

            _capture.SyncBit = false;
            _db.Execute("COMMIT");
        }
        catch
        {
            RollbackWrite();
            Bookkeeping.Load(_db);
            LoadOrdinals();
            throw;
        }

        // Own versions merged (or known to exist) above the local head: the next local write goes above them.
        DbVersion = Math.Max(DbVersion, Bookkeeping.HeadOf(ActorId));
        return (new ApplyResult(applied, buffered, skipped, impacted), committed);
    }

    /// <summary>
    /// Records that a peer holds this node's own actor up to <paramref name="version"/>, above the local head (this
    /// node lost them, e.g. restored from an older backup keeping its actor id): they become gaps that sync fetches,
    /// and the next local write gets a version above them instead of reusing a number peers already hold.
    /// </summary>
    /// <returns>The local head before, or null if <paramref name="version"/> was not above it.</returns>
    public long? MarkOwnVersionsMissing(long version)
    {
        var before = Bookkeeping.HeadOf(ActorId);
        if (version <= before)
        {
            return null;
        }

        BeginWrite();
        try
        {
            Bookkeeping.MarkMissing(_db, ActorId, version);
            _db.Execute("COMMIT");
        }
        catch
        {
            RollbackWrite();
            Bookkeeping.Load(_db);
            throw;
        }

        DbVersion = Math.Max(DbVersion, version);
        return before;
    }

    private const long MaxClockValue = 1L << 62;

    private void Validate(Changeset changeset)
    {
        if (changeset.SeqStart < 0 || changeset.SeqEnd < changeset.SeqStart || changeset.LastSeq < changeset.SeqEnd || changeset.Version < 1)
        {
            throw new CorrosionException(
                $"changeset of actor {changeset.ActorId} version {changeset.Version} has invalid seqs {changeset.SeqStart}..={changeset.SeqEnd} (last {changeset.LastSeq})");
        }

        foreach (var change in changeset.Changes)
        {
            if (!_tables.TryGetValue(change.Table, out var table))
            {
                throw new CorrosionException($"change for unknown table '{change.Table}' (actor {changeset.ActorId} version {changeset.Version})");
            }

            if (!change.IsSentinel && !table.ValueColumnSet.Contains(change.Cid))
            {
                throw new CorrosionException($"change for unknown column '{change.Table}.{change.Cid}' (actor {changeset.ActorId} version {changeset.Version})");
            }

            if (change.SiteId != changeset.ActorId || change.DbVersion != changeset.Version)
            {
                throw new CorrosionException($"change of '{change.Table}' does not belong to actor {changeset.ActorId} version {changeset.Version}");
            }

            if (change.Cl < 1 || change.ColVersion < 0)
            {
                throw new CorrosionException($"change of '{change.Table}' has an invalid causal length {change.Cl} or col_version {change.ColVersion}");
            }

            // Local writes count both up by one or two; past 2^62 they would soon leave SQLite's integers and every
            // later update of the row would fail, so a peer cannot wedge a row with such a clock.
            if (change.Cl > MaxClockValue || change.ColVersion > MaxClockValue)
            {
                throw new CorrosionException(
                    $"change of '{change.Table}' has a causal length {change.Cl} or col_version {change.ColVersion} above 2^62, beyond any real history of writes");
            }

            SqlValue[] pk;
            try
            {
                pk = PackedPk.Unpack(change.Pk);
            }
            catch (FormatException ex)
            {
                throw new CorrosionException($"change of '{change.Table}' has a malformed primary key: {ex.Message}", ex);
            }

            if (pk.Length != table.KeyColumns.Count)
            {
                throw new CorrosionException($"change of '{change.Table}' has a primary key of {pk.Length} columns, the table has {table.KeyColumns.Count}");
            }
        }
    }

    // Buffered changes per INSERT, well under SQLite's parameter limit.
    private const int BufferRowsPerInsert = 64;
    private const int BufferedChangeParameters = 10;

    private void BufferChunk(Changeset changeset)
    {
        var ts = SqlValue.FromText(changeset.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var site = SqlValue.FromBlob(changeset.ActorId.ToByteArray());
        var arguments = new SqlValue[Math.Min(changeset.Changes.Count, BufferRowsPerInsert) * BufferedChangeParameters];
        foreach (var rows in changeset.Changes.Chunk(BufferRowsPerInsert))
        {
            for (var i = 0; i < rows.Length; i++)
            {
                var change = rows[i];
                var row = arguments.AsSpan(i * BufferedChangeParameters, BufferedChangeParameters);
                row[0] = change.Table;
                row[1] = change.Pk;
                row[2] = change.Cid;
                row[3] = change.Val;
                row[4] = change.ColVersion;
                row[5] = change.DbVersion;
                row[6] = site;
                row[7] = change.Seq;
                row[8] = change.Cl;
                row[9] = ts;
            }

            _db.Execute(BufferChangesSql(rows.Length), arguments.AsSpan(0, rows.Length * BufferedChangeParameters));
        }
    }

    private string BufferChangesSql(int rows)
    {
        while (_bufferChangesSql.Count < rows)
        {
            var values = ValuesRows(BufferedChangeParameters, _bufferChangesSql.Count + 1);
            _bufferChangesSql.Add(
                "INSERT OR IGNORE INTO __corro_buffered_changes (\"table\", pk, cid, val, col_version, db_version, site_id, seq, cl, ts) VALUES " + values);
        }

        return _bufferChangesSql[rows - 1];
    }

    private List<Change> TakeBuffered(ActorId actor, long version)
    {
        var changes = new List<Change>();
        var statement = _db.Prepare(
            "SELECT \"table\", pk, cid, val, col_version, db_version, cl, seq FROM __corro_buffered_changes " +
            "WHERE site_id = ?1 AND db_version = ?2 ORDER BY seq");
        try
        {
            statement.Bind(1, actor.ToByteArray());
            statement.Bind(2, version);
            while (statement.Step())
            {
                changes.Add(new Change(
                    statement.GetText(0), statement.GetBlobSpan(1).ToArray(), statement.GetText(2), statement.GetValue(3),
                    statement.GetInt64(4), statement.GetInt64(5), actor, statement.GetInt64(6), statement.GetInt64(7)));
            }
        }
        finally
        {
            statement.Reset();
        }

        DropBuffered(actor, version);
        return changes;
    }

    private void DropBuffered(ActorId actor, long version)
    {
        if (!Bookkeeping.Actors.TryGetValue(actor, out var state) || !state.Partials.ContainsKey(version))
        {
            return;
        }

        _db.Execute("DELETE FROM __corro_buffered_changes WHERE site_id = ?1 AND db_version = ?2", actor.ToByteArray(), version);
        Bookkeeping.ClearPartial(_db, actor, version);
    }

    private long OrdinalOf(ActorId actor)
    {
        if (actor == ActorId)
        {
            return 0;
        }

        if (_ordinals.TryGetValue(actor, out var ordinal))
        {
            return ordinal;
        }

        _db.Execute("INSERT INTO crsql_site_id (site_id) VALUES (?1)", actor.ToByteArray());
        ordinal = _db.LastInsertRowId;
        _ordinals[actor] = ordinal;
        _actorsByOrdinal[ordinal] = actor;
        return ordinal;
    }

    private void LoadOrdinals()
    {
        _ordinals.Clear();
        _actorsByOrdinal.Clear();
        using var sites = _db.PrepareUncached("SELECT site_id, ordinal FROM crsql_site_id");
        while (sites.Step())
        {
            var actor = new ActorId(sites.GetBlobSpan(0));
            _ordinals[actor] = sites.GetInt64(1);
            _actorsByOrdinal[sites.GetInt64(1)] = actor;
        }
    }

    private int MergeChanges(IReadOnlyList<Change> changes, HashSet<string> impactedTables)
    {
        var merger = new RowMerger(this);
        var impacted = 0;
        foreach (var change in changes)
        {
            if (merger.Merge(change))
            {
                impacted++;
                impactedTables.Add(_tables[change.Table].Name);
            }
        }

        merger.Flush();
        return impacted;
    }

    /// <summary>
    /// Keeps the clock state of the row being merged, so consecutive changes of one row read it once, and the values
    /// and clock rows that won, so the row and its clock rows are each written in one statement (<see cref="Flush"/>)
    /// rather than once per column.
    /// </summary>
    private sealed class RowMerger(CrdtStore store)
    {
        // Clock rows per statement at most, well under SQLite's parameter limit.
        private const int MaxClocksPerWrite = 64;

        private readonly Dictionary<string, ClockEntry> _clocks = new(StringComparer.Ordinal);
        private readonly List<(int Column, SqlValue Value)> _won = [];
        private readonly List<SqlValue> _clockWrites = [];
        private CrrTable? _table;
        private byte[]? _pk;

        private readonly record struct ClockEntry(long ColVersion, long DbVersion, long Site, long Seq);
        private SqlValue[] _keyValues = [];
        private long? _key;
        private long _localCl;

        public bool Merge(Change change)
        {
            var table = store._tables[change.Table];
            if (!ReferenceEquals(table, _table) || _pk is null || !_pk.AsSpan().SequenceEqual(change.Pk))
            {
                Flush();
                Load(table, change.Pk);
            }

            var db = store._db;
            var site = store.OrdinalOf(change.SiteId);
            if (change.Cl < _localCl)
            {
                return false;
            }

            if (change.Cl % 2 == 0)
            {
                if (change.Cl == _localCl)
                {
                    TieSentinel(change, site);
                    return false;
                }

                var key = EnsureKey();
                Flush();
                db.Execute(table.DeleteRowSql, _keyValues);
                db.Execute(table.DropValueClocksSql, key);
                WriteClock(key, Change.SentinelCid, change.Cl, change.DbVersion, site, change.Seq);
                _clocks.Clear();
                _clocks[Change.SentinelCid] = new ClockEntry(change.Cl, change.DbVersion, site, change.Seq);
                _localCl = change.Cl;
                return true;
            }

            if (change.IsSentinel)
            {
                if (change.Cl == _localCl)
                {
                    TieSentinel(change, site);
                    return false;
                }

                Resurrect(change.Cl, change.DbVersion, site, change.Seq);
                return true;
            }

            bool wins;
            if (change.Cl > _localCl)
            {
                if (_localCl > 0 || change.Cl > 1)
                {
                    // The sentinel change of this causal length has not arrived yet: record the length with
                    // db_version 0, which the real sentinel change replaces when it comes (see TieSentinel).
                    Resurrect(change.Cl, 0, site, 0);
                }

                wins = true;
            }
            else if (!_clocks.TryGetValue(change.Cid, out var local))
            {
                wins = true;
            }
            else if (change.ColVersion != local.ColVersion)
            {
                wins = change.ColVersion > local.ColVersion;
            }
            else
            {
                Flush();
                var current = db.Scalar(table.ReadValueSql(change.Cid), _keyValues);
                var order = change.Val.CompareTo(current);
                if (order != 0)
                {
                    wins = order > 0;
                }
                else
                {
                    var localActor = store._actorsByOrdinal.GetValueOrDefault(local.Site, store.ActorId);
                    wins = change.SiteId.CompareTo(localActor) > 0;
                }
            }

            if (!wins)
            {
                return false;
            }

            var rowKey = EnsureKey();
            var column = table.ValueColumnIndex(change.Cid);
            _won.RemoveAll(w => w.Column == column);
            _won.Add((column, change.Val));
            WriteClock(rowKey, change.Cid, change.ColVersion, change.DbVersion, site, change.Seq);
            _clocks[change.Cid] = new ClockEntry(change.ColVersion, change.DbVersion, site, change.Seq);
            if (_localCl == 0)
            {
                _localCl = 1;
            }

            return true;
        }

        private void Resurrect(long cl, long dbVersion, long site, long seq)
        {
            var db = store._db;
            var key = EnsureKey();
            Flush();
            db.Execute(_table!.InsertKeyOnlyRowSql, _keyValues);
            db.Execute(_table.ZeroClocksSql, key);
            WriteClock(key, Change.SentinelCid, cl, dbVersion, site, seq);
            foreach (var column in _clocks.Keys.ToList())
            {
                _clocks[column] = _clocks[column] with { ColVersion = 0 };
            }

            _clocks[Change.SentinelCid] = new ClockEntry(cl, dbVersion, site, seq);
            _localCl = cl;
        }

        /// <summary>
        /// Two sentinel changes of the same causal length (concurrent deletes, or concurrent re-creations): the row
        /// state is the same, and the sentinel's metadata goes to the greater (db_version, site id, seq) so that
        /// every replica ends with the same clock row whatever the delivery order.
        /// </summary>
        private void TieSentinel(Change change, long site)
        {
            if (!_clocks.TryGetValue(Change.SentinelCid, out var local) || _key is not { } key)
            {
                return;
            }

            var order = change.DbVersion.CompareTo(local.DbVersion);
            if (order == 0)
            {
                order = change.SiteId.CompareTo(store._actorsByOrdinal.GetValueOrDefault(local.Site, store.ActorId));
            }

            if (order == 0)
            {
                order = change.Seq.CompareTo(local.Seq);
            }

            if (order > 0)
            {
                WriteClock(key, Change.SentinelCid, change.Cl, change.DbVersion, site, change.Seq);
                _clocks[Change.SentinelCid] = new ClockEntry(change.Cl, change.DbVersion, site, change.Seq);
            }
        }

        /// <summary>
        /// Writes what is pending for the current row: the clock rows, then the values that won in one upsert. Called
        /// before any other statement on the row's data or clock rows, so they apply in the order they were decided.
        /// </summary>
        public void Flush()
        {
            WriteClocks();
            WriteValues();
        }

        private void WriteClocks()
        {
            if (_clockWrites.Count == 0)
            {
                return;
            }

            var rows = _clockWrites.Count / CrrTable.WriteClockParameters;
            store._db.Execute(_table!.WriteClocksSql(rows), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_clockWrites));
            _clockWrites.Clear();
        }

        private void WriteValues()
        {
            if (_won.Count == 0)
            {
                return;
            }

            _won.Sort(static (a, b) => a.Column.CompareTo(b.Column));
            var arguments = new SqlValue[_keyValues.Length + _won.Count];
            var columns = new int[_won.Count];
            _keyValues.CopyTo(arguments, 0);
            for (var i = 0; i < _won.Count; i++)
            {
                columns[i] = _won[i].Column;
                arguments[_keyValues.Length + i] = _won[i].Value;
            }

            store._db.Execute(_table!.UpsertValuesSql(columns), arguments);
            _won.Clear();
        }

        private void WriteClock(long key, string column, long colVersion, long dbVersion, long site, long seq)
        {
            _clockWrites.Add(key);
            _clockWrites.Add(column);
            _clockWrites.Add(colVersion);
            _clockWrites.Add(dbVersion);
            _clockWrites.Add(site);
            _clockWrites.Add(seq);
            if (_clockWrites.Count == MaxClocksPerWrite * CrrTable.WriteClockParameters)
            {
                WriteClocks();
            }
        }

        private long EnsureKey()
        {
            if (_key is { } key)
            {
                return key;
            }

            var arguments = new SqlValue[_keyValues.Length + 1];
            _keyValues.CopyTo(arguments, 0);
            arguments[^1] = _pk!;
            store._db.Execute(_table!.InsertKeySql, arguments);
            _key = store._db.LastInsertRowId;
            return _key.Value;
        }

        private void Load(CrrTable table, byte[] pk)
        {
            _table = table;
            _pk = pk;
            _keyValues = PackedPk.Unpack(pk);
            _clocks.Clear();
            var db = store._db;
            var key = db.Scalar(table.LookupKeySql, _keyValues);
            _key = key.IsNull ? null : key.AsInteger;
            _localCl = 0;
            if (_key is null)
            {
                return;
            }

            var statement = db.Prepare(table.LoadClockSql);
            try
            {
                statement.Bind(1, _key.Value);
                while (statement.Step())
                {
                    _clocks[statement.GetText(0)] = new ClockEntry(statement.GetInt64(1), statement.GetInt64(2), statement.GetInt64(3), statement.GetInt64(4));
                }
            }
            finally
            {
                statement.Reset();
            }

            _localCl = _clocks.TryGetValue(Change.SentinelCid, out var sentinel) ? sentinel.ColVersion : _clocks.Count > 0 ? 1 : 0;
        }
    }

    /// <summary>
    /// Checkpoints the whole write-ahead log into the database and truncates it to zero bytes. Returns false when
    /// readers still used the log after the busy timeout (nothing is lost; the next attempt finishes the job).
    /// </summary>
    public bool TruncateWal() => _db.Scalar("PRAGMA wal_checkpoint(TRUNCATE)").AsInteger == 0;

    public void SaveMembers(IReadOnlyList<(ActorId Actor, string Address, string State)> members)
    {
        _db.Execute("BEGIN IMMEDIATE");
        try
        {
            _db.Execute("DELETE FROM __corro_members");
            foreach (var (actor, address, state) in members)
            {
                _db.Execute(
                    "INSERT INTO __corro_members (actor_id, address, foca_state, updated_at) VALUES (?1, ?2, ?3, datetime('now'))",
                    actor.ToByteArray(), address, state);
            }

            _db.Execute("COMMIT");
        }
        catch
        {
            _db.Execute("ROLLBACK");
            throw;
        }
    }

    public List<(ActorId Actor, string Address, string State)> LoadMembers()
    {
        var members = new List<(ActorId, string, string)>();
        using var rows = _db.PrepareUncached("SELECT actor_id, address, foca_state FROM __corro_members");
        while (rows.Step())
        {
            members.Add((new ActorId(rows.GetBlobSpan(0)), rows.GetText(1), rows.GetText(2)));
        }

        return members;
    }

    public void Dispose()
    {
        ClearClientStatements();
        _inserts.Dispose();
        _checkpointer?.Dispose();
        _db.Dispose();
        _authorizer.Dispose();
        _capture.Dispose();
    }
}
