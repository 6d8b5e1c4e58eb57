using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Corrosion.Host.Tests.Process;

/// <summary>The real <c>corrosion agent</c> with <c>[telemetry] prometheus.addr</c>: a listener of its own that answers every GET with metrics.</summary>
public sealed partial class PrometheusProcessTests
{
    private static readonly TimeSpan Deadline = AgentProcesses.Deadline;

    [GeneratedRegex(@"^corro_changes_committed\{source=""local"",table=""todos""\} (\d+)$", RegexOptions.Multiline)]
    private static partial Regex TodosCommitted();

    [GeneratedRegex(@"^corro_db_table_rows_total\{table=""todos""\} (\d+)$", RegexOptions.Multiline)]
    private static partial Regex TodosRows();

    private static async Task<string> ScrapeAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.ToString().Should().Be("text/plain; version=0.0.4; charset=utf-8");
        return text;
    }

    private static long Read(Regex regex, string text)
    {
        var match = regex.Match(text);
        match.Success.Should().BeTrue($"{regex} in:\n{text}");
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Agent_serves_metrics_on_telemetry_prometheus_addr_for_any_GET_path_and_counts_writes()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir, """

            [telemetry]
            prometheus.addr = "127.0.0.1:0"
            """);
        await using var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        var api = await AgentProcesses.WaitForApiAsync(agent);
        var line = await agent.WaitForLineAsync("Starting Prometheus metrics exporter on tcp/", Deadline);
        var metrics = line[(line.IndexOf("tcp/", StringComparison.Ordinal) + 4)..].Trim();
        metrics.Should().MatchRegex(@"^127\.0\.0\.1:\d+$").And.NotEndWith(":0", "the bound port is logged");
        agent.Lines.Where(l => l.Contains("Starting public API server", StringComparison.Ordinal)).Should().ContainSingle("the metrics listener is not an API listener");
        using var client = new HttpClient { Timeout = Deadline };

        var before = await ScrapeAsync(client, $"http://{metrics}/metrics");
        before.Should().Contain("# TYPE corro_changes_committed counter\n")
            .And.Contain("# TYPE corro_gossip_members gauge\n")
            .And.MatchRegex(@"(?m)^corro_build_info\{version=""\d+\.\d+\.\d+[^""]*""\} 1$")
            .And.MatchRegex(@"(?m)^corro_gossip_cluster_size 1$", "a lone node is a cluster of one")
            .And.MatchRegex(@"(?m)^corro_gossip_members 0$");
        TodosCommitted().IsMatch(before).Should().BeFalse("nothing was written yet");

        const int Rows = 3;
        for (var i = 0; i < Rows; i++)
        {
            using var content = new StringContent($"""["INSERT INTO todos (id, title) VALUES ('id-{i}', 'todo {i}')"]""", Encoding.UTF8, "application/json");
            using var response = await client.PostAsync($"http://{api}/v1/transactions", content);
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }

        // Any path answers: the spec's "GET requests to this address will return prometheus metrics".
        var after = await ScrapeAsync(client, $"http://{metrics}/");
        Read(TodosRows(), after).Should().Be(Rows);
        Read(TodosCommitted(), after).Should().Be(Rows * 2, "each insert commits the title and completed_at columns:\n" + after);
        var elsewhere = await ScrapeAsync(client, $"http://{metrics}/some/other/path?x=1");
        Read(TodosCommitted(), elsewhere).Should().Be(Rows * 2);

        using (var post = await client.PostAsync($"http://{metrics}/metrics", new StringContent("x")))
        {
            post.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        }

        using (var onApi = await client.GetAsync($"http://{api}/metrics"))
        {
            onApi.StatusCode.Should().Be(HttpStatusCode.NotFound, "the API listener does not serve metrics");
        }

        using (var apiOnMetrics = await client.PostAsync($"http://{metrics}/v1/transactions", new StringContent("""["DELETE FROM todos"]""", Encoding.UTF8, "application/json")))
        {
            apiOnMetrics.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed, "the metrics listener does not serve the API");
        }

        (await agent.TerminateAsync(Deadline)).Should().Be(0, agent.Stderr);
    }

    [GeneratedRegex(@"^corro_changes_committed\{source=""remote"",table=""todos""\} (\d+)$", RegexOptions.Multiline)]
    private static partial Regex TodosCommittedRemotely();

    [GeneratedRegex(@"^corro_gossip_members (\d+)$", RegexOptions.Multiline)]
    private static partial Regex Members();

    [GeneratedRegex(@"^corro_gossip_cluster_size (\d+)$", RegexOptions.Multiline)]
    private static partial Regex ClusterSize();

    [GeneratedRegex(@"^corro_peer_datagram_recv_total (\d+)$", RegexOptions.Multiline)]
    private static partial Regex DatagramsReceived();

    [GeneratedRegex(@"^corro_peer_stream_bytes_recv_total (\d+)$", RegexOptions.Multiline)]
    private static partial Regex StreamBytesReceived();

    [Fact]
    public async Task Two_agents_gossip_metrics_show_the_member_and_the_peers_changes_applied()
    {
        using var dir = new TempDir();
        dir.Write("a/schema/todo.sql", AgentProcesses.TodoSchema);
        dir.Write("b/schema/todo.sql", AgentProcesses.TodoSchema);
        var configA = AgentProcesses.WriteConfig(dir, "a", AgentProcesses.FreePort());
        var metricsPort = AgentProcesses.FreePort();
        File.AppendAllText(configA, $"\n[telemetry]\nprometheus.addr = \"127.0.0.1:{metricsPort}\"\n");
        await using var a = CorrosionProcess.Start(dir.Path, "-c", configA, "agent");
        var gossipA = await AgentProcesses.WaitForGossipAsync(a);
        await a.WaitForLineAsync($"Starting Prometheus metrics exporter on tcp/127.0.0.1:{metricsPort}", Deadline);
        using var client = new HttpClient { Timeout = Deadline };
        var url = $"http://127.0.0.1:{metricsPort}/metrics";
        Read(Members(), await ScrapeAsync(client, url)).Should().Be(0);

        var configB = AgentProcesses.WriteConfig(dir, "b", AgentProcesses.FreePort(), $"bootstrap = [\"{gossipA}\"]");
        await using var b = CorrosionProcess.Start(dir.Path, "-c", configB, "agent");
        await AgentProcesses.WaitForApiAsync(b);
        string scrape = string.Empty;
        await AgentProcesses.PollAsync(async () => Read(Members(), scrape = await ScrapeAsync(client, url)) == 1, "A's corro_gossip_members to reach 1");
        Read(ClusterSize(), scrape).Should().Be(2);
        Read(DatagramsReceived(), scrape).Should().BeGreaterThan(0);

        (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configB, "exec", "--param", "from-b", "--param", "written on B", "INSERT INTO todos (id, title) VALUES (?, ?)"))
            .ExitCode.Should().Be(0);
        await AgentProcesses.PollAsync(
            async () => TodosCommittedRemotely().IsMatch(scrape = await ScrapeAsync(client, url)) && Read(TodosCommittedRemotely(), scrape) >= 2,
            "B's 2 changes committed on A");
        Read(TodosCommittedRemotely(), scrape).Should().Be(2, "B's insert is applied on A once, by broadcast or sync");
        Read(TodosRows(), scrape).Should().Be(1);
        Read(StreamBytesReceived(), scrape).Should().BeGreaterThan(0, "B's changes came over a stream");
        TodosCommitted().IsMatch(scrape).Should().BeFalse("A wrote nothing itself");

        (await b.TerminateAsync(Deadline)).Should().Be(0, b.Stderr);
        await AgentProcesses.PollAsync(async () => Read(Members(), await ScrapeAsync(client, url)) == 0, "A's corro_gossip_members back to 0 after B left");
        (await a.TerminateAsync(Deadline)).Should().Be(0, a.Stderr);
    }

    [Fact]
    public async Task Agent_without_prometheus_addr_opens_no_metrics_listener()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        await using var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        await AgentProcesses.WaitForApiAsync(agent);

        agent.Lines.Should().NotContain(l => l.Contains("Prometheus", StringComparison.Ordinal));
        (await agent.TerminateAsync(Deadline)).Should().Be(0, agent.Stderr);
    }
}
