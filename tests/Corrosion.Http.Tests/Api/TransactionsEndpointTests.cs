using System.Net;
using System.Text;
using System.Text.Json;
using Corrosion.Http.Tests.Fixtures;

namespace Corrosion.Http.Tests.Api;

public sealed class TransactionsEndpointTests
{
    [Fact]
    public async Task A_string_statement_commits_and_answers_with_the_specs_shape()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        var response = await server.TransactAsync("""["INSERT OR IGNORE INTO todos (id, title) VALUES ('some-id', 'Write some Corrosion docs!')"]""");

        response.Status.Should().Be(HttpStatusCode.OK, response.ToString());
        response.ContentType.Should().Be("application/json");
        var results = response.Json.GetProperty("results");
        results.GetArrayLength().Should().Be(1);
        results[0].GetProperty("rows_affected").GetInt32().Should().Be(1);
        results[0].GetProperty("time").GetDouble().Should().BeGreaterThanOrEqualTo(0);
        response.Json.GetProperty("time").GetDouble().Should().BeGreaterThanOrEqualTo(0);
        response.Json.GetProperty("version").GetInt64().Should().BeGreaterThan(0);
        response.Json.GetProperty("actor_id").GetString().Should().Be(server.Node.ActorId.ToUuidString());

        var query = await server.QueryAsync("\"SELECT id, title FROM todos\"");
        query.Rows.Should().ContainSingle();
        query.Rows[0].Cells.Select(c => c.ToString()).Should().Equal("some-id", "Write some Corrosion docs!");
    }

    [Fact]
    public async Task A_big_answer_is_sent_with_its_length_not_chunked()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        var statements = string.Join(", ", Enumerable.Range(0, 500).Select(i => $"[\"INSERT INTO todos (id, title) VALUES (?, ?)\", [\"id-{i}\", \"title {i}\"]]"));

        using var response = await server.Client.PostAsync("/v1/transactions", new StringContent($"[{statements}]", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsByteArrayAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.TransferEncodingChunked.Should().NotBe(true);
        response.Content.Headers.ContentLength.Should().Be(body.Length);
        JsonDocument.Parse(body).RootElement.GetProperty("results").GetArrayLength().Should().Be(500);
    }

    [Fact]
    public async Task Every_statement_shape_runs_in_one_transaction_with_one_result_each()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        var response = await server.TransactAsync("""
            [
              "INSERT INTO todos (id, title) VALUES ('a', 'plain')",
              ["INSERT INTO todos (id, title, completed_at) VALUES (?, ?, ?)", ["b", "positional", 1234567890]],
              ["INSERT INTO todos (id, title) VALUES (:id, :title)", {"id": "c", "title": "named"}],
              {"query": "INSERT INTO todos (id, title) VALUES (?, ?)", "params": ["d", "object positional"]},
              {"query": "INSERT INTO todos (id, title) VALUES ($id, $title)", "named_params": {"$id": "e", "$title": "object named"}},
              "UPDATE todos SET completed_at = 1 WHERE id IN ('a', 'c')"
            ]
            """);

        response.Status.Should().Be(HttpStatusCode.OK, response.ToString());
        response.Json.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("rows_affected").GetInt32())
            .Should().Equal(1, 1, 1, 1, 1, 2);

        var query = await server.QueryAsync("\"SELECT id, title, completed_at FROM todos ORDER BY id\"");
        query.Rows.Select(r => string.Join('|', r.Cells.Select(c => c.ToString()))).Should().Equal(
            "a|plain|1",
            "b|positional|1234567890",
            "c|named|1",
            "d|object positional|",
            "e|object named|");
    }

    [Fact]
    public async Task Each_commit_gets_a_new_version_and_a_no_op_gets_none()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        var first = await server.TransactAsync("""["INSERT INTO todos (id) VALUES ('a')"]""");
        var second = await server.TransactAsync("""["INSERT INTO todos (id) VALUES ('b')"]""");
        var noop = await server.TransactAsync("""["UPDATE todos SET title = 'x' WHERE id = 'nope'"]""");

        first.Status.Should().Be(HttpStatusCode.OK, first.ToString());
        second.Json.GetProperty("version").GetInt64().Should().Be(first.Json.GetProperty("version").GetInt64() + 1);
        noop.Status.Should().Be(HttpStatusCode.OK, noop.ToString());
        noop.Json.GetProperty("results")[0].GetProperty("rows_affected").GetInt32().Should().Be(0);
        noop.Json.GetProperty("version").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task An_empty_array_is_refused()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        var response = await server.TransactAsync("[]");

        response.Status.Should().Be(HttpStatusCode.BadRequest);
        response.Json.GetProperty("results")[0].GetProperty("error").GetString().Should().Be("at least 1 statement is required");
    }

    [Fact]
    public async Task Error_bodies_have_the_original_shape_with_a_float_time_and_a_null_version()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        var response = await server.TransactAsync("[]");

        response.Text.Should().Be("""{"results":[{"error":"at least 1 statement is required"}],"time":0.0,"version":null}""");
    }

    [Fact]
    public async Task A_failing_statement_rolls_back_the_whole_transaction_and_names_the_statement()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        (await server.TransactAsync("""["INSERT INTO todos (id, title) VALUES ('kept', 'before')"]""")).Status.Should().Be(HttpStatusCode.OK);

        var response = await server.TransactAsync("""
            [
              "INSERT INTO todos (id, title) VALUES ('new', 'should vanish')",
              "UPDATE todos SET title = 'changed' WHERE id = 'kept'",
              "INSERT INTO no_such_table (x) VALUES (1)"
            ]
            """);

        response.Status.Should().Be(HttpStatusCode.BadRequest, response.ToString());
        response.Error.Should().Contain("statement 3").And.Contain("no such table: no_such_table");
        response.Json.GetProperty("time").GetDouble().Should().Be(0);

        var query = await server.QueryAsync("\"SELECT id, title FROM todos\"");
        query.Rows.Select(r => $"{r.Cells[0]}|{r.Cells[1]}").Should().Equal("kept|before");
    }

    [Fact]
    public async Task A_constraint_violation_rolls_back_earlier_statements()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        var before = await server.Node.GetSyncStateAsync();

        var response = await server.TransactAsync("""
            [
              ["INSERT INTO todos (id, title) VALUES (?, ?)", ["dup", "one"]],
              ["INSERT INTO todos (id, title) VALUES (?, ?)", ["dup", "two"]]
            ]
            """);

        response.Status.Should().Be(HttpStatusCode.BadRequest, response.ToString());
        response.Error.Should().Contain("statement 2").And.Contain("UNIQUE constraint failed");
        (await server.QueryAsync("\"SELECT count(*) FROM todos\"")).Rows[0].Cells[0].GetInt64().Should().Be(0);
        var after = await server.Node.GetSyncStateAsync();
        after.Should().BeEquivalentTo(before, "a rolled-back transaction must not book a version");
    }

    [Theory]
    [InlineData("DROP TABLE todos")]
    [InlineData("CREATE TABLE sneaky (a TEXT)")]
    [InlineData("ATTACH DATABASE ':memory:' AS other")]
    [InlineData("PRAGMA journal_mode = DELETE")]
    [InlineData("DELETE FROM todos__crsql_clock")]
    public async Task Schema_and_bookkeeping_changes_are_refused(string sql)
    {
        await using var server = await CorrosionApiServer.StartAsync();
        (await server.TransactAsync("""["INSERT INTO todos (id) VALUES ('a')"]""")).Status.Should().Be(HttpStatusCode.OK);

        var response = await server.TransactAsync(JsonSerializer.Serialize(new[] { "INSERT INTO todos (id) VALUES ('b')", sql }));

        ((int)response.Status).Should().BeInRange(400, 499, response.ToString());
        response.Error.Should().Contain("statement 2");
        (await server.QueryAsync("\"SELECT id FROM todos\"")).Rows.Select(r => r.Cells[0].GetString()).Should().Equal("a");
    }

    [Theory]
    [InlineData("[\"INSERT INTO todos (id) VALUES ('a')\"", "malformed JSON")]
    [InlineData("not json", "malformed JSON")]
    [InlineData("", "the request body is empty")]
    [InlineData("{\"statements\": []}", "expected a JSON array of statements, got an object")]
    [InlineData("\"INSERT INTO todos (id) VALUES ('a')\"", "expected a JSON array of statements, got a string")]
    [InlineData("[42]", "statement 1: expected a string, [sql, [params]]")]
    [InlineData("[\"SELECT 1\", null]", "statement 2: expected a string")]
    [InlineData("[[\"INSERT INTO todos (id) VALUES (?)\", \"a\"]]", "statement 1: params must be an array (positional) or an object (named), got a string")]
    [InlineData("[[\"INSERT INTO todos (id) VALUES (?)\", 7]]", "statement 1: params must be an array (positional) or an object (named), got a number")]
    [InlineData("[{\"query\": \"INSERT INTO todos (id) VALUES (?)\", \"params\": \"a\"}]", "statement 1: \"params\" must be an array, got a string")]
    public async Task Bad_bodies_get_400_naming_the_problem_and_the_server_keeps_serving(string body, string expected)
    {
        await using var server = await CorrosionApiServer.StartAsync();

        var response = await server.TransactAsync(body);

        response.Status.Should().Be(HttpStatusCode.BadRequest, response.ToString());
        response.ContentType.Should().Be("application/json");
        response.Error.Should().StartWith(expected);
        (await server.TransactAsync("""["INSERT INTO todos (id) VALUES ('after')"]""")).Status.Should().Be(HttpStatusCode.OK);
        (await server.QueryAsync("\"SELECT count(*) FROM todos\"")).Rows[0].Cells[0].GetInt64().Should().Be(1);
    }

    [Fact]
    public async Task Parameter_count_mismatches_are_refused_as_bad_requests()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        var response = await server.TransactAsync("""[["INSERT INTO todos (id) VALUES (?)", ["a", "b"]]]""");

        response.Status.Should().Be(HttpStatusCode.BadRequest, response.ToString());
        response.Error.Should().Contain("statement 1");
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task Any_content_type_is_accepted(string? contentType)
    {
        await using var server = await CorrosionApiServer.StartAsync();

        using var response = await server.PostAsync("/v1/transactions", """["INSERT INTO todos (id) VALUES ('a')"]""", contentType);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("NaN")]
    public async Task A_malformed_timeout_is_refused(string timeout)
    {
        await using var server = await CorrosionApiServer.StartAsync();

        using var response = await server.PostAsync($"/v1/transactions?timeout={timeout}", """["INSERT INTO todos (id) VALUES ('a')"]""");
        var body = await ApiResponse.ReadAsync(response);

        body.Status.Should().Be(HttpStatusCode.BadRequest);
        body.Error.Should().StartWith($"invalid timeout '{timeout}'");
        (await server.QueryAsync("\"SELECT count(*) FROM todos\"")).Rows[0].Cells[0].GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task A_thousand_statements_commit_as_one_version()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        var statements = Enumerable.Range(0, 1000)
            .Select(i => new object[] { "INSERT INTO todos (id, title) VALUES (?, ?)", new object[] { $"id-{i}", $"title {i}" } });

        var response = await server.TransactAsync(JsonSerializer.Serialize(statements));

        response.Status.Should().Be(HttpStatusCode.OK, response.ToString());
        response.Json.GetProperty("results").GetArrayLength().Should().Be(1000);
        response.Json.GetProperty("version").GetInt64().Should().Be(1);
        (await server.QueryAsync("\"SELECT count(*) FROM todos\"")).Rows[0].Cells[0].GetInt64().Should().Be(1000);
    }

    [Fact]
    public async Task A_transaction_over_its_timeout_is_rolled_back_with_408()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        const string slow = "INSERT INTO vals (id, v) WITH RECURSIVE c(x) AS (SELECT ? UNION ALL SELECT x + 1 FROM c WHERE x < ? + 200000) SELECT x, x FROM c";
        var statements = Enumerable.Range(0, 20).Select(i => new object[] { slow, new object[] { i * 1_000_000, i * 1_000_000 } });

        using var response = await server.PostAsync("/v1/transactions?timeout=0.05", JsonSerializer.Serialize(statements));
        var parsed = await ApiResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.RequestTimeout, parsed.ToString());
        parsed.Error.Should().Be("the transaction did not finish within the timeout of 0.05s and was rolled back");
        (await server.QueryAsync("\"SELECT count(*) FROM vals\"")).Rows[0].Cells[0].GetInt64().Should().Be(0);
        (await server.TransactAsync("""["INSERT INTO vals (id, v) VALUES (1, 1)"]""")).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_body_with_a_utf8_byte_order_mark_is_accepted()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("""["INSERT INTO todos (id, title) VALUES ('a', 'ü')"]""")).ToArray();

        using var response = await server.Client.PostAsync("/v1/transactions", new ByteArrayContent(bytes));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await server.QueryAsync("\"SELECT title FROM todos\"")).Rows.Single().Cells[0].GetString().Should().Be("ü");
    }
}
