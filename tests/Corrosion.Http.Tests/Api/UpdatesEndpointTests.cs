using System.Net;
using System.Text.Json;
using Corrosion.Http.Tests.Fixtures;
using Corrosion.TestKit;

namespace Corrosion.Http.Tests.Api;

public sealed class UpdatesEndpointTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("POST")]
    [InlineData("GET")]
    public async Task Changes_stream_as_notify_events_with_the_primary_key(string method)
    {
        await using var server = await CorrosionApiServer.StartAsync();
        (await server.TransactAsync("""["INSERT INTO todos (id, title) VALUES ('before', 'not reported')"]""")).Status.Should().Be(HttpStatusCode.OK);
        using var cts = new CancellationTokenSource(Deadline);
        using var request = new HttpRequestMessage(new HttpMethod(method), "/v1/updates/todos");
        using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/x-ndjson");
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));

        (await server.TransactAsync("""["INSERT INTO todos (id, title) VALUES ('a', 'one')"]""")).Status.Should().Be(HttpStatusCode.OK);
        (await server.TransactAsync("""["UPDATE todos SET title = 'two' WHERE id = 'a'", "INSERT INTO vals (id, v) VALUES (1, 'other table')"]""")).Status.Should().Be(HttpStatusCode.OK);
        (await server.TransactAsync("""["DELETE FROM todos WHERE id = 'a'"]""")).Status.Should().Be(HttpStatusCode.OK);

        var seen = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            seen.Add((await lines.ReadLineAsync(cts.Token))!);
        }

        seen.Should().Equal(
            """{"notify":["update",["a"]]}""",
            """{"notify":["update",["a"]]}""",
            """{"notify":["delete",["a"]]}""");
    }

    [Fact]
    public async Task Integer_keys_are_json_numbers_and_replicated_writes_are_reported()
    {
        await using var server = await CorrosionApiServer.StartAsync();
        using var directory = new TempDirectory("corrosion-updates");
        await using var origin = await NodeFactory.OpenAsync(directory, "origin", CorrosionApiServer.Schema);
        using var cts = new CancellationTokenSource(Deadline);
        using var response = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/updates/vals"), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));

        var write = await origin.ExecuteAsync(["INSERT INTO vals (id, v) VALUES (42, 'from a peer')"]);
        await server.Node.ApplyChangesetsAsync(await origin.ReadChangesetsAsync(origin.ActorId, write.Version!.Value), cts.Token);

        var line = await lines.ReadLineAsync(cts.Token);
        line.Should().Be("""{"notify":["update",[42]]}""");
    }

    [Fact]
    public async Task An_unknown_table_is_a_404_naming_it()
    {
        await using var server = await CorrosionApiServer.StartAsync();

        using var response = await server.PostAsync("/v1/updates/sandwiches", string.Empty, contentType: null);
        var parsed = await ApiResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.NotFound, parsed.ToString());
        parsed.Error.Should().Contain("'sandwiches'");
    }

    [Fact]
    public async Task A_client_that_stops_reading_gets_an_error_event_and_the_agent_keeps_writing()
    {
        await using var server = await CorrosionApiServer.StartAsync(o => o.UpdatesBufferCommits = 4);
        using var cts = new CancellationTokenSource(Deadline);
        using var response = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/updates/todos"), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var stream = await response.Content.ReadAsStreamAsync(cts.Token);

        // Each notify line carries a 10 KB key, so a thousand unread ones fill the socket buffers and then the
        // server's per-reader buffer; every write must still commit.
        for (var i = 0; i < 1000; i++)
        {
            var key = i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture) + new string('k', 10_000);
            var result = await server.TransactAsync($$"""[["INSERT INTO todos (id) VALUES (?)", ["{{key}}"]]]""");
            result.Status.Should().Be(HttpStatusCode.OK);
        }

        var text = await new StreamReader(stream).ReadToEndAsync(cts.Token);
        var last = text.TrimEnd('\n').Split('\n')[^1];
        JsonDocument.Parse(last).RootElement.GetProperty("error").GetString().Should().Contain("fell behind");
        (await server.QueryAsync("\"SELECT count(*) FROM todos\"")).Rows.Single().Cells[0].GetInt64().Should().Be(1000);
    }
}
