using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Corrosion.Samples.Tests;

/// <summary>The todo sample as a user runs it: its own process, Kestrel on a port the OS picks, plain HTTP.</summary>
public sealed class TodoApiSampleTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _data = Path.Combine(Path.GetTempPath(), $"corrosion-sample-{Guid.NewGuid():N}");
    private AspNetAppProcess _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Corrosion.Samples.TodoApi.dll"), "--urls", "http://127.0.0.1:0", "--DataDirectory", _data })
        {
            info.ArgumentList.Add(arg);
        }

        _app = await AspNetAppProcess.StartAsync(info, Deadline, "the sample");
        _client = new HttpClient { BaseAddress = _app.Address, Timeout = Deadline };
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task Todos_are_written_read_and_completed_through_the_embedded_node()
    {
        var created = await _client.PostAsJsonAsync("/todos", new { title = "Write some Corrosion docs!" });
        created.StatusCode.Should().Be(HttpStatusCode.Created, Output());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        (await _client.PostAsync($"/todos/{id}/complete", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _client.PostAsync("/todos/nope/complete", null)).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var todos = await _client.GetFromJsonAsync<JsonElement>("/todos");
        todos.GetArrayLength().Should().Be(1);
        todos[0].GetProperty("title").GetString().Should().Be("Write some Corrosion docs!");
        todos[0].GetProperty("completedAt").ValueKind.Should().Be(JsonValueKind.Number);

        // The embedded node serves Corrosion's own API too.
        var query = await _client.PostAsync("/v1/queries", new StringContent("\"SELECT title FROM todos\""));
        (await query.Content.ReadAsStringAsync()).Should().Contain("{\"row\":[1,[\"Write some Corrosion docs!\"]]}");
    }

    [Fact]
    public async Task The_embedded_node_serves_its_prometheus_metrics_at_slash_metrics()
    {
        for (var i = 0; i < 2; i++)
        {
            (await _client.PostAsJsonAsync("/todos", new { title = $"todo {i}" })).StatusCode.Should().Be(HttpStatusCode.Created, Output());
        }

        using var response = await _client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.ToString().Should().Be("text/plain; version=0.0.4; charset=utf-8");
        text.Should().Contain("# TYPE corro_changes_committed counter\n")
            .And.Contain("corro_changes_committed{source=\"local\",table=\"todos\"} 4\n", "two inserts of title and completed_at:\n" + text)
            .And.Contain("corro_db_table_rows_total{table=\"todos\"} 2\n");
    }

    [Fact]
    public async Task Live_todos_stream_the_current_rows_then_each_change_as_server_sent_events()
    {
        (await _client.PostAsJsonAsync("/todos", new { title = "first" })).EnsureSuccessStatusCode();
        using var cts = new CancellationTokenSource(Deadline);
        using var response = await _client.GetAsync("/todos/live", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));

        var first = await NextEventAsync(events, cts.Token);
        first.GetProperty("kind").GetString().Should().Be("row");
        first.GetProperty("todo").GetProperty("title").GetString().Should().Be("first");

        // A write through Corrosion's API (as a peer's would arrive) reaches the in-process subscription.
        var write = await _client.PostAsync("/v1/transactions", new StringContent("""["UPDATE todos SET title = 'renamed'"]"""));
        write.EnsureSuccessStatusCode();
        var change = await NextEventAsync(events, cts.Token);
        change.GetProperty("kind").GetString().Should().Be("update");
        change.GetProperty("rowId").GetInt64().Should().Be(first.GetProperty("rowId").GetInt64());
        change.GetProperty("todo").GetProperty("title").GetString().Should().Be("renamed");
    }

    [Fact]
    public async Task Sigterm_with_a_live_todos_stream_open_stops_the_sample_at_once_and_without_errors()
    {
        (await _client.PostAsJsonAsync("/todos", new { title = "first" })).EnsureSuccessStatusCode();
        using var cts = new CancellationTokenSource(Deadline);
        using var response = await _client.GetAsync("/todos/live", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        (await NextEventAsync(events, cts.Token)).GetProperty("kind").GetString().Should().Be("row");

        // Kestrel waits for open requests before the host stops the node: the stream must end when the app stops,
        // not when HostOptions.ShutdownTimeout (30 s) runs out.
        var exitCode = await _app.TerminateAsync(TimeSpan.FromSeconds(10));

        exitCode.Should().Be(0, "the sample exits cleanly within 10 s of SIGTERM:\n" + Output());
        _app.Lines().Should().NotContain(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal), Output());
        _app.Lines().Should().Contain(l => l.Contains("Closed database", StringComparison.Ordinal), Output());
    }

    private static async Task<JsonElement> NextEventAsync(StreamReader events, CancellationToken cancellationToken)
    {
        while (await events.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
            }
        }

        throw new InvalidOperationException("the event stream ended");
    }

    private string Output() => _app.Output();
}
