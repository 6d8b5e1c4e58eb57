namespace Corrosion.Schema;

/// <summary>A column of a schema table, as SQLite's <c>pragma table_xinfo</c> reports it.</summary>
/// <param name="Name">Column name.</param>
/// <param name="Type">Declared type, as written (may be empty).</param>
/// <param name="NotNull">Declared NOT NULL.</param>
/// <param name="DefaultSql">The DEFAULT expression as SQL text, or null when there is none.</param>
/// <param name="PrimaryKeyIndex">1-based position in the primary key, 0 when not part of it.</param>
internal sealed record ColumnSchema(string Name, string Type, bool NotNull, string? DefaultSql, int PrimaryKeyIndex)
{
    public bool IsPrimaryKey => PrimaryKeyIndex > 0;
}

/// <summary>An index of a schema table (never unique: the rules forbid it).</summary>
/// <param name="Name">Index name.</param>
/// <param name="Table">Table it indexes.</param>
/// <param name="Sql">The CREATE INDEX statement as written in the schema file.</param>
internal sealed record IndexSchema(string Name, string Table, string Sql);

/// <summary>A table of the schema: its columns in declaration order, its indexes, and the CREATE TABLE text.</summary>
internal sealed record TableSchema(string Name, IReadOnlyList<ColumnSchema> Columns, IReadOnlyList<IndexSchema> Indexes, string Sql, string Source)
{
    /// <summary>Primary key columns in key order.</summary>
    public IReadOnlyList<ColumnSchema> PrimaryKey => [.. Columns.Where(c => c.IsPrimaryKey).OrderBy(c => c.PrimaryKeyIndex)];

    /// <summary>Columns that are not part of the primary key, in declaration order.</summary>
    public IReadOnlyList<ColumnSchema> NonKeyColumns => [.. Columns.Where(c => !c.IsPrimaryKey)];
}

/// <summary>The whole schema: every table of every schema file, by name (case-insensitive, as SQLite).</summary>
internal sealed record SchemaDefinition(IReadOnlyDictionary<string, TableSchema> Tables)
{
    public static SchemaDefinition Empty { get; } = new(new Dictionary<string, TableSchema>(StringComparer.OrdinalIgnoreCase));
}

/// <summary>One step of a migration from the stored schema to the schema files.</summary>
internal abstract record SchemaChange
{
    /// <summary>A new table: create it and make it a conflict-free replicated relation.</summary>
    public sealed record CreateTable(TableSchema Table) : SchemaChange;

    /// <summary>A new column on an existing table (<c>ALTER TABLE ... ADD COLUMN</c>).</summary>
    public sealed record AddColumn(TableSchema Table, ColumnSchema Column, string AlterSql) : SchemaChange;

    /// <summary>A new (or changed, after its drop) index.</summary>
    public sealed record CreateIndex(IndexSchema Index) : SchemaChange;

    /// <summary>An index no longer in the schema files (or changed: dropped, then created again).</summary>
    public sealed record DropIndex(string Name, string Table) : SchemaChange;
}
