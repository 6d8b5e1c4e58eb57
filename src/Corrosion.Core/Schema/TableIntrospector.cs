using Corrosion.Storage;

namespace Corrosion.Schema;

/// <summary>Reads a table's columns and indexes back from SQLite's own catalog.</summary>
internal static class TableIntrospector
{
    public static bool TableExists(SqliteConnection connection, string table) =>
        !connection.Scalar("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE", table).IsNull;

    public static IReadOnlyList<ColumnSchema> ReadColumns(SqliteConnection connection, string table)
    {
        var columns = new List<ColumnSchema>();
        using var statement = connection.PrepareUncached("SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1)");
        statement.Bind(1, table);
        while (statement.Step())
        {
            if (statement.GetInt64(5) != 0)
            {
                continue;
            }

            columns.Add(new ColumnSchema(
                statement.GetText(0),
                statement.GetText(1),
                statement.GetInt64(2) != 0,
                statement.ColumnKind(3) == SqlValueKind.Null ? null : statement.GetText(3),
                (int)statement.GetInt64(4)));
        }

        return columns;
    }

    /// <summary>The CREATE INDEX statements of a table's explicitly created indexes.</summary>
    public static IReadOnlyList<IndexSchema> ReadIndexes(SqliteConnection connection, string table)
    {
        var indexes = new List<IndexSchema>();
        using var statement = connection.PrepareUncached(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 COLLATE NOCASE AND sql IS NOT NULL ORDER BY name");
        statement.Bind(1, table);
        while (statement.Step())
        {
            indexes.Add(new IndexSchema(statement.GetText(0), table, statement.GetText(1)));
        }

        return indexes;
    }

    public static TableSchema Read(SqliteConnection connection, string table, string sql, string source) =>
        new(table, ReadColumns(connection, table), ReadIndexes(connection, table), sql, source);
}
