using Corrosion.Schema;
using Corrosion.Storage;

namespace Corrosion.Core.Tests.Schema;

public sealed class SchemaDiffTests
{
    private const string Source = "/etc/corrosion/schema/todo.sql";
    private const string Todos = "CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', completed_at INTEGER)";
    private const string Destructive = "this is a destructive change and was not applied";

    private static SchemaDefinition Schema(params string[] statements) =>
        SchemaParser.Parse([(string.Join(";\n", statements), Source)]);

    private static Action Diff(SchemaDefinition current, SchemaDefinition wanted) => () => SchemaDiff.Compute(current, wanted);

    [Fact]
    public void Same_schema_needs_no_change()
    {
        SchemaDiff.Compute(Schema(Todos, "CREATE INDEX todos_title ON todos (title)"), Schema(Todos, "CREATE INDEX todos_title ON todos (title)"))
            .Should().BeEmpty();
    }

    [Fact]
    public void Whitespace_comments_and_keyword_case_do_not_count_as_changes()
    {
        var current = Schema(Todos, "CREATE INDEX todos_title ON todos (title)");
        var wanted = Schema(
            "create table TODOS (\n  id BLOB NOT NULL PRIMARY KEY,\n  title text NOT NULL DEFAULT '', -- shown\n  completed_at INTEGER\n)",
            "create index todos_title\n   on TODOS(title)");

        SchemaDiff.Compute(current, wanted).Should().BeEmpty();
    }

    [Fact]
    public void New_table_is_created_then_its_indexes()
    {
        var wanted = Schema(Todos, "CREATE TABLE apps (id INT NOT NULL PRIMARY KEY, user_id INT NOT NULL DEFAULT 0)", "CREATE INDEX apps_user_id ON apps (user_id)");

        var changes = SchemaDiff.Compute(Schema(Todos), wanted);

        changes.Should().Equal(
            new SchemaChange.CreateTable(wanted.Tables["apps"]),
            new SchemaChange.CreateIndex(new IndexSchema("apps_user_id", "apps", "CREATE INDEX apps_user_id ON apps (user_id)")));
    }

    [Fact]
    public void Everything_is_new_against_an_empty_schema()
    {
        var wanted = Schema(Todos);

        SchemaDiff.Compute(SchemaDefinition.Empty, wanted).Should().Equal(new SchemaChange.CreateTable(wanted.Tables["todos"]));
    }

    [Fact]
    public void New_columns_are_added_with_alter_table()
    {
        var wanted = Schema("CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', completed_at INTEGER, priority INTEGER NOT NULL DEFAULT 0, note TEXT)");
        var table = wanted.Tables["todos"];

        var changes = SchemaDiff.Compute(Schema(Todos), wanted);

        changes.Should().Equal(
            new SchemaChange.AddColumn(table, table.Columns[3], "ALTER TABLE \"todos\" ADD COLUMN \"priority\" INTEGER NOT NULL DEFAULT 0"),
            new SchemaChange.AddColumn(table, table.Columns[4], "ALTER TABLE \"todos\" ADD COLUMN \"note\" TEXT"));
    }

    [Theory]
    [InlineData("v TEXT NOT NULL DEFAULT \"\"", "ALTER TABLE \"we\"\"ird\" ADD COLUMN \"v\" TEXT NOT NULL DEFAULT \"\"")]
    [InlineData("v TEXT DEFAULT 'it''s'", "ALTER TABLE \"we\"\"ird\" ADD COLUMN \"v\" TEXT DEFAULT 'it''s'")]
    [InlineData("v INTEGER NOT NULL DEFAULT -1", "ALTER TABLE \"we\"\"ird\" ADD COLUMN \"v\" INTEGER NOT NULL DEFAULT -1")]
    [InlineData("v REAL DEFAULT (1.5 * 2)", "ALTER TABLE \"we\"\"ird\" ADD COLUMN \"v\" REAL DEFAULT (1.5 * 2)")]
    [InlineData("v BLOB DEFAULT x'00ff'", "ALTER TABLE \"we\"\"ird\" ADD COLUMN \"v\" BLOB DEFAULT x'00ff'")]
    [InlineData("\"my \"\"v\"\"\" VARCHAR(10) DEFAULT NULL", "ALTER TABLE \"we\"\"ird\" ADD COLUMN \"my \"\"v\"\"\" VARCHAR(10) DEFAULT NULL")]
    [InlineData("v", "ALTER TABLE \"we\"\"ird\" ADD COLUMN \"v\"")]
    public void Added_column_sql_is_quoted_and_runs_in_sqlite_to_the_wanted_columns(string column, string expected)
    {
        const string Before = "CREATE TABLE \"we\"\"ird\" (id TEXT NOT NULL PRIMARY KEY)";
        var wanted = Schema($"CREATE TABLE \"we\"\"ird\" (id TEXT NOT NULL PRIMARY KEY, {column})");

        var change = SchemaDiff.Compute(Schema(Before), wanted).Should().ContainSingle().Which.Should().BeOfType<SchemaChange.AddColumn>().Subject;

        change.AlterSql.Should().Be(expected);
        using var db = SqliteConnection.Open(":memory:");
        db.Execute(Before);
        db.Execute(change.AlterSql);
        var table = db.Scalar("SELECT sql FROM sqlite_schema WHERE name = 'we\"ird'").AsText;
        SchemaParser.Parse([(table, "db")]).Tables["we\"ird"].Columns.Should().Equal(wanted.Tables["we\"ird"].Columns);
    }

    [Fact]
    public void Added_index_is_created()
    {
        SchemaDiff.Compute(Schema(Todos), Schema(Todos, "CREATE INDEX todos_done ON todos (completed_at)"))
            .Should().Equal(new SchemaChange.CreateIndex(new IndexSchema("todos_done", "todos", "CREATE INDEX todos_done ON todos (completed_at)")));
    }

    [Fact]
    public void Removed_index_is_dropped()
    {
        SchemaDiff.Compute(Schema(Todos, "CREATE INDEX todos_done ON todos (completed_at)"), Schema(Todos))
            .Should().Equal(new SchemaChange.DropIndex("todos_done", "todos"));
    }

    [Fact]
    public void Changed_index_is_dropped_then_created()
    {
        var changes = SchemaDiff.Compute(
            Schema(Todos, "CREATE INDEX todos_done ON todos (completed_at)"),
            Schema(Todos, "CREATE INDEX todos_done ON todos (completed_at, title)"));

        changes.Should().Equal(
            new SchemaChange.DropIndex("todos_done", "todos"),
            new SchemaChange.CreateIndex(new IndexSchema("todos_done", "todos", "CREATE INDEX todos_done ON todos (completed_at, title)")));
    }

    [Fact]
    public void Drops_come_before_new_tables_columns_and_indexes()
    {
        var current = Schema(Todos, "CREATE INDEX todos_title ON todos (title)");
        var wanted = Schema(
            "CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', completed_at INTEGER, tag TEXT)",
            "CREATE INDEX todos_tag ON todos (tag)",
            "CREATE TABLE apps (id INT NOT NULL PRIMARY KEY)");

        SchemaDiff.Compute(current, wanted).Select(c => c.GetType().Name).Should().Equal("DropIndex", "CreateTable", "AddColumn", "CreateIndex");
    }

    [Fact]
    public void Table_names_compare_ignoring_case()
    {
        var current = new SchemaDefinition(new Dictionary<string, TableSchema>(StringComparer.Ordinal) { ["TODOS"] = Schema(Todos.Replace("todos", "TODOS", StringComparison.Ordinal)).Tables["todos"] });

        SchemaDiff.Compute(current, Schema(Todos)).Should().BeEmpty();
    }

    [Fact]
    public void Removed_table_is_refused_as_destructive()
    {
        Diff(Schema(Todos, "CREATE TABLE apps (id INT NOT NULL PRIMARY KEY)"), Schema(Todos))
            .Should().Throw<SchemaException>()
            .Which.Message.Should().Be($"schema file {Source}: table 'apps': the table was removed from the schema files; {Destructive}");
    }

    [Theory]
    [InlineData("CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '')", "column 'completed_at' was removed")]
    [InlineData("CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', completed_at TEXT)", "column 'completed_at' changed type from 'INTEGER' to 'TEXT'")]
    [InlineData("CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT DEFAULT '', completed_at INTEGER)", "column 'title' changed from NOT NULL to nullable")]
    [InlineData("CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT 'untitled', completed_at INTEGER)", "column 'title' changed its DEFAULT from '' to 'untitled'")]
    [InlineData("CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', completed_at INTEGER DEFAULT 0)", "column 'completed_at' changed its DEFAULT from none to 0")]
    [InlineData("CREATE TABLE todos (id BLOB NOT NULL, title TEXT NOT NULL DEFAULT '', completed_at INTEGER, PRIMARY KEY (id, title))", "the primary key changed from (id) to (id, title)")]
    public void Changed_columns_and_keys_are_refused_as_destructive(string table, string problem)
    {
        Diff(Schema(Todos), Schema(table))
            .Should().Throw<SchemaException>()
            .Which.Message.Should().Be($"schema file {Source}: table 'todos': {problem}; {Destructive}");
    }

    [Fact]
    public void Column_made_not_null_is_refused_as_destructive()
    {
        Diff(Schema("CREATE TABLE t (id TEXT NOT NULL PRIMARY KEY, n INTEGER DEFAULT 0)"), Schema("CREATE TABLE t (id TEXT NOT NULL PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)"))
            .Should().Throw<SchemaException>()
            .Which.Message.Should().Be($"schema file {Source}: table 't': column 'n' changed from nullable to NOT NULL; {Destructive}");
    }

    [Fact]
    public void Reordered_primary_key_is_refused_as_destructive()
    {
        Diff(Schema("CREATE TABLE t (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b))"), Schema("CREATE TABLE t (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (b, a))"))
            .Should().Throw<SchemaException>()
            .Which.Message.Should().Be($"schema file {Source}: table 't': the primary key changed from (a, b) to (b, a); {Destructive}");
    }

    [Fact]
    public void New_not_null_column_without_default_is_refused()
    {
        // The parser never yields this; a hand-built definition can.
        var current = Schema(Todos);
        var todos = current.Tables["todos"];
        var wanted = new SchemaDefinition(new Dictionary<string, TableSchema>(StringComparer.OrdinalIgnoreCase)
        {
            ["todos"] = todos with { Columns = [.. todos.Columns, new ColumnSchema("v", "TEXT", NotNull: true, DefaultSql: null, PrimaryKeyIndex: 0)] },
        });

        Diff(current, wanted).Should().Throw<SchemaException>()
            .Which.Message.Should().Be($"schema file {Source}: table 'todos': new column 'v' is NOT NULL without a DEFAULT (an added column must be nullable or have a default value)");
    }

    [Fact]
    public void New_column_with_a_current_time_default_is_refused()
    {
        Diff(Schema(Todos), Schema("CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', completed_at INTEGER, created TEXT DEFAULT CURRENT_TIMESTAMP)"))
            .Should().Throw<SchemaException>()
            .Which.Message.Should().Be($"schema file {Source}: table 'todos': new column 'created' has DEFAULT CURRENT_TIMESTAMP (SQLite cannot add a column with a non-constant default to an existing table)");
    }

    [Fact]
    public void A_column_inserted_before_others_is_still_added_at_the_end()
    {
        var wanted = Schema("CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, tag TEXT, title TEXT NOT NULL DEFAULT '', completed_at INTEGER)");

        SchemaDiff.Compute(Schema(Todos), wanted).Should().Equal(
            new SchemaChange.AddColumn(wanted.Tables["todos"], wanted.Tables["todos"].Columns[1], "ALTER TABLE \"todos\" ADD COLUMN \"tag\" TEXT"));
    }

    [Fact]
    public void Every_refusal_is_reported_and_no_change_is_returned()
    {
        var current = Schema(Todos, "CREATE TABLE apps (id INT NOT NULL PRIMARY KEY)");
        var wanted = Schema("CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT, extra TEXT)", "CREATE TABLE users (id INT NOT NULL PRIMARY KEY)");

        Diff(current, wanted).Should().Throw<SchemaException>().Which.Message.Split('\n').Should().Equal(
            $"schema file {Source}: table 'apps': the table was removed from the schema files; {Destructive}",
            $"schema file {Source}: table 'todos': column 'title' changed from NOT NULL to nullable; {Destructive}",
            $"schema file {Source}: table 'todos': column 'title' changed its DEFAULT from '' to none; {Destructive}",
            $"schema file {Source}: table 'todos': column 'completed_at' was removed; {Destructive}");
    }
}
