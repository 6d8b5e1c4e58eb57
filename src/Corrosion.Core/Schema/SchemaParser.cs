using Corrosion.Storage;
using SQLitePCL;

namespace Corrosion.Schema;

/// <summary>
/// Turns schema SQL into a <see cref="SchemaDefinition"/>, enforcing Corrosion's schema rules and cr-sqlite's
/// <c>crsql_as_crr</c> requirements. The same entry point reads schema files and the rows stored in
/// <c>__corro_schema</c>, so both sides of a diff are built the same way.
/// </summary>
/// <remarks>
/// The statements run in a scratch in-memory database and are read back with SQLite's pragmas, so SQLite decides
/// what the SQL means. Every CREATE TABLE runs before any CREATE INDEX: an index may then come before its table
/// (another file, or stored rows ordered by type).
/// </remarks>
internal static class SchemaParser
{
    private const string ReservedRule = "names starting with '__corro' or 'crsql_' or containing '__crsql_' are reserved for Corrosion and cr-sqlite";
    private const string UniqueRule = "no unique indexes or UNIQUE constraints besides the primary key";

    /// <summary>Parses and validates every statement of <paramref name="sources"/>.</summary>
    /// <param name="sources">SQL texts, each with the file path (or stored source) named in errors.</param>
    /// <exception cref="SchemaException">One line per problem found; nothing is returned when any is found.</exception>
    public static SchemaDefinition Parse(IEnumerable<(string Sql, string Source)> sources)
    {
        var problems = new List<string>();
        var statements = new List<SchemaStatement>();
        foreach (var (sql, source) in sources)
        {
            statements.AddRange(Split(sql).Select(text => SchemaStatement.Classify(text, source)));
        }

        foreach (var statement in statements.Where(s => s.Kind == SchemaStatementKind.Other))
        {
            problems.Add($"schema file {statement.Source}: {statement.Description} is not allowed (schema files may only hold CREATE TABLE and CREATE INDEX statements)");
        }

        using var scratch = SqliteConnection.Open(":memory:");
        var declared = new Dictionary<string, SchemaStatement>(StringComparer.OrdinalIgnoreCase);
        var tables = new Dictionary<string, TableParts>(StringComparer.OrdinalIgnoreCase);
        foreach (var statement in statements.Where(s => s.Kind == SchemaStatementKind.CreateTable))
        {
            CreateTable(scratch, statement, declared, tables, problems);
        }

        var indexes = new Dictionary<string, SchemaStatement>(StringComparer.OrdinalIgnoreCase);
        foreach (var statement in statements.Where(s => s.Kind == SchemaStatementKind.CreateIndex))
        {
            CreateIndex(scratch, statement, declared, tables, indexes, problems);
        }

        if (problems.Count > 0)
        {
            throw new SchemaException(string.Join('\n', problems));
        }

        var result = new Dictionary<string, TableSchema>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, parts) in tables)
        {
            result[name] = new TableSchema(name, parts.Columns, parts.Indexes, parts.Statement.Sql, parts.Statement.Source);
        }

        return new SchemaDefinition(result);
    }

    /// <summary>
    /// Splits SQL into statements where SQLite's own tokenizer (<c>sqlite3_complete</c>) says one ends. Preparing
    /// each statement instead would fail on a CREATE INDEX whose table is created by an earlier, not yet run,
    /// statement.
    /// </summary>
    internal static List<string> Split(string sql)
    {
        SqliteRuntime.EnsureInitialized();
        var statements = new List<string>();
        var start = 0;
        for (var i = sql.IndexOf(';'); i >= 0; i = sql.IndexOf(';', i + 1))
        {
            var candidate = sql[start..(i + 1)];
            if (raw.sqlite3_complete(candidate) != 0)
            {
                if (!SqliteConnection.IsOnlyComments(candidate))
                {
                    statements.Add(candidate);
                }

                start = i + 1;
            }
        }

        // An unterminated last statement is still a statement (SQLite runs it, or reports it as incomplete).
        var rest = sql[start..];
        if (!SqliteConnection.IsOnlyComments(rest))
        {
            statements.Add(rest);
        }

        return statements;
    }

    /// <summary>
    /// Registers a named table or index and gives the prefix its problems are reported with; a second definition of
    /// the same name is reported and returns false.
    /// </summary>
    private static bool Declare(SchemaStatement statement, string kind, string article, Dictionary<string, SchemaStatement> registry, List<string> problems, out string prefix)
    {
        prefix = statement.Name is null
            ? $"schema file {statement.Source}: "
            : $"schema file {statement.Source}: {kind} '{statement.Name}': ";
        if (statement.Name is null)
        {
            return true;
        }

        if (registry.TryGetValue(statement.Name, out var first))
        {
            problems.Add($"{prefix}is defined twice, in {first.Source} and in {statement.Source} ({article} {kind} must be defined once)");
            return false;
        }

        registry[statement.Name] = statement;
        return true;
    }

    private static void CreateTable(
        SqliteConnection scratch,
        SchemaStatement statement,
        Dictionary<string, SchemaStatement> declared,
        Dictionary<string, TableParts> tables,
        List<string> problems)
    {
        if (!Declare(statement, "table", "a", declared, problems, out var prefix))
        {
            return;
        }

        var refused = problems.Count;
        if (statement.Name is not null && IsReserved(statement.Name))
        {
            problems.Add($"{prefix}the name is reserved ({ReservedRule})");
        }

        if (statement.IsTemporary)
        {
            problems.Add($"{prefix}temporary tables are not allowed (TEMP/TEMPORARY tables are not replicated)");
        }
        else if (statement.Qualifier is not null && !statement.Qualifier.Equals("main", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{prefix}the name is qualified with schema '{statement.Qualifier}' (tables must be in the main database)");
        }

        if (statement.IsVirtual)
        {
            problems.Add($"{prefix}virtual tables are not allowed (cr-sqlite replicates ordinary tables only)");
        }

        if (statement.IsAsSelect)
        {
            problems.Add($"{prefix}CREATE TABLE ... AS SELECT is not allowed (declare the columns and a primary key)");
        }

        if (problems.Count > refused)
        {
            return;
        }

        try
        {
            scratch.Execute(statement.Sql);
        }
        catch (SqliteException ex)
        {
            problems.Add($"{prefix}SQL error: {ex.Message}");
            return;
        }

        if (statement.Name is not { } name)
        {
            // SQLite accepted a header the tokenizer could not read; refuse rather than guess the name.
            problems.Add($"{prefix}cannot read the table name of this CREATE TABLE statement");
            return;
        }

        var columns = ReadColumns(scratch, name);
        var count = problems.Count;
        CheckTable(scratch, statement, name, columns, problems);
        if (problems.Count == count)
        {
            tables[name] = new TableParts(name, statement, columns);
        }
        else
        {
            // Indexes on a refused table are not reported as "not in the schema"; the table's problem is.
            declared[name] = statement;
        }
    }

    private static void CheckTable(SqliteConnection scratch, SchemaStatement statement, string name, List<ColumnSchema> columns, List<string> problems)
    {
        var prefix = $"schema file {statement.Source}: table '{name}': ";
        if (statement.HasAutoincrement)
        {
            problems.Add($"{prefix}AUTOINCREMENT is not allowed (cr-sqlite does not support it)");
        }

        if (!columns.Any(c => c.IsPrimaryKey))
        {
            problems.Add($"{prefix}has no primary key (a primary key is required)");
        }

        foreach (var column in columns.Where(c => c.IsPrimaryKey && !c.NotNull))
        {
            problems.Add($"{prefix}primary key column '{column.Name}' is not declared NOT NULL (primary key columns must be NOT NULL)");
        }

        foreach (var column in columns.Where(c => !c.IsPrimaryKey && c.NotNull && !HasDefault(c)))
        {
            problems.Add($"{prefix}column '{column.Name}' is NOT NULL without a DEFAULT (non-nullable columns need a default value)");
        }

        foreach (var unique in Strings(scratch, "SELECT name FROM pragma_index_list(?1) WHERE origin = 'u' ORDER BY name", name))
        {
            var on = string.Join(", ", Strings(scratch, "SELECT name FROM pragma_index_xinfo(?1) WHERE key ORDER BY seqno", unique));
            problems.Add($"{prefix}UNIQUE constraint on ({on}) is not allowed ({UniqueRule})");
        }

        using var keys = scratch.PrepareUncached("SELECT id, \"table\", group_concat(\"from\", ', ') FROM (SELECT * FROM pragma_foreign_key_list(?1) ORDER BY id, seq) GROUP BY id ORDER BY id");
        keys.Bind(1, SqlValue.FromText(name));
        while (keys.Step())
        {
            problems.Add($"{prefix}foreign key ({keys.GetText(2)}) referencing '{keys.GetText(1)}' is not allowed (foreign keys are not supported)");
        }
    }

    private static void CreateIndex(
        SqliteConnection scratch,
        SchemaStatement statement,
        Dictionary<string, SchemaStatement> declared,
        Dictionary<string, TableParts> tables,
        Dictionary<string, SchemaStatement> indexes,
        List<string> problems)
    {
        if (!Declare(statement, "index", "an", indexes, problems, out var prefix))
        {
            return;
        }

        var refused = problems.Count;
        if (statement.Name is not null && IsReserved(statement.Name))
        {
            problems.Add($"{prefix}the name is reserved ({ReservedRule})");
        }

        if (statement.IsUnique)
        {
            problems.Add($"{prefix}unique indexes are not allowed ({UniqueRule})");
        }

        if (statement.Qualifier is not null && !statement.Qualifier.Equals("main", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{prefix}the name is qualified with schema '{statement.Qualifier}' (indexes must be in the main database)");
        }

        TableParts? table = null;
        if (statement.Table is not null && !tables.TryGetValue(statement.Table, out table))
        {
            if (!declared.ContainsKey(statement.Table))
            {
                problems.Add($"{prefix}table '{statement.Table}' is not in the schema (an index must be on a table the schema defines)");
            }

            // A declared table that was refused has its own problem line; its indexes cannot be checked.
            return;
        }

        if (problems.Count > refused)
        {
            return;
        }

        try
        {
            scratch.Execute(statement.Sql);
        }
        catch (SqliteException ex)
        {
            problems.Add($"{prefix}SQL error: {ex.Message}");
            return;
        }

        if (table is null || statement.Name is null)
        {
            // SQLite accepted a header the tokenizer could not read; refuse rather than guess the names.
            problems.Add($"{prefix}cannot read the index or table name of this CREATE INDEX statement");
            return;
        }

        table.Indexes.Add(new IndexSchema(statement.Name, table.Name, statement.Sql));
    }

    private static List<ColumnSchema> ReadColumns(SqliteConnection scratch, string table)
    {
        var columns = new List<ColumnSchema>();
        using var statement = scratch.PrepareUncached("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(?1) ORDER BY cid");
        statement.Bind(1, SqlValue.FromText(table));
        while (statement.Step())
        {
            columns.Add(new ColumnSchema(
                statement.GetText(0),
                statement.GetText(1),
                statement.GetInt64(2) != 0,
                statement.ColumnKind(3) == SqlValueKind.Null ? null : statement.GetText(3),
                (int)statement.GetInt64(4)));
        }

        return columns;
    }

    private static List<string> Strings(SqliteConnection scratch, string sql, string argument)
    {
        var values = new List<string>();
        using var statement = scratch.PrepareUncached(sql);
        statement.Bind(1, SqlValue.FromText(argument));
        while (statement.Step())
        {
            values.Add(statement.GetText(0));
        }

        return values;
    }

    /// <summary>
    /// True when a column has a usable default; <c>DEFAULT NULL</c> on a NOT NULL column is no default at all,
    /// though SQLite's pragma shows it as the text <c>NULL</c>.
    /// </summary>
    internal static bool HasDefault(ColumnSchema column) =>
        column.DefaultSql is not null && !SqlTokenizer.Normalize(column.DefaultSql).Equals("NULL", StringComparison.Ordinal);

    private static bool IsReserved(string name) =>
        name.StartsWith("__corro", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("crsql_", StringComparison.OrdinalIgnoreCase)
        || name.Contains("__crsql_", StringComparison.OrdinalIgnoreCase);

    /// <summary>A table being assembled: its statement, columns and the indexes found for it so far.</summary>
    private sealed class TableParts(string name, SchemaStatement statement, List<ColumnSchema> columns)
    {
        public string Name { get; } = name;

        public SchemaStatement Statement { get; } = statement;

        public List<ColumnSchema> Columns { get; } = columns;

        public List<IndexSchema> Indexes { get; } = [];
    }
}
