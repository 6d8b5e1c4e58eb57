using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace Corrosion.Host.Tests.Process;

/// <summary>SIGTERM while clients hold live NDJSON streams (a subscription, a table's updates) open.</summary>
public sealed class AgentShutdownWithStreamsTests
{
    private static readonly TimeSpan Deadline = AgentProcesses.Deadline;

    /// <summary>
    /// The agent's host gives its whole stop 10 s. Live streams never end by themselves, so before they watched the
    /// application's stopping token Kestrel's graceful stop waited for them the full 10 s, the gossip layer was then
    /// stopped with an already-cancelled token, and the agent logged "Corrosion Agent failed ... A task was canceled"
    /// and exited 1, while its clients saw a connection reset instead of the end of the stream.
    /// </summary>
    [Fact]
    public async Task SIGTERM_ends_open_subscription_and_updates_streams_and_the_agent_stops_cleanly_and_quickly()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        await using var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        var api = await AgentProcesses.WaitForApiAsync(agent);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{api}"), Timeout = Timeout.InfiniteTimeSpan };

        using var subscription = await OpenAsync(http, HttpMethod.Post, "/v1/subscriptions", "\"SELECT id, title FROM todos\"");
        using var subscriptionReader = new StreamReader(await subscription.Content.ReadAsStreamAsync());
        using var updates = await OpenAsync(http, HttpMethod.Post, "/v1/updates/todos", null);
        using var updatesReader = new StreamReader(await updates.Content.ReadAsStreamAsync());
        (await ReadLineAsync(subscriptionReader, "the subscription's columns")).Should().Contain("columns");
        (await ReadLineAsync(subscriptionReader, "the subscription's eoq")).Should().Contain("eoq");

        var stopwatch = Stopwatch.StartNew();
        var exitCode = await agent.TerminateAsync(Deadline);
        stopwatch.Stop();

        exitCode.Should().Be(0, "SIGTERM stops the agent cleanly even with streams open; stdout:\n{0}\nstderr:\n{1}", string.Join('\n', agent.Lines), agent.Stderr);
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(8), "open streams must not hold the stop up until the host's 10 s shutdown timeout");
        agent.Lines.Should().NotContain(l => l.Contains("Corrosion Agent failed", StringComparison.Ordinal));
        agent.Lines.Should().Contain(l => l.EndsWith("Corrosion Agent stopped", StringComparison.Ordinal));

        // Both streams end as complete responses (end of stream), not with a reset.
        (await ReadLineAsync(subscriptionReader, "the end of the subscription stream")).Should().BeNull();
        (await ReadLineAsync(updatesReader, "the end of the updates stream")).Should().BeNull();
    }

    private static async Task<HttpResponseMessage> OpenAsync(HttpClient http, HttpMethod method, string path, string? body)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var timeout = new CancellationTokenSource(Deadline);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        return response;
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, string what)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        try
        {
            return await reader.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"nothing within {Deadline.TotalSeconds}s while waiting for {what}");
        }
    }
}
