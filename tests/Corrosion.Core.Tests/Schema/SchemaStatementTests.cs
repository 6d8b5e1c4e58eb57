using Corrosion.Schema;

namespace Corrosion.Core.Tests.Schema;

public sealed class SchemaStatementTests
{
    [Fact]
    public void Split_ends_statements_where_sqlite_does()
    {
        var statements = SchemaParser.Split("""
            -- leading comment; not a statement
            CREATE TABLE a (id TEXT NOT NULL PRIMARY KEY, v TEXT DEFAULT 'x;y');
            /* block; comment */ ;;
            CREATE TRIGGER tr AFTER INSERT ON a BEGIN SELECT 1; SELECT 2; END;
            CREATE INDEX "i;" ON a (v)
            """);

        statements.Select(s => s.Trim()).Should().Equal(
            "-- leading comment; not a statement\nCREATE TABLE a (id TEXT NOT NULL PRIMARY KEY, v TEXT DEFAULT 'x;y');",
            "CREATE TRIGGER tr AFTER INSERT ON a BEGIN SELECT 1; SELECT 2; END;",
            "CREATE INDEX \"i;\" ON a (v)");
    }

    [Fact]
    public void Split_of_comments_only_is_empty()
    {
        SchemaParser.Split("-- a;\n/* b; */\n  ;\n").Should().BeEmpty();
    }

    [Fact]
    public void Classify_reads_a_create_table_header_and_trims_comments_and_terminator()
    {
        var statement = SchemaStatement.Classify("-- note\nCREATE TABLE IF NOT EXISTS main.\"we\"\"ird\" (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT) ; -- tail", "f.sql");

        statement.Should().BeEquivalentTo(new
        {
            Kind = SchemaStatementKind.CreateTable,
            Description = "CREATE TABLE",
            Name = "we\"ird",
            Qualifier = "main",
            Table = (string?)null,
            Sql = "CREATE TABLE IF NOT EXISTS main.\"we\"\"ird\" (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT)",
            Source = "f.sql",
            IsTemporary = false,
            IsVirtual = false,
            IsAsSelect = false,
            IsUnique = false,
            HasAutoincrement = true,
        });
    }

    [Fact]
    public void Classify_reads_a_create_index_header()
    {
        var statement = SchemaStatement.Classify("create unique index if not exists [my idx] on `my table` (a)", "f.sql");

        statement.Should().BeEquivalentTo(new
        {
            Kind = SchemaStatementKind.CreateIndex,
            Name = "my idx",
            Table = "my table",
            IsUnique = true,
            HasAutoincrement = false,
        });
    }

    [Theory]
    [InlineData("drop index if exists i", "DROP INDEX")]
    [InlineData("ALTER TABLE t ADD COLUMN c", "ALTER TABLE")]
    [InlineData("create virtual view v", "CREATE VIRTUAL VIEW")]
    [InlineData("WITH x AS (SELECT 1) SELECT * FROM x", "WITH")]
    [InlineData("(SELECT 1)", "'('")]
    public void Classify_names_other_statements(string sql, string description)
    {
        var statement = SchemaStatement.Classify(sql, "f.sql");

        statement.Kind.Should().Be(SchemaStatementKind.Other);
        statement.Description.Should().Be(description);
    }

    [Fact]
    public void Tokenizer_handles_quotes_numbers_blobs_and_comments()
    {
        var tokens = SqlTokenizer.Tokenize("a 'it''s' \"q\"\"d\" [b c] `t` x'0F' 1.5e-3 0x1F -- c\n/* d */ ?1 :p ;");

        tokens.Select(t => (t.Kind, t.Text)).Should().Equal(
            (SqlTokenKind.Word, "a"),
            (SqlTokenKind.String, "'it''s'"),
            (SqlTokenKind.QuotedIdentifier, "\"q\"\"d\""),
            (SqlTokenKind.QuotedIdentifier, "[b c]"),
            (SqlTokenKind.QuotedIdentifier, "`t`"),
            (SqlTokenKind.Blob, "x'0F'"),
            (SqlTokenKind.Number, "1.5e-3"),
            (SqlTokenKind.Number, "0x1F"),
            (SqlTokenKind.Parameter, "?1"),
            (SqlTokenKind.Parameter, ":p"),
            (SqlTokenKind.Punctuation, ";"));
        tokens[1].Name.Should().Be("it's");
        tokens[2].Name.Should().Be("q\"d");
        tokens[3].Name.Should().Be("b c");
    }

    [Fact]
    public void Normalize_ignores_layout_comments_and_keyword_case_but_not_quoted_text()
    {
        SqlTokenizer.Normalize("create  index i\n on T(a) -- why\n;").Should().Be("CREATE INDEX I ON T ( A )");
        SqlTokenizer.Normalize("CREATE INDEX i ON t (\"A\") WHERE a = 'X'").Should().Be("CREATE INDEX I ON T ( \"A\" ) WHERE A = 'X'");
    }
}
