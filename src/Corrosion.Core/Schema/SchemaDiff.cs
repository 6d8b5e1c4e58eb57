using System.Text;

namespace Corrosion.Schema;

/// <summary>
/// Computes the migration from the applied schema to the schema files. Only additive changes are produced;
/// anything destructive is refused as a whole, so a bad reload changes nothing.
/// </summary>
internal static class SchemaDiff
{
    private const string Destructive = "this is a destructive change and was not applied";

    /// <summary>
    /// Returns the changes that turn <paramref name="current"/> into <paramref name="wanted"/>, in the order they
    /// must run: index drops, new tables, new columns, then index creations. A <see cref="SchemaChange.CreateTable"/>
    /// creates the table only; its indexes follow as <see cref="SchemaChange.CreateIndex"/> changes. A new column
    /// is added at the end of the table even when the file declares it between others: SQLite can only append.
    /// Tables and columns are matched by name ignoring case, as SQLite does.
    /// </summary>
    /// <exception cref="SchemaException">A change is destructive or cannot be made; one line per problem.</exception>
    public static IReadOnlyList<SchemaChange> Compute(SchemaDefinition current, SchemaDefinition wanted)
    {
        var problems = new List<string>();
        var drops = new List<SchemaChange>();
        var creates = new List<SchemaChange>();
        var additions = new List<SchemaChange>();
        var indexes = new List<SchemaChange>();

        foreach (var table in current.Tables.Values.Where(t => !Contains(wanted, t.Name)))
        {
            problems.Add($"schema file {table.Source}: table '{table.Name}': the table was removed from the schema files; {Destructive}");
        }

        foreach (var table in wanted.Tables.Values)
        {
            var existing = Find(current, table.Name);
            if (existing is null)
            {
                creates.Add(new SchemaChange.CreateTable(table));
                indexes.AddRange(table.Indexes.Select(i => new SchemaChange.CreateIndex(i)));
                continue;
            }

            CompareColumns(existing, table, additions, problems);
            CompareIndexes(existing, table, drops, indexes);
        }

        if (problems.Count > 0)
        {
            throw new SchemaException(string.Join('\n', problems));
        }

        return [.. drops, .. creates, .. additions, .. indexes];
    }

    /// <summary>The <c>ALTER TABLE ... ADD COLUMN</c> statement that adds <paramref name="column"/> to <paramref name="table"/>.</summary>
    internal static string AddColumnSql(string table, ColumnSchema column)
    {
        var sql = new StringBuilder($"ALTER TABLE {Quote(table)} ADD COLUMN {Quote(column.Name)}");
        if (column.Type.Length > 0)
        {
            sql.Append(' ').Append(column.Type);
        }

        if (column.NotNull)
        {
            sql.Append(" NOT NULL");
        }

        if (column.DefaultSql is not null)
        {
            sql.Append(" DEFAULT ").Append(DefaultClause(column.DefaultSql));
        }

        return sql.ToString();
    }

    /// <summary>Quotes an identifier with double quotes, doubling any it contains.</summary>
    internal static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void CompareColumns(TableSchema existing, TableSchema table, List<SchemaChange> additions, List<string> problems)
    {
        var prefix = $"schema file {table.Source}: table '{table.Name}': ";
        var oldKey = string.Join(", ", existing.PrimaryKey.Select(c => c.Name));
        var newKey = string.Join(", ", table.PrimaryKey.Select(c => c.Name));
        if (!oldKey.Equals(newKey, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{prefix}the primary key changed from ({oldKey}) to ({newKey}); {Destructive}");
        }

        foreach (var old in existing.Columns)
        {
            var now = table.Columns.FirstOrDefault(c => c.Name.Equals(old.Name, StringComparison.OrdinalIgnoreCase));
            if (now is null)
            {
                problems.Add($"{prefix}column '{old.Name}' was removed; {Destructive}");
                continue;
            }

            if (!SqlTokenizer.Normalize(old.Type).Equals(SqlTokenizer.Normalize(now.Type), StringComparison.Ordinal))
            {
                problems.Add($"{prefix}column '{old.Name}' changed type from '{old.Type}' to '{now.Type}'; {Destructive}");
            }

            if (old.NotNull != now.NotNull)
            {
                problems.Add($"{prefix}column '{old.Name}' changed from {Nullability(old)} to {Nullability(now)}; {Destructive}");
            }

            if (!SameDefault(old.DefaultSql, now.DefaultSql))
            {
                problems.Add($"{prefix}column '{old.Name}' changed its DEFAULT from {DefaultText(old)} to {DefaultText(now)}; {Destructive}");
            }
        }

        foreach (var column in table.Columns.Where(c => !existing.Columns.Any(o => o.Name.Equals(c.Name, StringComparison.OrdinalIgnoreCase))))
        {
            if (column.IsPrimaryKey)
            {
                // Already reported as a primary key change.
                continue;
            }

            if (column.NotNull && !SchemaParser.HasDefault(column))
            {
                problems.Add($"{prefix}new column '{column.Name}' is NOT NULL without a DEFAULT (an added column must be nullable or have a default value)");
                continue;
            }

            if (column.DefaultSql is not null && IsCurrentTime(column.DefaultSql))
            {
                problems.Add($"{prefix}new column '{column.Name}' has DEFAULT {column.DefaultSql} (SQLite cannot add a column with a non-constant default to an existing table)");
                continue;
            }

            additions.Add(new SchemaChange.AddColumn(table, column, AddColumnSql(table.Name, column)));
        }
    }

    private static void CompareIndexes(TableSchema existing, TableSchema table, List<SchemaChange> drops, List<SchemaChange> creates)
    {
        foreach (var old in existing.Indexes)
        {
            var now = table.Indexes.FirstOrDefault(i => i.Name.Equals(old.Name, StringComparison.OrdinalIgnoreCase));
            if (now is null || !SqlTokenizer.Normalize(old.Sql).Equals(SqlTokenizer.Normalize(now.Sql), StringComparison.Ordinal))
            {
                drops.Add(new SchemaChange.DropIndex(old.Name, old.Table));
            }
        }

        foreach (var index in table.Indexes)
        {
            var old = existing.Indexes.FirstOrDefault(i => i.Name.Equals(index.Name, StringComparison.OrdinalIgnoreCase));
            if (old is null || !SqlTokenizer.Normalize(old.Sql).Equals(SqlTokenizer.Normalize(index.Sql), StringComparison.Ordinal))
            {
                creates.Add(new SchemaChange.CreateIndex(index));
            }
        }
    }

    /// <summary>
    /// SQLite stores a DEFAULT without its parentheses. A lone literal (or signed number) can be written back as
    /// is, and must be: <c>DEFAULT ""</c> is a string but <c>DEFAULT ("")</c> is a column reference. Anything else
    /// is an expression and needs the parentheses again.
    /// </summary>
    private static string DefaultClause(string defaultSql)
    {
        var tokens = SqlTokenizer.Tokenize(defaultSql);
        var literal = (tokens.Count == 1 && tokens[0].Kind != SqlTokenKind.Punctuation && tokens[0].Kind != SqlTokenKind.Parameter)
            || (tokens.Count == 2 && (tokens[0].IsPunctuation('-') || tokens[0].IsPunctuation('+')) && tokens[1].Kind == SqlTokenKind.Number);
        return literal ? defaultSql : "(" + defaultSql + ")";
    }

    private static bool IsCurrentTime(string defaultSql) =>
        SqlTokenizer.Normalize(defaultSql) is "CURRENT_TIME" or "CURRENT_DATE" or "CURRENT_TIMESTAMP";

    private static bool SameDefault(string? a, string? b) =>
        a is null || b is null
            ? a is null && b is null
            : SqlTokenizer.Normalize(a).Equals(SqlTokenizer.Normalize(b), StringComparison.Ordinal);

    private static string Nullability(ColumnSchema column) => column.NotNull ? "NOT NULL" : "nullable";

    private static string DefaultText(ColumnSchema column) => column.DefaultSql ?? "none";

    private static bool Contains(SchemaDefinition schema, string table) => Find(schema, table) is not null;

    /// <summary>Looks a table up ignoring case, whatever comparer the definition's dictionary was built with.</summary>
    private static TableSchema? Find(SchemaDefinition schema, string table) =>
        schema.Tables.TryGetValue(table, out var found)
            ? found
            : schema.Tables.Values.FirstOrDefault(t => t.Name.Equals(table, StringComparison.OrdinalIgnoreCase));
}
