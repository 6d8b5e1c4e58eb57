using System.Text;
using System.Text.Json;
using Corrosion.Storage;

namespace Corrosion.Http.Tests;

public sealed class StatementReaderTests
{
    [Fact]
    public void Reads_every_statement_shape()
    {
        var statements = ReadTransaction("""
            [
              "DELETE FROM todos",
              ["INSERT INTO todos (id, title) VALUES (?, ?)", ["a", 1]],
              ["INSERT INTO todos (id, title) VALUES (:id, :title)", {"id": "b", "title": null}],
              {"query": "UPDATE todos SET title = ?", "params": [2.5]},
              {"query": "UPDATE todos SET title = $t", "named_params": {"$t": "x"}},
              {"query": "SELECT 1"}
            ]
            """);

        statements.Should().HaveCount(6);
        statements[0].Sql.Should().Be("DELETE FROM todos");
        statements[0].Parameters.Should().BeEmpty();
        statements[0].NamedParameters.Should().BeNull();
        statements[1].Parameters.Should().Equal(SqlValue.FromText("a"), SqlValue.FromInteger(1));
        statements[2].NamedParameters.Should().BeEquivalentTo(new Dictionary<string, SqlValue> { ["id"] = SqlValue.FromText("b"), ["title"] = SqlValue.Null });
        statements[3].Sql.Should().Be("UPDATE todos SET title = ?");
        statements[3].Parameters.Should().Equal(SqlValue.FromReal(2.5));
        statements[4].NamedParameters!["$t"].Should().Be(SqlValue.FromText("x"));
        statements[5].Sql.Should().Be("SELECT 1");
    }

    [Fact]
    public void A_repeated_statement_shares_one_sql_string_and_a_different_one_does_not()
    {
        var statements = ReadTransaction("""
            [
              ["INSERT INTO todos (id) VALUES (?)", ["a"]],
              ["INSERT INTO todos (id) VALUES (?)", ["b"]],
              "INSERT INTO todos (id) VALUES (\u0027c\u0027)",
              ["INSERT INTO todos (id) VALUES ('c')", []],
              ["INSERT INTO todos (id) VALUES (?)", ["d"]]
            ]
            """);

        statements.Select(s => s.Sql).Should().Equal(
            "INSERT INTO todos (id) VALUES (?)",
            "INSERT INTO todos (id) VALUES (?)",
            "INSERT INTO todos (id) VALUES ('c')",
            "INSERT INTO todos (id) VALUES ('c')",
            "INSERT INTO todos (id) VALUES (?)");
        statements[1].Sql.Should().BeSameAs(statements[0].Sql);
        statements[3].Sql.Should().BeSameAs(statements[2].Sql, "the escaped and the plain text are the same SQL");
        statements[4].Parameters.Should().Equal(SqlValue.FromText("d"));
    }

    [Theory]
    [InlineData("{}", "expected a JSON array of statements, got an object")]
    [InlineData("\"SELECT 1\"", "expected a JSON array of statements, got a string")]
    [InlineData("[]", "at least 1 statement is required")]
    [InlineData("[\"SELECT 1\", 42]", "statement 2: expected a string, [sql, [params]]")]
    [InlineData("[[\"SELECT ?\"]]", "statement 1: an array statement is [sql, params] with exactly 2 elements, got 1")]
    [InlineData("[[\"SELECT ?\", [1], 2]]", "statement 1: an array statement is [sql, params] with exactly 2 elements, got 3")]
    [InlineData("[[1, [1]]]", "statement 1: the first element must be the SQL string, got a number")]
    [InlineData("[[\"SELECT ?\", 1]]", "statement 1: params must be an array (positional) or an object (named), got a number")]
    [InlineData("[[\"SELECT ?\", \"x\"]]", "statement 1: params must be an array (positional) or an object (named), got a string")]
    [InlineData("[{\"params\": []}]", "statement 1: \"query\" is required in the object form")]
    [InlineData("[{\"query\": 1}]", "statement 1: \"query\" must be the SQL string, got a number")]
    [InlineData("[{\"query\": \"x\", \"params\": {}}]", "statement 1: \"params\" must be an array, got an object")]
    [InlineData("[{\"query\": \"x\", \"named_params\": []}]", "statement 1: \"named_params\" must be an object, got an array")]
    [InlineData("[{\"query\": \"x\", \"sql\": \"y\"}]", "statement 1: unknown key \"sql\"")]
    [InlineData("[{\"query\": \"x\", \"params\": [1], \"named_params\": {\"a\": 1}}]", "statement 1: give \"params\" or \"named_params\", not both")]
    public void Refuses_wrong_shapes_naming_the_statement(string json, string expected)
    {
        var act = () => ReadTransaction(json);

        act.Should().Throw<HttpApiRequestException>()
            .Where(e => e.StatusCode == 400)
            .Which.Message.Should().StartWith(expected);
    }

    [Theory]
    [InlineData("\"SELECT 1\"", "SELECT 1", 0)]
    [InlineData("[\"SELECT ?, ?\", [1, \"a\"]]", "SELECT ?, ?", 2)]
    [InlineData("{\"query\": \"SELECT ?\", \"params\": [null]}", "SELECT ?", 1)]
    public void Reads_a_query_in_every_shape(string json, string sql, int parameterCount)
    {
        using var document = JsonDocument.Parse(json);

        var statement = StatementReader.ReadQuery(document.RootElement);

        statement.Sql.Should().Be(sql);
        statement.Parameters.Should().HaveCount(parameterCount);
    }

    [Theory]
    [InlineData("42", "query: expected a string")]
    [InlineData("[\"SELECT 1\"]", "query: an array statement is [sql, params] with exactly 2 elements")]
    [InlineData("null", "query: expected a string")]
    public void Refuses_a_query_of_the_wrong_shape(string json, string expected)
    {
        using var document = JsonDocument.Parse(json);

        var act = () => StatementReader.ReadQuery(document.RootElement);

        act.Should().Throw<HttpApiRequestException>().Which.Message.Should().StartWith(expected);
    }

    [Theory]
    [InlineData("""["DELETE FROM t"]""")]
    [InlineData("""[["INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", ["a\u00e9\n\"", 1, -0, 1.0, 2.5e3, -9223372036854775808]]]""")]
    [InlineData("""[["SELECT ?, ?, ?", [9223372036854775808, 1E2, 0.1]], ["SELECT ?, ?, ?", [true, false, null]], ["SELECT 1", []]]""")]
    [InlineData("""[" SELECT 1 ", "SELECT\u0020 1", ["SELECT\u0020 1", ["x"]]]""")]
    [InlineData("""[["SELECT ?", [1e400]]]""")]
    public void The_one_pass_reader_reads_common_shapes_as_the_document_reader_does(string json)
    {
        StatementReader.TryReadTransaction(Encoding.UTF8.GetBytes(json), out var fast).Should().BeTrue();

        var expected = ReadTransaction(json);
        fast!.Select(s => s.Sql).Should().Equal(expected.Select(s => s.Sql));
        for (var i = 0; i < expected.Count; i++)
        {
            fast![i].Parameters.Should().Equal(expected[i].Parameters, $"statement {i + 1}");
            fast[i].NamedParameters.Should().BeNull();
        }
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("\"SELECT 1\"")]
    [InlineData("""["SELECT 1"] x""")]
    [InlineData("""["SELECT 1",]""")]
    [InlineData("[\"SELECT 1")]
    [InlineData("""[42]""")]
    [InlineData("""[["SELECT ?", [[1, 2]]]]""")]
    [InlineData("""[["SELECT ?", [{"a": 1}]]]""")]
    [InlineData("""[["SELECT :a", {"a": 1}]]""")]
    [InlineData("""[["SELECT ?", [1], 2]]""")]
    [InlineData("""[["SELECT ?"]]""")]
    [InlineData("""[{"query": "SELECT 1"}]""")]
    public void The_one_pass_reader_leaves_other_shapes_and_bad_json_to_the_document_reader(string json)
    {
        StatementReader.TryReadTransaction(Encoding.UTF8.GetBytes(json), out var statements).Should().BeFalse();
        statements.Should().BeNull();
    }

    private static IReadOnlyList<Statement> ReadTransaction(string json)
    {
        using var document = JsonDocument.Parse(json);
        return StatementReader.ReadTransaction(document.RootElement);
    }
}
