namespace Corrosion.Storage;

/// <summary>DDL of cr-sqlite's global tables and Corrosion's own bookkeeping tables (the reference's layout).</summary>
internal static class InternalTables
{
    /// <summary>The layout version we keep in <c>crsql_master</c>: cr-sqlite 0.16.3's (clock tables without <c>ts</c>).</summary>
    public const long CrsqliteVersion = 160300;

    /// <summary>
    /// The <c>__corro_state</c> key a restore that keeps an actor id sets: peers may hold later versions of that actor,
    /// so the node holds local writes until its first sync tells it how far they go (see docs/backup-restore.md).
    /// </summary>
    public const string OwnActorCatchUpKey = "own_actor_catch_up";

    /// <summary>DDL of <c>__corro_state</c> (also in <see cref="Ddl"/>), for a restore to mark a copy it makes.</summary>
    public const string StateDdl = "CREATE TABLE IF NOT EXISTS __corro_state (key TEXT NOT NULL PRIMARY KEY, value)";

    public static readonly string[] Ddl =
    [
        "CREATE TABLE IF NOT EXISTS crsql_master (key TEXT NOT NULL PRIMARY KEY, value ANY)",
        "CREATE TABLE IF NOT EXISTS crsql_site_id (site_id BLOB NOT NULL, ordinal INTEGER PRIMARY KEY)",
        "CREATE UNIQUE INDEX IF NOT EXISTS crsql_site_id_site_id ON crsql_site_id (site_id)",
        "CREATE TABLE IF NOT EXISTS crsql_db_versions (site_id BLOB NOT NULL PRIMARY KEY, db_version INTEGER NOT NULL) STRICT",
        "CREATE TABLE IF NOT EXISTS crsql_tracked_peers (site_id BLOB NOT NULL, version INTEGER NOT NULL, seq INTEGER DEFAULT 0, " +
        "tag INTEGER, event INTEGER, PRIMARY KEY (site_id, tag, event)) STRICT",
        StateDdl,
        "CREATE TABLE IF NOT EXISTS __corro_schema (tbl_name TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL, sql TEXT NOT NULL, " +
        "source TEXT NOT NULL, PRIMARY KEY (tbl_name, type, name)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS __corro_bookkeeping_gaps (actor_id BLOB NOT NULL, start INTEGER NOT NULL, \"end\" INTEGER NOT NULL, " +
        "PRIMARY KEY (actor_id, start)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS __corro_seq_bookkeeping (site_id BLOB NOT NULL, db_version INTEGER NOT NULL, start_seq INTEGER NOT NULL, " +
        "end_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, ts TEXT NOT NULL, PRIMARY KEY (site_id, db_version, start_seq)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS __corro_buffered_changes (\"table\" TEXT NOT NULL, pk BLOB NOT NULL, cid TEXT NOT NULL, val ANY, " +
        "col_version INTEGER NOT NULL, db_version INTEGER NOT NULL, site_id BLOB NOT NULL, seq INTEGER NOT NULL, cl INTEGER NOT NULL, " +
        "ts TEXT NOT NULL, PRIMARY KEY (site_id, db_version, seq)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS __corro_members (actor_id BLOB NOT NULL PRIMARY KEY, address TEXT NOT NULL, foca_state JSON, " +
        "rtt_min INTEGER, updated_at DATETIME NOT NULL DEFAULT 0)",
    ];

    /// <summary>True for tables that hold CRDT metadata or bookkeeping, which clients must not write.</summary>
    public static bool IsInternal(string table) =>
        table.StartsWith("__corro", StringComparison.OrdinalIgnoreCase) ||
        table.StartsWith("crsql_", StringComparison.OrdinalIgnoreCase) ||
        table.Contains("__crsql_", StringComparison.OrdinalIgnoreCase) ||
        table.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase);
}
