using System.Net;
using System.Reflection;
using System.Text;
using Corrosion.Http.Tests.Fixtures;
using Corrosion.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Corrosion.Http.Tests.Metrics;

/// <summary>A real node behind real Kestrel with <c>AddCorrosionMetrics()</c> + <c>MapCorrosionMetrics()</c>, scraped over HTTP.</summary>
public sealed class MetricsEndpointTests
{
    private const string Committed = "corro_changes_committed";

    /// <summary>What the node itself read back for a committed version: changes per table.</summary>
    private static async Task<Dictionary<string, int>> ChangesPerTableAsync(CorrosionApiServer server, ApiResponse transaction)
    {
        var version = transaction.Json.GetProperty("version").GetInt64();
        var changesets = await server.Node.ReadChangesetsAsync(server.Node.ActorId, version);
        return changesets.SelectMany(c => c.Changes).GroupBy(c => c.Table).ToDictionary(g => g.Key, g => g.Count());
    }

    [Fact]
    public async Task Changes_committed_moves_by_exactly_the_changes_of_each_committed_transaction_per_table()
    {
        await using var server = await CorrosionApiServer.StartAsync(metrics: true);
        var before = await PrometheusScrape.GetAsync(server.Client);
        before.Types.Should().ContainKey(Committed).WhoseValue.Should().Be("counter");
        before.Sum(Committed).Should().Be(0, "nothing was written yet");

        var expected = new Dictionary<string, int>();
        foreach (var body in (string[])[
            """["INSERT INTO todos (id, title) VALUES ('a', 'one'), ('b', 'two')"]""",
            """["INSERT INTO todos (id, title) VALUES ('c', 'three')", "INSERT INTO vals (id, v) VALUES (1, 'x')"]""",
            """["UPDATE todos SET completed_at = 1 WHERE id = 'a'"]""",
        ])
        {
            var response = await server.TransactAsync(body);
            response.Status.Should().Be(HttpStatusCode.OK, response.ToString());
            foreach (var (table, count) in await ChangesPerTableAsync(server, response))
            {
                expected[table] = expected.GetValueOrDefault(table) + count;
            }
        }

        // Neither a refused transaction nor one that changes nothing commits a change.
        (await server.TransactAsync("""["INSERT INTO todos (id, title) VALUES ('a', 'duplicate')"]""")).Status.Should().NotBe(HttpStatusCode.OK);
        (await server.TransactAsync("""["UPDATE todos SET title = 'x' WHERE id = 'nobody'"]""")).Status.Should().Be(HttpStatusCode.OK);

        var after = await PrometheusScrape.GetAsync(server.Client);
        expected.Should().ContainKeys("todos", "vals");
        foreach (var (table, count) in expected)
        {
            after.Value(Committed, ("table", table), ("source", "local")).Should().Be(count, $"the changes committed to {table}:\n{after.Text}");
        }

        after.Sum(Committed).Should().Be(expected.Values.Sum());
        after.Sum(Committed, ("source", "remote")).Should().Be(0);
    }

    [Fact]
    public async Task Table_rows_gauge_equals_each_tables_row_count_and_follows_writes()
    {
        await using var server = await CorrosionApiServer.StartAsync(metrics: true);
        (await server.TransactAsync("""["INSERT INTO todos (id) VALUES ('a'), ('b'), ('c'), ('d'), ('e')", "INSERT INTO vals (id) VALUES (1), (2)", "DELETE FROM todos WHERE id = 'e'"]"""))
            .Status.Should().Be(HttpStatusCode.OK);

        var scrape = await PrometheusScrape.GetAsync(server.Client);
        scrape.Types["corro_db_table_rows_total"].Should().Be("gauge");
        scrape.Value("corro_db_table_rows_total", ("table", "todos")).Should().Be(4, scrape.Text);
        scrape.Value("corro_db_table_rows_total", ("table", "vals")).Should().Be(2, scrape.Text);
        scrape.Of("corro_db_table_rows_total").Select(s => s.Labels["table"]).Should().BeEquivalentTo(["todos", "vals"], "only the schema's tables are counted");
        scrape.Value("corro_db_buffered_changes_rows_total").Should().Be(0);

        (await server.TransactAsync("""["INSERT INTO todos (id) VALUES ('f'), ('g')"]""")).Status.Should().Be(HttpStatusCode.OK);
        var again = await PrometheusScrape.GetAsync(server.Client);
        again.Value("corro_db_table_rows_total", ("table", "todos")).Should().Be(6, "a write since the last count is counted at the next scrape");
        var counted = await server.QueryAsync("\"SELECT COUNT(*) FROM todos\"");
        again.Value("corro_db_table_rows_total", ("table", "todos")).Should().Be(counted.Rows[0].Cells[0].GetInt64());
    }

    [Fact]
    public async Task Build_info_pool_gauges_and_histograms_describe_the_running_node()
    {
        await using var server = await CorrosionApiServer.StartAsync(metrics: true);
        var before = await PrometheusScrape.GetAsync(server.Client);
        const int Transactions = 4;
        for (var i = 0; i < Transactions; i++)
        {
            (await server.TransactAsync($"""["INSERT INTO todos (id) VALUES ('t{i}')"]""")).Status.Should().Be(HttpStatusCode.OK);
        }

        (await server.QueryAsync("\"SELECT * FROM todos\"")).Status.Should().Be(HttpStatusCode.OK);
        var scrape = await PrometheusScrape.GetAsync(server.Client);

        var version = typeof(ICorrosionNode).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        scrape.Types["corro_build_info"].Should().Be("gauge");
        scrape.Value("corro_build_info", ("version", version)).Should().Be(1);

        scrape.Value("corro_sqlite_pool_write_connections").Should().Be(1);
        scrape.Value("corro_sqlite_pool_write_connections_idle").Should().Be(1, "no write is running during the scrape");
        var readers = scrape.Value("corro_sqlite_pool_read_connections");
        readers.Should().BeGreaterThanOrEqualTo(1, "the query opened a reader");
        scrape.Value("corro_sqlite_pool_read_connections_idle").Should().Be(readers, "every reader was returned");

        foreach (var histogram in (string[])["corro_sqlite_pool_queue_seconds", "corro_sqlite_pool_execution_seconds"])
        {
            scrape.Types[histogram].Should().Be("histogram");
            var writes = scrape.Value(histogram + "_count", ("queue", "write"))!.Value - (before.Value(histogram + "_count", ("queue", "write")) ?? 0);
            writes.Should().BeGreaterThanOrEqualTo(Transactions, $"each transaction took the writer once ({histogram})");
            scrape.Value(histogram + "_count", ("queue", "read")).Should().BeGreaterThanOrEqualTo(1, "the query rented a reader");
            AssertCumulative(scrape, histogram, ("queue", "write"));
        }
    }

    private static void AssertCumulative(PrometheusScrape scrape, string histogram, (string, string) label)
    {
        var buckets = scrape.Of(histogram + "_bucket").Where(s => s.Has(label)).ToList();
        buckets.Should().HaveCountGreaterThan(2);
        buckets[^1].Labels["le"].Should().Be("+Inf");
        buckets.Select(b => b.Value).Should().BeInAscendingOrder("buckets are cumulative");
        buckets[^1].Value.Should().Be(scrape.Value(histogram + "_count", label)!.Value);
        buckets.Select(b => b.Labels["le"]).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Active_streams_counts_an_open_subscription_until_it_ends()
    {
        await using var server = await CorrosionApiServer.StartAsync(metrics: true);
        (await PrometheusScrape.GetAsync(server.Client)).Sum("corro_api_active_streams").Should().Be(0);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/subscriptions") { Content = new StringContent("\"SELECT * FROM todos\"", Encoding.UTF8, "application/json") };
        using (var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            var scrape = await PrometheusScrape.GetAsync(server.Client);
            scrape.Types["corro_api_active_streams"].Should().Be("gauge");
            scrape.Value("corro_api_active_streams").Should().Be(1, scrape.Text);
        }

        await Eventually.UntilAsync(
            async () => (await PrometheusScrape.GetAsync(server.Client)).Value("corro_api_active_streams") == 0,
            TimeSpan.FromSeconds(20),
            "corro_api_active_streams back to 0 after the client hung up");
    }

    [Fact]
    public async Task Two_nodes_in_one_process_each_export_only_their_own_measurements()
    {
        await using var a = await CorrosionApiServer.StartAsync(metrics: true);
        await using var b = await CorrosionApiServer.StartAsync(metrics: true);
        (await a.TransactAsync("""["INSERT INTO todos (id) VALUES ('only-a')"]""")).Status.Should().Be(HttpStatusCode.OK);

        var scrapeA = await PrometheusScrape.GetAsync(a.Client);
        var scrapeB = await PrometheusScrape.GetAsync(b.Client);

        scrapeA.Sum(Committed).Should().BeGreaterThan(0);
        scrapeB.Sum(Committed).Should().Be(0, "b's exporter listens to b's meter factory only");
        scrapeA.Value("corro_db_table_rows_total", ("table", "todos")).Should().Be(1);
        scrapeB.Value("corro_db_table_rows_total", ("table", "todos")).Should().Be(0);
        scrapeB.Of("corro_build_info").Should().ContainSingle("one node, one build_info series");
    }

    [Fact]
    public void MapCorrosionMetrics_without_AddCorrosionMetrics_fails_fast()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddCorrosion(o => o.DatabasePath = "unused.db");
        using var app = builder.Build();

        var map = () => app.MapCorrosionMetrics();

        map.Should().Throw<InvalidOperationException>().WithMessage("Call AddCorrosionMetrics() first.");
    }

    [Fact]
    public async Task Every_metric_has_one_type_line_and_uses_the_spec_names()
    {
        await using var server = await CorrosionApiServer.StartAsync(metrics: true);
        (await server.TransactAsync("""["INSERT INTO todos (id) VALUES ('a')"]""")).Status.Should().Be(HttpStatusCode.OK);

        var scrape = await PrometheusScrape.GetAsync(server.Client);

        scrape.Types.Keys.Should().Contain([
            "corro_build_info", "corro_changes_committed", "corro_db_table_rows_total", "corro_db_buffered_changes_rows_total",
            "corro_sqlite_pool_read_connections", "corro_sqlite_pool_read_connections_idle", "corro_sqlite_pool_write_connections",
            "corro_sqlite_pool_write_connections_idle", "corro_sqlite_pool_execution_seconds", "corro_sqlite_pool_queue_seconds",
            "corro_api_active_streams",
        ]);
        scrape.Types.Keys.Should().OnlyContain(name => name.StartsWith("corro_", StringComparison.Ordinal), "only Corrosion's meter is exported");
        foreach (var sample in scrape.Samples)
        {
            var family = scrape.Types.ContainsKey(sample.Name) ? sample.Name : sample.Name[..sample.Name.LastIndexOf('_')];
            scrape.Types.Should().ContainKey(family, $"{sample.Name} belongs to a typed metric");
        }
    }
}
