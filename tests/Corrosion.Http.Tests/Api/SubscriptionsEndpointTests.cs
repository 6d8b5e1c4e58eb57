using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Corrosion.Http.Tests.Fixtures;

namespace Corrosion.Http.Tests.Api;

public sealed class SubscriptionsEndpointTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>A live NDJSON subscription stream read line by line, each read bounded by a deadline.</summary>
    private sealed class LiveStream : IAsyncDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly StreamReader _reader;

        private LiveStream(HttpResponseMessage response, StreamReader reader)
        {
            _response = response;
            _reader = reader;
        }

        public HttpResponseMessage Response => _response;

        public string QueryId => _response.Headers.GetValues("corro-query-id").Single();

        public static async Task<LiveStream> OpenAsync(CorrosionApiServer server, HttpMethod method, string path, string? body = null, string? bearerToken = null)
        {
            var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            if (bearerToken is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
            }

            var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            return new LiveStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        }

        public async Task<JsonElement> NextAsync(string what)
        {
            using var timeout = new CancellationTokenSource(Deadline);
            try
            {
                var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException($"stream ended while waiting for {what}");
                return JsonDocument.Parse(line).RootElement.Clone();
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"no event within {Deadline.TotalSeconds}s while waiting for {what}");
            }
        }

        public async Task<List<string>> NextAsync(int count, string what)
        {
            var events = new List<string>();
            for (var i = 0; i < count; i++)
            {
                events.Add((await NextAsync($"{what} ({i + 1} of {count})")).GetRawText());
            }

            return events;
        }

        public async ValueTask DisposeAsync()
        {
            _reader.Dispose();
            _response.Dispose();
            await Task.CompletedTask;
        }
    }

    private static async Task InsertAsync(CorrosionApiServer server, string id, string title) =>
        (await server.TransactAsync($$"""[["INSERT INTO todos (id, title) VALUES (?, ?)", ["{{id}}", "{{title}}"]]]""")).Status.Should().Be(HttpStatusCode.OK);

    [Fact]
    public async Task Post_streams_the_query_id_columns_rows_eoq_then_changes()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        await InsertAsync(server, "1", "burger");

        await using var stream = await LiveStream.OpenAsync(server, HttpMethod.Post, "/v1/subscriptions", "\"SELECT id, title FROM todos\"");
        stream.Response.StatusCode.Should().Be(HttpStatusCode.OK);
        stream.Response.Content.Headers.ContentType!.MediaType.Should().Be("application/x-ndjson");
        Guid.TryParse(stream.QueryId, out _).Should().BeTrue(stream.QueryId);

        (await stream.NextAsync(2, "columns and row")).Should().Equal("{\"columns\":[\"id\",\"title\"]}", "{\"row\":[1,[\"1\",\"burger\"]]}");
        var eoq = (await stream.NextAsync("eoq")).GetProperty("eoq");
        eoq.GetProperty("change_id").GetInt64().Should().Be(0);
        eoq.GetProperty("time").GetDouble().Should().BeGreaterThanOrEqualTo(0);

        await InsertAsync(server, "2", "ham");
        (await stream.NextAsync("insert")).GetRawText().Should().Be("{\"change\":[\"insert\",2,[\"2\",\"ham\"],1]}");
        (await server.TransactAsync("""["UPDATE todos SET title = 'smoked meat' WHERE id = '1'"]""")).Status.Should().Be(HttpStatusCode.OK);
        (await stream.NextAsync("update")).GetRawText().Should().Be("{\"change\":[\"update\",1,[\"1\",\"smoked meat\"],2]}");
        (await server.TransactAsync("""["DELETE FROM todos WHERE id = '2'"]""")).Status.Should().Be(HttpStatusCode.OK);
        (await stream.NextAsync("delete")).GetRawText().Should().Be("{\"change\":[\"delete\",2,[\"2\",\"ham\"],3]}");
    }

    [Fact]
    public async Task Get_by_id_joins_the_same_subscription_with_from_and_skip_rows()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        await InsertAsync(server, "1", "burger");
        await using var first = await LiveStream.OpenAsync(server, HttpMethod.Post, "/v1/subscriptions", """["SELECT title FROM todos WHERE title <> ?", ["x"]]""");
        await first.NextAsync(3, "initial events");
        await InsertAsync(server, "2", "ham");
        await InsertAsync(server, "3", "cheese");
        await first.NextAsync(2, "two inserts");
        var id = first.QueryId;

        await using (var again = await LiveStream.OpenAsync(server, HttpMethod.Post, "/v1/subscriptions", """[" select title   from todos where title <> ?", ["x"]]"""))
        {
            again.QueryId.Should().Be(id, "the same SQL and params share one subscription");
        }

        await using (var full = await LiveStream.OpenAsync(server, HttpMethod.Get, $"/v1/subscriptions/{id}"))
        {
            full.QueryId.Should().Be(id);
            var events = await full.NextAsync(5, "columns, 3 rows, eoq");
            events[0].Should().Be("{\"columns\":[\"title\"]}");
            events.Skip(1).Take(3).Should().Equal("{\"row\":[1,[\"burger\"]]}", "{\"row\":[2,[\"ham\"]]}", "{\"row\":[3,[\"cheese\"]]}");
            JsonDocument.Parse(events[4]).RootElement.GetProperty("eoq").GetProperty("change_id").GetInt64().Should().Be(2);
        }

        await using (var skip = await LiveStream.OpenAsync(server, HttpMethod.Get, $"/v1/subscriptions/{id}?skip_rows=true"))
        {
            (await skip.NextAsync("columns")).GetRawText().Should().Be("{\"columns\":[\"title\"]}");
            (await skip.NextAsync("eoq")).GetProperty("eoq").GetProperty("change_id").GetInt64().Should().Be(2);
        }

        await using var resumed = await LiveStream.OpenAsync(server, HttpMethod.Get, $"/v1/subscriptions/{id}?from=1");
        (await resumed.NextAsync("replayed change 2")).GetRawText().Should().Be("{\"change\":[\"insert\",3,[\"cheese\"],2]}");
        await InsertAsync(server, "4", "brie");
        (await resumed.NextAsync("live change 3")).GetRawText().Should().Be("{\"change\":[\"insert\",4,[\"brie\"],3]}");
    }

    [Fact]
    public async Task An_unknown_id_is_404()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        var id = Guid.NewGuid();

        using var response = await server.Client.GetAsync($"/v1/subscriptions/{id}");
        var parsed = await ApiResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.NotFound, parsed.ToString());
        parsed.Error.Should().Be($"could not find subscription with id {id}");
    }

    [Theory]
    [InlineData("\"SELECT nope FROM todos\"", "no such column")]
    [InlineData("\"DELETE FROM todos\"", "read-only")]
    [InlineData("\"SELEC 1\"", "syntax error")]
    public async Task Bad_sql_and_writes_are_400(string body, string expected)
    {
        await using var server = await CorrosionApiServer.StartAsync();

        using var response = await server.PostAsync("/v1/subscriptions", body);
        var parsed = await ApiResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.BadRequest, parsed.ToString());
        parsed.Error.Should().Contain(expected);
    }

    [Fact]
    public async Task A_from_beyond_the_subscription_is_400_before_streaming()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        await using var first = await LiveStream.OpenAsync(server, HttpMethod.Post, "/v1/subscriptions", "\"SELECT id FROM todos\"");
        await first.NextAsync(2, "initial events");

        using var response = await server.Client.GetAsync($"/v1/subscriptions/{first.QueryId}?from=5");
        var parsed = await ApiResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.BadRequest, parsed.ToString());
        parsed.Error.Should().Contain("change id 5");
    }

    [Fact]
    public async Task Bearer_auth_applies_to_subscriptions()
    {
        await using var server = await CorrosionApiServer.StartAsync(o => o.BearerToken = "s3cr3t");

        using (var refused = await server.PostAsync("/v1/subscriptions", "\"SELECT id FROM todos\""))
        {
            refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        using (var refusedGet = await server.Client.GetAsync($"/v1/subscriptions/{Guid.NewGuid()}"))
        {
            refusedGet.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        await using var allowed = await LiveStream.OpenAsync(server, HttpMethod.Post, "/v1/subscriptions", "\"SELECT id FROM todos\"", bearerToken: "s3cr3t");
        allowed.Response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await allowed.NextAsync("columns")).GetRawText().Should().Be("{\"columns\":[\"id\"]}");
    }
}
