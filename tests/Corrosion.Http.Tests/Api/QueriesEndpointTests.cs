using System.Net;
using System.Text;
using System.Text.Json;
using Corrosion.Http.Tests.Fixtures;

namespace Corrosion.Http.Tests.Api;

public sealed class QueriesEndpointTests
{
    /// <summary>Rows forever, each costing a 20 KB random blob, so a timed-out stream stays small.</summary>
    private const string EndlessSlowQuery =
        "\"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 + 0 * length(randomblob(20000)) FROM c) SELECT x FROM c\"";

    private const string Sandwiches = """
        [
          "INSERT INTO todos (id, title) VALUES ('1', 'burger')",
          "INSERT INTO todos (id, title) VALUES ('2', 'ham')",
          "INSERT INTO todos (id, title) VALUES ('3', 'grilled cheese')",
          "INSERT INTO todos (id, title) VALUES ('4', 'brie and cranberry')"
        ]
        """;

    [Fact]
    public async Task A_query_streams_columns_rows_and_eoq_as_the_spec_shows()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        (await server.TransactAsync(Sandwiches)).Status.Should().Be(HttpStatusCode.OK);

        var response = await server.QueryAsync("\"SELECT title FROM todos ORDER BY id\"");

        response.Status.Should().Be(HttpStatusCode.OK, response.ToString());
        response.ContentType.Should().Be("application/x-ndjson");
        response.Text.Should().StartWith("{\"columns\":[\"title\"]}\n{\"row\":[1,[\"burger\"]]}\n{\"row\":[2,[\"ham\"]]}\n");
        response.Text.Should().EndWith("\n");
        response.Events.Should().HaveCount(6);
        response.Columns.Should().Equal("title");
        response.Rows.Select(r => (r.RowId, r.Cells.Single().GetString())).Should().Equal(
            (1L, "burger"), (2L, "ham"), (3L, "grilled cheese"), (4L, "brie and cranberry"));
        var eoq = response.Last.GetProperty("eoq");
        eoq.EnumerateObject().Select(p => p.Name).Should().Equal("time");
        eoq.GetProperty("time").GetDouble().Should().BeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task An_empty_result_is_columns_then_eoq()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        var response = await server.QueryAsync("\"SELECT id, title, completed_at FROM todos\"");

        response.Status.Should().Be(HttpStatusCode.OK, response.ToString());
        response.Events.Should().HaveCount(2);
        response.Columns.Should().Equal("id", "title", "completed_at");
        response.Last.TryGetProperty("eoq", out _).Should().BeTrue();
    }

    [Theory]
    [InlineData("""["SELECT title FROM todos WHERE id = ?", ["2"]]""")]
    [InlineData("""["SELECT title FROM todos WHERE id = :id", {"id": "2"}]""")]
    [InlineData("""["SELECT title FROM todos WHERE id = :id", {":id": "2"}]""")]
    [InlineData("""{"query": "SELECT title FROM todos WHERE id = ?", "params": ["2"]}""")]
    [InlineData("""{"query": "SELECT title FROM todos WHERE id = @id", "named_params": {"id": "2"}}""")]
    public async Task Parameters_bind_in_every_shape(string body)
    {
        await using var server = await CorrosionApiServer.StartAsync();
        (await server.TransactAsync(Sandwiches)).Status.Should().Be(HttpStatusCode.OK);

        var response = await server.QueryAsync(body);

        response.Status.Should().Be(HttpStatusCode.OK, response.ToString());
        response.Rows.Should().ContainSingle().Which.Cells.Single().GetString().Should().Be("ham");
    }

    [Theory]
    [InlineData("null", "null", "null")]
    [InlineData("true", "1", "integer")]
    [InlineData("false", "0", "integer")]
    [InlineData("-9223372036854775808", "-9223372036854775808", "integer")]
    [InlineData("9223372036854775807", "9223372036854775807", "integer")]
    [InlineData("2.0", "2.0", "real")]
    [InlineData("-0.25", "-0.25", "real")]
    [InlineData("1e300", "1e300", "real")]
    [InlineData("\"text ü\"", "\"text ü\"", "text")]
    [InlineData("\"🚀\"", "\"\\uD83D\\uDE80\"", "text")]
    [InlineData("\"\"", "\"\"", "text")]
    [InlineData("[0, 1, 254, 255]", "[0,1,254,255]", "blob")]
    [InlineData("[]", "[]", "blob")]
    [InlineData("{\"a\": [1, 2]}", "\"{\\\"a\\\":[1,2]}\"", "text")]
    [InlineData("[1, 300]", "\"[1,300]\"", "text")]
    public async Task Values_round_trip_through_a_table_with_their_storage_class(string parameter, string expectedCell, string expectedType)
    {
        await using var server = await CorrosionApiServer.StartAsync();

        var write = await server.TransactAsync($$"""[["INSERT INTO vals (id, v) VALUES (1, ?)", [{{parameter}}]]]""");
        write.Status.Should().Be(HttpStatusCode.OK, write.ToString());
        var read = await server.QueryAsync("\"SELECT v, typeof(v) FROM vals WHERE id = 1\"");

        read.Status.Should().Be(HttpStatusCode.OK, read.ToString());
        var cells = read.Rows.Should().ContainSingle().Which.Cells;
        cells[0].GetRawText().Should().Be(expectedCell);
        cells[1].GetString().Should().Be(expectedType);

        // Sending the cell back as a parameter finds the same value (same storage class, same bytes).
        var again = await server.QueryAsync($$"""["SELECT count(*) FROM vals WHERE v IS ? AND typeof(v) = typeof(?)", [{{cells[0].GetRawText()}}, {{cells[0].GetRawText()}}]]""");
        again.Rows.Single().Cells[0].GetInt64().Should().Be(1, "cell {0} sent back as a parameter should match the stored value", cells[0].GetRawText());
    }

    [Fact]
    public async Task A_non_finite_real_is_null()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        var response = await server.QueryAsync("\"SELECT 1e999, -1e999\"");

        response.Status.Should().Be(HttpStatusCode.OK, response.ToString());
        response.Rows.Single().Cells.Select(c => c.ValueKind).Should().Equal(JsonValueKind.Null, JsonValueKind.Null);
    }

    [Fact]
    public async Task A_blob_primary_key_reads_back_as_its_bytes()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        (await server.TransactAsync("""[["INSERT INTO todos (id, title) VALUES (?, 'blob id')", [[222, 173, 190, 239]]]]""")).Status.Should().Be(HttpStatusCode.OK);
        var response = await server.QueryAsync("""["SELECT id, hex(id) FROM todos WHERE id = ?", [[222, 173, 190, 239]]]""");

        response.Rows.Single().Cells[0].GetRawText().Should().Be("[222,173,190,239]");
        response.Rows.Single().Cells[1].GetString().Should().Be("DEADBEEF");
    }

    [Fact]
    public async Task Thousands_of_rows_stream_in_order_with_contiguous_row_ids()
    {
        const int count = 5000;
        await using var server = await CorrosionApiServer.StartAsync();
        for (var batch = 0; batch < count / 500; batch++)
        {
            var statements = Enumerable.Range(batch * 500, 500).Select(i => new object?[]
            {
                "INSERT INTO todos (id, title, completed_at) VALUES (?, ?, ?)",
                new object?[] { $"id-{i:D5}", $"title {i} \"quoted\" ü", i % 3 == 0 ? null : i },
            });
            (await server.TransactAsync(JsonSerializer.Serialize(statements))).Status.Should().Be(HttpStatusCode.OK);
        }

        var response = await server.QueryAsync("\"SELECT id, title, completed_at FROM todos ORDER BY id\"");

        response.Status.Should().Be(HttpStatusCode.OK);
        response.Events.Should().HaveCount(count + 2);
        response.Last.TryGetProperty("eoq", out _).Should().BeTrue(response.Last.ToString());
        var rows = response.Rows;
        rows.Select(r => r.RowId).Should().Equal(Enumerable.Range(1, count).Select(i => (long)i));
        for (var i = 0; i < count; i++)
        {
            rows[i].Cells[0].GetString().Should().Be($"id-{i:D5}");
            rows[i].Cells[1].GetString().Should().Be($"title {i} \"quoted\" ü");
            if (i % 3 == 0)
            {
                rows[i].Cells[2].ValueKind.Should().Be(JsonValueKind.Null);
            }
            else
            {
                rows[i].Cells[2].GetInt64().Should().Be(i);
            }
        }
    }

    [Fact]
    public async Task Rows_reach_the_client_before_the_query_has_finished()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries?timeout=0")
        {
            // About 10^9 rows: buffering the whole result would never answer.
            Content = new StringContent("\"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c\"", Encoding.UTF8, "application/json"),
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using (var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
            using var reader = new StreamReader(stream);
            (await reader.ReadLineAsync(cts.Token)).Should().Be("{\"columns\":[\"x\"]}");
            for (var i = 1; i <= 100; i++)
            {
                (await reader.ReadLineAsync(cts.Token)).Should().Be($"{{\"row\":[{i},[{i}]]}}");
            }
        }

        // The client hung up mid-stream; the server carries on.
        (await server.QueryAsync("\"SELECT 1\"")).Rows.Single().Cells[0].GetInt64().Should().Be(1);
    }

    [Fact]
    public async Task A_query_over_its_timeout_ends_with_an_error_event()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        var response = await server.QueryAsync(EndlessSlowQuery, path: "/v1/queries?timeout=0.5");

        response.Status.Should().Be(HttpStatusCode.OK);
        response.Columns.Should().Equal("x");
        response.Rows.Should().NotBeEmpty("rows read before the timeout were sent");
        response.Error.Should().StartWith("query timed out after 0.5s");
        response.Events.Any(e => e.TryGetProperty("eoq", out _)).Should().BeFalse();
    }

    [Fact]
    public async Task A_query_whose_first_row_outlasts_the_timeout_gets_408()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        using var response = await server.PostAsync(
            "/v1/queries?timeout=0.3",
            "\"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c\"");
        var parsed = await ApiResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.RequestTimeout, parsed.ToString());
        parsed.Error.Should().Be("query timed out after 0.3s (raise it with ?timeout=<seconds>, 0 for none)");
        (await server.QueryAsync("\"SELECT 1\"")).Rows.Single().Cells[0].GetInt64().Should().Be(1);
    }

    [Fact]
    public async Task The_default_query_timeout_applies_without_a_timeout_parameter()
    {
        await using var server = await CorrosionApiServer.StartAsync(o => o.DefaultQueryTimeout = TimeSpan.FromMilliseconds(300));

        var response = await server.QueryAsync(EndlessSlowQuery);

        response.Error.Should().StartWith("query timed out after 0.3s");
    }

    [Fact]
    public async Task An_error_while_streaming_is_an_error_event_after_the_rows_read()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        // abs(-9223372036854775808) overflows when it is evaluated: at the fifth row.
        var response = await server.QueryAsync(
            "\"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) SELECT CASE WHEN x < 5 THEN x ELSE abs(-9223372036854775808) END FROM c\"");

        response.Status.Should().Be(HttpStatusCode.OK, response.ToString());
        response.Rows.Select(r => r.Cells[0].GetInt64()).Should().Equal(1, 2, 3, 4);
        response.Error.Should().Contain("integer overflow");
        response.Events.Should().HaveCount(6);
    }

    [Theory]
    [InlineData("\"SELECT * FROM no_such_table\"", "no such table: no_such_table")]
    [InlineData("\"SELEKT 1\"", "syntax error")]
    [InlineData("[\"SELECT ?\", [1, 2]]", "parameter")]
    public async Task Sql_that_does_not_prepare_is_refused_before_streaming(string body, string expected)
    {
        await using var server = await CorrosionApiServer.StartAsync();

        using var response = await server.PostAsync("/v1/queries", body);
        var parsed = await ApiResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.BadRequest, parsed.ToString());
        parsed.ContentType.Should().Be("application/json");
        parsed.Error.Should().Contain(expected);
    }

    [Theory]
    [InlineData("INSERT INTO todos (id) VALUES ('x')")]
    [InlineData("UPDATE todos SET title = 'changed'")]
    [InlineData("DELETE FROM todos")]
    [InlineData("DROP TABLE todos")]
    public async Task Write_statements_are_refused_and_change_nothing(string sql)
    {
        await using var server = await CorrosionApiServer.StartAsync();
        (await server.TransactAsync(Sandwiches)).Status.Should().Be(HttpStatusCode.OK);

        using var response = await server.PostAsync("/v1/queries", JsonSerializer.Serialize(sql));
        var parsed = await ApiResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.BadRequest, parsed.ToString());
        parsed.Error.Should().NotBeNullOrWhiteSpace();
        (await server.QueryAsync("\"SELECT title FROM todos ORDER BY id\"")).Rows.Select(r => r.Cells[0].GetString())
            .Should().Equal("burger", "ham", "grilled cheese", "brie and cranberry");
    }

    [Theory]
    [InlineData("\"SELECT 1", "malformed JSON")]
    [InlineData("", "the request body is empty")]
    [InlineData("42", "query: expected a string, [sql, [params]]")]
    [InlineData("[\"SELECT ?\"]", "query: an array statement is [sql, params] with exactly 2 elements")]
    [InlineData("[\"SELECT ?\", 5]", "query: params must be an array (positional) or an object (named), got a number")]
    [InlineData("{\"sql\": \"SELECT 1\"}", "query: unknown key \"sql\"")]
    public async Task Bad_bodies_get_400_naming_the_problem(string body, string expected)
    {
        await using var server = await CorrosionApiServer.StartAsync();

        using var response = await server.PostAsync("/v1/queries", body, contentType: "application/x-www-form-urlencoded");
        var parsed = await ApiResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.BadRequest, parsed.ToString());
        parsed.Error.Should().StartWith(expected);
        (await server.QueryAsync("\"SELECT 1\"")).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_form_content_type_is_accepted_as_curl_d_sends_it()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        using var response = await server.PostAsync("/v1/queries", "\"SELECT 42\"", contentType: "application/x-www-form-urlencoded");
        var parsed = await NdjsonResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.OK, parsed.ToString());
        parsed.Rows.Single().Cells[0].GetInt64().Should().Be(42);
    }
}
