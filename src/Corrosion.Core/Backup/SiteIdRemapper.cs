using Corrosion.Storage;
using static Corrosion.Storage.SqlText;

namespace Corrosion.Backup;

/// <summary>
/// Rewrites which actor is "this node" in a database file. cr-sqlite's clock tables name the writer of each
/// column by an ordinal into <c>crsql_site_id</c>, and ordinal 0 is the local node. Everything else in our
/// bookkeeping (<c>crsql_db_versions</c>, gaps, seq bookkeeping, buffered changes) names actors by their id, so
/// moving an actor between ordinals touches only <c>crsql_site_id</c> and the clock tables' <c>site_id</c>.
/// The caller owns the transaction.
/// </summary>
internal static class SiteIdRemapper
{
    /// <summary>
    /// Makes the file generic: the ordinal-0 actor gets a new ordinal and its clock rows follow it. Returns that
    /// actor and its new ordinal, or null when there was no ordinal 0 (already generic).
    /// </summary>
    public static (ActorId Actor, long Ordinal)? Generalize(SqliteConnection db)
    {
        var clocks = ClockTables(db);
        var site = db.Scalar("DELETE FROM crsql_site_id WHERE ordinal = 0 RETURNING site_id");
        if (site.IsNull)
        {
            foreach (var table in clocks)
            {
                if (db.Scalar($"SELECT EXISTS (SELECT 1 FROM {Id(table)} WHERE site_id = 0)").AsInteger != 0)
                {
                    throw new CorrosionException($"the database has no actor at ordinal 0 in crsql_site_id but {table} has rows written by it");
                }
            }

            return null;
        }

        var actor = new ActorId(site.AsBlob);
        db.Execute("INSERT INTO crsql_site_id (site_id) VALUES (?1)", actor.ToByteArray());
        var ordinal = db.LastInsertRowId;
        foreach (var table in clocks)
        {
            db.Execute($"UPDATE {Id(table)} SET site_id = ?1 WHERE site_id = 0", ordinal);
        }

        return (actor, ordinal);
    }

    /// <summary>
    /// Makes <paramref name="actor"/> the node's own: ordinal 0, with its clock rows. Expects a generic file (no
    /// ordinal 0). Returns the ordinal it had, or null if the file did not know it.
    /// </summary>
    public static long? MakeLocal(SqliteConnection db, ActorId actor)
    {
        var clocks = ClockTables(db);
        var found = db.Scalar("DELETE FROM crsql_site_id WHERE site_id = ?1 RETURNING ordinal", actor.ToByteArray());
        db.Execute("INSERT INTO crsql_site_id (site_id, ordinal) VALUES (?1, 0)", actor.ToByteArray());
        if (found.IsNull)
        {
            return null;
        }

        var ordinal = found.AsInteger;
        foreach (var table in clocks)
        {
            db.Execute($"UPDATE {Id(table)} SET site_id = 0 WHERE site_id = ?1", ordinal);
        }

        return ordinal;
    }

    public static bool TableExists(SqliteConnection db, string name) =>
        db.Scalar("SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1)", name).AsInteger != 0;

    private static List<string> ClockTables(SqliteConnection db)
    {
        var tables = new List<string>();
        using var rows = db.PrepareUncached("SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB '*__crsql_clock' ORDER BY name");
        while (rows.Step())
        {
            tables.Add(rows.GetText(0));
        }

        return tables;
    }
}
