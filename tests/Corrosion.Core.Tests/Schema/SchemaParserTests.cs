using Corrosion.Schema;

namespace Corrosion.Core.Tests.Schema;

public sealed class SchemaParserTests : IDisposable
{
    private const string TodoSql = """
        -- /etc/corrosion/schema/todo.sql
        CREATE TABLE todos (
        id BLOB NOT NULL PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        completed_at INTEGER
        );
        """;

    private const string AppsSql = """
        -- /etc/corrosion/schema/apps.sql
        CREATE TABLE apps (
        id INT NOT NULL PRIMARY KEY,
        name TEXT NOT NULL DEFAULT "",
        user_id INT NOT NULL DEFAULT 0
        );

        CREATE INDEX apps_user_id ON apps (user_id);
        """;

    private const string UniqueRule = "(no unique indexes or UNIQUE constraints besides the primary key)";

    private readonly TempSchemaDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Todos_example_parses_with_its_columns_key_and_defaults()
    {
        var schema = _dir.Parse("todo.sql", TodoSql);

        var todos = schema.Tables.Should().ContainSingle().Which.Value;
        todos.Name.Should().Be("todos");
        todos.Columns.Should().Equal(
            new ColumnSchema("id", "BLOB", NotNull: true, DefaultSql: null, PrimaryKeyIndex: 1),
            new ColumnSchema("title", "TEXT", NotNull: true, DefaultSql: "''", PrimaryKeyIndex: 0),
            new ColumnSchema("completed_at", "INTEGER", NotNull: false, DefaultSql: null, PrimaryKeyIndex: 0));
        todos.PrimaryKey.Select(c => c.Name).Should().Equal("id");
        todos.Indexes.Should().BeEmpty();
        todos.Sql.Should().Be("CREATE TABLE todos (\nid BLOB NOT NULL PRIMARY KEY,\ntitle TEXT NOT NULL DEFAULT '',\ncompleted_at INTEGER\n)");
        todos.Source.Should().Be(Path.Combine(_dir.Path, "todo.sql"));
    }

    [Fact]
    public void Apps_example_parses_with_its_index_kept_as_written()
    {
        var schema = _dir.Parse("apps.sql", AppsSql);

        var apps = schema.Tables["APPS"];
        apps.Columns.Should().Equal(
            new ColumnSchema("id", "INT", true, null, 1),
            new ColumnSchema("name", "TEXT", true, "\"\"", 0),
            new ColumnSchema("user_id", "INT", true, "0", 0));
        apps.Indexes.Should().Equal(new IndexSchema("apps_user_id", "apps", "CREATE INDEX apps_user_id ON apps (user_id)"));
        apps.Source.Should().Be(Path.Combine(_dir.Path, "apps.sql"));
    }

    [Fact]
    public void Tables_from_several_files_are_kept_in_file_order_with_their_own_source()
    {
        var todo = _dir.Write("b_todo.sql", TodoSql);
        var apps = _dir.Write("a_apps.sql", AppsSql);

        var schema = SchemaParser.Parse(SchemaFileLoader.Load([_dir.Path]));

        schema.Tables.Values.Select(t => (t.Name, t.Source)).Should().Equal(("apps", apps), ("todos", todo));
    }

    [Fact]
    public void Composite_key_order_quoted_names_and_expression_defaults_are_read_from_sqlite()
    {
        var schema = _dir.Parse("t.sql", """
            CREATE TABLE IF NOT EXISTS "my ""odd"" table" (
                [b] TEXT NOT NULL,
                `a` INTEGER NOT NULL,
                note TEXT DEFAULT 'semi;colon -- not a comment',
                score REAL NOT NULL DEFAULT (1.5 * 2),
                PRIMARY KEY (a, b)
            ) WITHOUT ROWID;
            /* a comment; with a semicolon */
            CREATE INDEX "odd idx" ON "my ""odd"" table" (note) WHERE note IS NOT NULL
            """);

        var table = schema.Tables["my \"odd\" table"];
        table.Columns.Should().Equal(
            new ColumnSchema("b", "TEXT", true, null, 2),
            new ColumnSchema("a", "INTEGER", true, null, 1),
            new ColumnSchema("note", "TEXT", false, "'semi;colon -- not a comment'", 0),
            new ColumnSchema("score", "REAL", true, "1.5 * 2", 0));
        table.PrimaryKey.Select(c => c.Name).Should().Equal("a", "b");
        table.Indexes.Should().Equal(new IndexSchema("odd idx", "my \"odd\" table", "CREATE INDEX \"odd idx\" ON \"my \"\"odd\"\" table\" (note) WHERE note IS NOT NULL"));
    }

    [Fact]
    public void An_index_may_come_before_its_table_as_stored_rows_do()
    {
        // __corro_schema rows come back ordered by (tbl_name, type, name): 'index' sorts before 'table'.
        var schema = SchemaParser.Parse([
            ("CREATE INDEX apps_user_id ON apps (user_id)", "/etc/corrosion/schema/apps.sql"),
            ("CREATE TABLE apps (id INT NOT NULL PRIMARY KEY, user_id INT NOT NULL DEFAULT 0)", "/etc/corrosion/schema/apps.sql"),
        ]);

        schema.Tables["apps"].Indexes.Should().Equal(new IndexSchema("apps_user_id", "apps", "CREATE INDEX apps_user_id ON apps (user_id)"));
        schema.Tables["apps"].Sql.Should().Be("CREATE TABLE apps (id INT NOT NULL PRIMARY KEY, user_id INT NOT NULL DEFAULT 0)");
    }

    [Fact]
    public void An_index_file_may_sort_before_its_table_file()
    {
        _dir.Write("a_indexes.sql", "CREATE INDEX apps_user_id ON apps (user_id);");
        _dir.Write("b_tables.sql", "CREATE TABLE apps (id INT NOT NULL PRIMARY KEY, user_id INT NOT NULL DEFAULT 0);");

        var schema = SchemaParser.Parse(SchemaFileLoader.Load([_dir.Path]));

        schema.Tables["apps"].Indexes.Should().Equal(new IndexSchema("apps_user_id", "apps", "CREATE INDEX apps_user_id ON apps (user_id)"));
        schema.Tables["apps"].Source.Should().Be(Path.Combine(_dir.Path, "b_tables.sql"));
    }

    [Fact]
    public void The_index_table_name_is_the_table_as_declared()
    {
        var schema = _dir.Parse("t.sql", "CREATE TABLE Things (id TEXT NOT NULL PRIMARY KEY, v TEXT); CREATE INDEX things_v ON THINGS (v);");

        schema.Tables["things"].Indexes.Should().Equal(new IndexSchema("things_v", "Things", "CREATE INDEX things_v ON THINGS (v)"));
    }

    [Fact]
    public void Keywords_inside_strings_and_comments_do_not_break_rules()
    {
        var schema = _dir.Parse("t.sql", """
            -- DROP TABLE x; AUTOINCREMENT
            CREATE TABLE t (id TEXT NOT NULL PRIMARY KEY, v TEXT NOT NULL DEFAULT 'AUTOINCREMENT UNIQUE'); -- REFERENCES
            """);

        schema.Tables["t"].Columns[1].DefaultSql.Should().Be("'AUTOINCREMENT UNIQUE'");
    }

    [Fact]
    public void Empty_input_is_an_empty_schema()
    {
        SchemaParser.Parse([("-- nothing here\n;\n", "/x.sql")]).Tables.Should().BeEmpty();
    }

    [Theory]
    [InlineData("DROP INDEX IF EXISTS apps_user_id;", "DROP INDEX is not allowed (schema files may only hold CREATE TABLE and CREATE INDEX statements)")]
    [InlineData("INSERT INTO t VALUES (1);", "INSERT is not allowed (schema files may only hold CREATE TABLE and CREATE INDEX statements)")]
    [InlineData("CREATE VIEW v AS SELECT 1;", "CREATE VIEW is not allowed (schema files may only hold CREATE TABLE and CREATE INDEX statements)")]
    [InlineData("create temp trigger tr after insert on t begin select 1; end;", "CREATE TEMP TRIGGER is not allowed (schema files may only hold CREATE TABLE and CREATE INDEX statements)")]
    [InlineData("PRAGMA foreign_keys = ON;", "PRAGMA is not allowed (schema files may only hold CREATE TABLE and CREATE INDEX statements)")]
    [InlineData("CREATE TEMP TABLE t (id INT NOT NULL PRIMARY KEY);", "table 't': temporary tables are not allowed (TEMP/TEMPORARY tables are not replicated)")]
    [InlineData("CREATE TEMPORARY TABLE t (id INT NOT NULL PRIMARY KEY);", "table 't': temporary tables are not allowed (TEMP/TEMPORARY tables are not replicated)")]
    [InlineData("CREATE TABLE temp.t (id INT NOT NULL PRIMARY KEY);", "table 't': temporary tables are not allowed (TEMP/TEMPORARY tables are not replicated)")]
    [InlineData("CREATE TABLE aux.t (id INT NOT NULL PRIMARY KEY);", "table 't': the name is qualified with schema 'aux' (tables must be in the main database)")]
    [InlineData("CREATE TABLE t AS SELECT 1 AS id;", "table 't': CREATE TABLE ... AS SELECT is not allowed (declare the columns and a primary key)")]
    [InlineData("CREATE VIRTUAL TABLE t USING fts5(body);", "table 't': virtual tables are not allowed (cr-sqlite replicates ordinary tables only)")]
    [InlineData("CREATE TABLE t (a TEXT);", "table 't': has no primary key (a primary key is required)")]
    [InlineData("CREATE TABLE t (id INTEGER PRIMARY KEY);", "table 't': primary key column 'id' is not declared NOT NULL (primary key columns must be NOT NULL)")]
    [InlineData("CREATE TABLE t (a TEXT NOT NULL, b TEXT, PRIMARY KEY (a, b));", "table 't': primary key column 'b' is not declared NOT NULL (primary key columns must be NOT NULL)")]
    [InlineData("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, email TEXT UNIQUE);", "table 't': UNIQUE constraint on (email) is not allowed " + UniqueRule)]
    [InlineData("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a TEXT, b TEXT, UNIQUE (b, a));", "table 't': UNIQUE constraint on (b, a) is not allowed " + UniqueRule)]
    [InlineData("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a TEXT); CREATE UNIQUE INDEX t_a ON t (a);", "index 't_a': unique indexes are not allowed " + UniqueRule)]
    [InlineData("CREATE TABLE p (id INT NOT NULL PRIMARY KEY); CREATE TABLE c (id INT NOT NULL PRIMARY KEY, p_id INT REFERENCES p (id));", "table 'c': foreign key (p_id) referencing 'p' is not allowed (foreign keys are not supported)")]
    [InlineData("CREATE TABLE p (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a, b)); CREATE TABLE c (id INT NOT NULL PRIMARY KEY, x INT, y INT, FOREIGN KEY (x, y) REFERENCES p (a, b));", "table 'c': foreign key (x, y) referencing 'p' is not allowed (foreign keys are not supported)")]
    [InlineData("CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT);", "table 't': AUTOINCREMENT is not allowed (cr-sqlite does not support it)")]
    [InlineData("CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL);", "table 'todos': column 'title' is NOT NULL without a DEFAULT (non-nullable columns need a default value)")]
    [InlineData("CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT NULL);", "table 'todos': column 'title' is NOT NULL without a DEFAULT (non-nullable columns need a default value)")]
    [InlineData("CREATE TABLE __corro_members (id INT NOT NULL PRIMARY KEY);", "table '__corro_members': the name is reserved (names starting with '__corro' or 'crsql_' or containing '__crsql_' are reserved for Corrosion and cr-sqlite)")]
    [InlineData("CREATE TABLE CRSQL_things (id INT NOT NULL PRIMARY KEY);", "table 'CRSQL_things': the name is reserved (names starting with '__corro' or 'crsql_' or containing '__crsql_' are reserved for Corrosion and cr-sqlite)")]
    [InlineData("CREATE TABLE t__crsql_clock (id INT NOT NULL PRIMARY KEY);", "table 't__crsql_clock': the name is reserved (names starting with '__corro' or 'crsql_' or containing '__crsql_' are reserved for Corrosion and cr-sqlite)")]
    [InlineData("CREATE TABLE t (id INT NOT NULL PRIMARY KEY); CREATE INDEX __corro_t ON t (id);", "index '__corro_t': the name is reserved (names starting with '__corro' or 'crsql_' or containing '__crsql_' are reserved for Corrosion and cr-sqlite)")]
    [InlineData("CREATE INDEX i ON nope (a);", "index 'i': table 'nope' is not in the schema (an index must be on a table the schema defines)")]
    [InlineData("CREATE TABLE t (id INT NOT NULL PRIMARY KEY,);", "table 't': SQL error: near \")\": syntax error")]
    [InlineData("CREATE TABLE t (id INT NOT NULL PRIMARY KEY", "table 't': SQL error: incomplete input")]
    [InlineData("CREATE TABLE t (id INT NOT NULL PRIMARY KEY); CREATE INDEX i ON t (missing_column);", "index 'i': SQL error: no such column: missing_column")]
    public void Each_rule_is_refused_naming_file_object_and_rule(string sql, string problem)
    {
        var act = () => _dir.Parse("bad.sql", sql);

        act.Should().Throw<SchemaException>()
            .Which.Message.Should().Be($"schema file {Path.Combine(_dir.Path, "bad.sql")}: {problem}");
    }

    [Fact]
    public void A_table_defined_in_two_files_names_both_files()
    {
        var first = _dir.Write("a.sql", TodoSql);
        var second = _dir.Write("b.sql", TodoSql.Replace("todos", "TODOS", StringComparison.Ordinal));

        var act = () => SchemaParser.Parse(SchemaFileLoader.Load([_dir.Path]));

        act.Should().Throw<SchemaException>()
            .Which.Message.Should().Be($"schema file {second}: table 'TODOS': is defined twice, in {first} and in {second} (a table must be defined once)");
    }

    [Fact]
    public void A_table_defined_twice_in_one_file_is_refused()
    {
        var act = () => _dir.Parse("t.sql", TodoSql + "\n" + TodoSql.Replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", StringComparison.Ordinal));

        var file = Path.Combine(_dir.Path, "t.sql");
        act.Should().Throw<SchemaException>()
            .Which.Message.Should().Be($"schema file {file}: table 'todos': is defined twice, in {file} and in {file} (a table must be defined once)");
    }

    [Fact]
    public void An_index_defined_twice_is_refused()
    {
        var act = () => _dir.Parse("apps.sql", AppsSql + "\nCREATE INDEX apps_user_id ON apps (name);");

        var file = Path.Combine(_dir.Path, "apps.sql");
        act.Should().Throw<SchemaException>()
            .Which.Message.Should().Be($"schema file {file}: index 'apps_user_id': is defined twice, in {file} and in {file} (an index must be defined once)");
    }

    [Fact]
    public void Problems_are_reported_together_one_line_each()
    {
        var act = () => _dir.Parse("bad.sql", """
            CREATE TABLE a (id INTEGER PRIMARY KEY, n TEXT NOT NULL, e TEXT UNIQUE);
            DELETE FROM a;
            CREATE INDEX b_x ON b (x);
            """);

        var file = Path.Combine(_dir.Path, "bad.sql");
        act.Should().Throw<SchemaException>().Which.Message.Split('\n').Should().Equal(
            $"schema file {file}: DELETE is not allowed (schema files may only hold CREATE TABLE and CREATE INDEX statements)",
            $"schema file {file}: table 'a': primary key column 'id' is not declared NOT NULL (primary key columns must be NOT NULL)",
            $"schema file {file}: table 'a': column 'n' is NOT NULL without a DEFAULT (non-nullable columns need a default value)",
            $"schema file {file}: table 'a': UNIQUE constraint on (e) is not allowed " + UniqueRule,
            $"schema file {file}: index 'b_x': table 'b' is not in the schema (an index must be on a table the schema defines)");
    }

    [Fact]
    public void An_index_on_a_refused_table_reports_only_the_table()
    {
        var act = () => _dir.Parse("bad.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY); CREATE INDEX t_id ON t (id);");

        act.Should().Throw<SchemaException>()
            .Which.Message.Should().Be($"schema file {Path.Combine(_dir.Path, "bad.sql")}: table 't': primary key column 'id' is not declared NOT NULL (primary key columns must be NOT NULL)");
    }
}
