using Corrosion.Http.PgWire;

namespace Corrosion.Http.Tests.PgWire;

public sealed class PgSqlTextTests
{
    [Fact]
    public void Split_ignores_semicolons_in_quotes_and_comments_and_drops_empty_statements()
    {
        var statements = PgSqlText.Split("SELECT 'a;b'; -- c;d\n SELECT \"x;y\" /* ; */ ;; ;\n");

        statements.Should().Equal("SELECT 'a;b'", "-- c;d\n SELECT \"x;y\" /* ; */");
    }

    [Fact]
    public void Placeholders_become_numbered_sqlite_parameters_outside_quotes()
    {
        var sql = PgSqlText.RewritePlaceholders("SELECT $2, '$1', $1 -- $9\n, \"$3\", $10", out var max);

        sql.Should().Be("SELECT ?2, '$1', ?1 -- $9\n, \"$3\", ?10");
        max.Should().Be(10);
    }

    [Theory]
    [InlineData("begin", "Begin")]
    [InlineData("START TRANSACTION ISOLATION LEVEL READ COMMITTED", "Begin")]
    [InlineData("/* c */ commit", "Commit")]
    [InlineData("ROLLBACK", "Rollback")]
    [InlineData("SET client_encoding = 'UTF8'", "Ignored")]
    [InlineData("DISCARD ALL", "Ignored")]
    [InlineData("SELECT version();", "Catalog")]
    [InlineData("select 1", "Sql")]
    [InlineData("-- only a comment", "Empty")]
    public void Classify_reads_the_leading_keywords(string sql, string expected)
    {
        PgSqlText.Classify(sql).ToString().Should().Be(expected);
    }

    [Theory]
    [InlineData("insert into t values (1)", 3, "INSERT 0 3")]
    [InlineData("INSERT OR REPLACE INTO t VALUES (1)", 1, "INSERT 0 1")]
    [InlineData("update t set a = 1", 2, "UPDATE 2")]
    [InlineData("DELETE FROM t", 0, "DELETE 0")]
    [InlineData("WITH x AS (SELECT 1) DELETE FROM t", 4, "DELETE 4")]
    [InlineData("create table t (a)", 0, "CREATE TABLE")]
    public void Command_tags_follow_postgresql(string sql, int rows, string expected)
    {
        PgSqlText.CommandTag(sql, rows).Should().Be(expected);
    }
}
