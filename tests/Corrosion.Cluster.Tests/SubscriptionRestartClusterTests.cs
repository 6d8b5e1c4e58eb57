using System.Text;
using System.Text.Json;

namespace Corrosion.Cluster.Tests;

/// <summary>
/// A subscription on node A survives A's restart: changes written on B while A was down come out of
/// <c>GET /v1/subscriptions/{id}?from=N</c> with the next change ids once A has caught up.
/// </summary>
public sealed class SubscriptionRestartClusterTests
{
    private static readonly TimeSpan Deadline = AgentProcesses.Deadline;

    [Fact]
    public async Task A_subscription_resumes_after_its_agent_restarts_with_the_changes_it_missed()
    {
        using var dir = new TempDir();
        dir.Write("a/schema/todo.sql", AgentProcesses.TodoSchema);
        dir.Write("b/schema/todo.sql", AgentProcesses.TodoSchema);
        var apiA = AgentProcesses.FreePort();
        var configA = AgentProcesses.WriteConfig(dir, "a", apiA);
        var a = CorrosionProcess.Start(dir.Path, "-c", configA, "agent");
        try
        {
            var gossipA = await AgentProcesses.WaitForGossipAsync(a);
            await AgentProcesses.WaitForApiAsync(a);
            var configB = AgentProcesses.WriteConfig(dir, "b", AgentProcesses.FreePort(), $"bootstrap = [\"{gossipA}\"]");
            await using var b = CorrosionProcess.Start(dir.Path, "-c", configB, "agent");
            await AgentProcesses.WaitForApiAsync(b);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiA}"), Timeout = Deadline };
            await ExecAsync(dir, configA, "INSERT INTO todos (id, title) VALUES ('one', 'first')");

            // Subscribe on A; a write on B arrives as change 1.
            Guid id;
            using (var cts = new CancellationTokenSource(Deadline))
            using (var response = await SubscribeAsync(http, HttpMethod.Post, "/v1/subscriptions", "\"SELECT id, title FROM todos\"", cts.Token))
            {
                id = Guid.Parse(response.Headers.GetValues("corro-query-id").Single());
                using var events = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
                (await NextAsync(events, cts.Token)).GetProperty("columns").GetArrayLength().Should().Be(2);
                (await NextAsync(events, cts.Token)).GetProperty("row")[1][1].GetString().Should().Be("first");
                (await NextAsync(events, cts.Token)).GetProperty("eoq").GetProperty("change_id").GetInt64().Should().Be(0);

                await ExecAsync(dir, configB, "INSERT INTO todos (id, title) VALUES ('two', 'from B')");
                var change = (await NextAsync(events, cts.Token)).GetProperty("change");
                change[0].GetString().Should().Be("insert");
                change[2][1].GetString().Should().Be("from B");
                change[3].GetInt64().Should().Be(1);
            }

            // A goes down; B writes; A comes back (rejoining B from its persisted members) and catches up.
            (await a.TerminateAsync(Deadline)).Should().Be(0, a.Stderr);
            await a.DisposeAsync();
            await ExecAsync(dir, configB, "INSERT INTO todos (id, title) VALUES ('three', 'while A was down')");
            await ExecAsync(dir, configB, "UPDATE todos SET title = 'renamed on B' WHERE id = 'one'");
            a = CorrosionProcess.Start(dir.Path, "-c", configA, "agent");
            await AgentProcesses.WaitForApiAsync(a);

            using (var cts = new CancellationTokenSource(Deadline))
            using (var response = await SubscribeAsync(http, HttpMethod.Get, $"/v1/subscriptions/{id}?from=1", null, cts.Token))
            {
                using var events = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
                var ids = new List<long>();
                var changes = new List<string>();
                while (changes.Count < 2)
                {
                    var change = (await NextAsync(events, cts.Token)).GetProperty("change");
                    ids.Add(change[3].GetInt64());
                    changes.Add($"{change[0].GetString()}:{change[2][1].GetString()}");
                }

                // Both missed writes, with the next two change ids (their order depends on how A caught up).
                ids.Should().Equal(2, 3);
                changes.Should().BeEquivalentTo("insert:while A was down", "update:renamed on B");
            }

            (await b.TerminateAsync(Deadline)).Should().Be(0, b.Stderr);
            (await a.TerminateAsync(Deadline)).Should().Be(0, a.Stderr);
        }
        finally
        {
            await a.DisposeAsync();
        }
    }

    private static async Task<HttpResponseMessage> SubscribeAsync(HttpClient http, HttpMethod method, string path, string? body, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            response.Dispose();
            await Task.Delay(100, cancellationToken);
        }
    }

    private static async Task<JsonElement> NextAsync(StreamReader events, CancellationToken cancellationToken)
    {
        var line = await events.ReadLineAsync(cancellationToken) ?? throw new InvalidOperationException("the stream ended");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    private static async Task ExecAsync(TempDir dir, string config, string sql)
    {
        var result = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "exec", sql);
        result.ExitCode.Should().Be(0, result.Err);
    }
}
