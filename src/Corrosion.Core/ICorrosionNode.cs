using Corrosion.Crdt;
using Corrosion.Subscriptions;
using Corrosion.Updates;

namespace Corrosion;

/// <summary>
/// A replicated SQLite node: local writes captured as cr-sqlite changes, reads on read-only connections, and
/// changesets read back and merged. The HTTP API, the cluster layer and embedding apps all go through this.
/// </summary>
public interface ICorrosionNode
{
    /// <summary>This node's actor id (cr-sqlite site id, ordinal 0 of <c>crsql_site_id</c>).</summary>
    ActorId ActorId { get; }

    /// <summary>Path of the SQLite database file.</summary>
    string DatabasePath { get; }

    /// <summary>
    /// Runs every statement in one transaction on the writer connection. On success the changes are committed
    /// under one new version (when anything changed). On any failure nothing is committed and a
    /// <see cref="StatementException"/> names the failing statement. The task completes once the version is
    /// committed; its changes reach <see cref="Changes"/> (broadcast, subscriptions) right after, before any later
    /// write, and in commit order.
    /// </summary>
    Task<TransactionResult> ExecuteAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken = default);

    /// <summary>
    /// Prepares and starts a read-only query on a reader connection. Rows stream as they are read. A statement
    /// that would write, or SQL that does not prepare, throws <see cref="StatementException"/> here.
    /// </summary>
    Task<QueryResult> QueryAsync(Statement statement, CancellationToken cancellationToken = default);

    /// <summary>
    /// Prepares one statement on a reader connection without running it: its result columns (names and declared
    /// types), how many parameters it takes and whether it only reads. SQL that does not prepare throws
    /// <see cref="StatementException"/>.
    /// </summary>
    Task<StatementDescription> DescribeAsync(string sql, CancellationToken cancellationToken = default);

    /// <summary>Reads back what remains of one version of an actor, as one or more changesets (chunks).</summary>
    Task<IReadOnlyList<Changeset>> ReadChangesetsAsync(ActorId actorId, long version, CancellationToken cancellationToken = default);

    /// <summary>
    /// Merges remote changesets with cr-sqlite's rules in one writer transaction. Idempotent: versions already
    /// held are skipped; partial versions are buffered until all their seqs arrive.
    /// </summary>
    Task<ApplyResult> ApplyChangesetsAsync(IReadOnlyList<Changeset> changesets, CancellationToken cancellationToken = default);

    /// <summary>For each known actor: the highest version held, the missing version ranges and partial versions.</summary>
    Task<SyncState> GetSyncStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Re-reads the schema files and applies the non-destructive difference.</summary>
    Task<SchemaApplyResult> ReloadSchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the schema from <paramref name="schemaPaths"/> (files, or directories of <c>.sql</c> files) instead of
    /// the configured paths, and applies the non-destructive difference (what <c>corrosion reload</c> does with the
    /// schema paths of the config file it is given).
    /// </summary>
    Task<SchemaApplyResult> ReloadSchemaAsync(IReadOnlyList<string> schemaPaths, CancellationToken cancellationToken = default);

    /// <summary>Changesets committed on this node, local or merged: for broadcast and subscriptions.</summary>
    IChangeFeed Changes { get; }

    /// <summary>
    /// Opens a stream of the primary keys of <paramref name="table"/> as they change (the lighter feed behind
    /// <c>/v1/updates/:table</c>): no SQL, no snapshot, one notification per key per commit. Dispose it to stop; it
    /// also ends, cleanly, when the node begins to stop (the host's <c>ApplicationStopping</c>).
    /// </summary>
    /// <param name="table">The table to watch.</param>
    /// <param name="capacity">Commits buffered for a slow reader before it is cut off.</param>
    /// <exception cref="UnknownTableException"><paramref name="table"/> is not a table of the schema.</exception>
    TableUpdateStream WatchTable(string table, int capacity = 1024);

    /// <summary>
    /// Joins the subscription to a read-only query, creating it when no subscription has the same SQL (whitespace
    /// and keyword case aside) and parameters. The returned client streams the query's columns, current rows and
    /// end-of-query (or, with <see cref="SubscribeOptions.From"/>, the changes after that id), then a change event
    /// whenever a local or replicated commit changes the result. SQL that does not prepare, a write statement or
    /// wrong parameters throw <see cref="StatementException"/>; a <c>From</c> the subscription no longer holds
    /// throws <see cref="SubscriptionException"/>. The stream ends cleanly when the node begins to stop (the host's
    /// <c>ApplicationStopping</c>); one joined after that ends after its initial events.
    /// </summary>
    Task<ISubscription> SubscribeAsync(Statement statement, SubscribeOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Joins an existing subscription by id, or returns null when there is none (never created, or dropped after
    /// its retention period without clients). Throws <see cref="SubscriptionException"/> for a <c>From</c> no
    /// longer held.
    /// </summary>
    Task<ISubscription?> GetSubscriptionAsync(Guid id, SubscribeOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>A snapshot of every live subscription (its query, rows, clients and last change id), sorted by id.</summary>
    IReadOnlyList<SubscriptionInfo> ListSubscriptions();

    /// <summary>
    /// Who holds the node's single writer and who waits for it, and for how long (what <c>corrosion locks</c>
    /// shows): the holder first, then the waiters, longest first.
    /// </summary>
    IReadOnlyList<WriterLockInfo> ListWriterLocks();
}

/// <summary>One user of the node's writer.</summary>
/// <param name="Label">What it is for: <c>transaction</c>, <c>apply changesets</c>, <c>reload</c>, <c>sync state</c>, ...</param>
/// <param name="Held">Holding the writer (true) or waiting for it (false).</param>
/// <param name="Duration">How long it has held it, or waited for it.</param>
public sealed record WriterLockInfo(string Label, bool Held, TimeSpan Duration);

/// <summary>What a merge did.</summary>
/// <param name="AppliedVersions">Complete versions merged now (including those completed from buffered chunks).</param>
/// <param name="BufferedChunks">Chunks of partial versions stored until the version is complete.</param>
/// <param name="SkippedVersions">Versions already held, ignored.</param>
/// <param name="ImpactedChanges">Changes that won and were written.</param>
public sealed record ApplyResult(int AppliedVersions, int BufferedChunks, int SkippedVersions, int ImpactedChanges);

/// <summary>What a schema apply did.</summary>
/// <param name="CreatedTables">The tables created.</param>
/// <param name="AlteredTables">The existing tables that gained columns.</param>
/// <param name="Messages">The other steps taken, one line each (indexes dropped or created).</param>
/// <param name="Elapsed">How long the apply took.</param>
public sealed record SchemaApplyResult(IReadOnlyList<string> CreatedTables, IReadOnlyList<string> AlteredTables, IReadOnlyList<string> Messages, TimeSpan Elapsed);
