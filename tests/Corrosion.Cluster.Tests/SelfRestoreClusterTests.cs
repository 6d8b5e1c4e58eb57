using System.Net.Http.Json;
using System.Text.Json;

namespace Corrosion.Cluster.Tests;

/// <summary>
/// <c>corrosion restore --self-actor-id</c> of a node's own older backup, with a peer that holds what the node wrote
/// after the backup: the restored node gets those versions back from the peer, and its next write, even one sent at
/// once after it starts, waits for its first sync and takes a version above them, which the peer also takes. Peers used to skip a node's own actor when syncing, so the versions were
/// lost and the next write reused version 3, which the peer took as already held: the nodes diverged for good.
/// </summary>
public sealed class SelfRestoreClusterTests
{
    private static readonly TimeSpan Deadline = AgentProcesses.Deadline;

    private const string Rows = "SELECT id, title FROM todos ORDER BY id";

    // Clock rows by actor id (the ordinals differ between nodes: the restored node's own actor is ordinal 0 there).
    private const string Clocks =
        "SELECT p.id, c.col_name, c.col_version, c.db_version, hex(s.site_id), c.seq FROM todos__crsql_clock c " +
        "JOIN todos__crsql_pks p ON p.__crsql_key = c.key JOIN crsql_site_id s ON s.ordinal = c.site_id ORDER BY 1, 2";

    [Fact]
    public async Task A_node_restored_from_its_own_backup_gets_its_later_writes_back_and_writes_above_them()
    {
        using var dir = new TempDir();
        using var http = new HttpClient { Timeout = Deadline };
        dir.Write("a/schema/todo.sql", AgentProcesses.TodoSchema);
        dir.Write("b/schema/todo.sql", AgentProcesses.TodoSchema);
        var apiA = AgentProcesses.FreePort();
        var apiB = AgentProcesses.FreePort();
        var configA = AgentProcesses.WriteConfig(dir, "a", apiA, gossipAddr: "127.0.0.1:0");
        var a = CorrosionProcess.Start(dir.Path, "-c", configA, "agent");
        CorrosionProcess? b = null;
        try
        {
            var gossipA = await AgentProcesses.WaitForGossipAsync(a);
            await AgentProcesses.WaitForApiAsync(a);
            var configB = AgentProcesses.WriteConfig(dir, "b", apiB, $"bootstrap = [\"{gossipA}\"]", gossipAddr: "127.0.0.1:0");
            b = CorrosionProcess.Start(dir.Path, "-c", configB, "agent");
            var gossipB = await AgentProcesses.WaitForGossipAsync(b);
            await AgentProcesses.WaitForApiAsync(b);

            (await WriteAsync(http, apiA, "INSERT INTO todos (id, title) VALUES ('k1', 'one')")).Should().Be(1);
            (await WriteAsync(http, apiA, "INSERT INTO todos (id, title) VALUES ('k2', 'two')")).Should().Be(2);
            var backup = dir.Combine("a.backup.db");
            var made = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configA, "backup", backup);
            made.ExitCode.Should().Be(0, made.Err);
            (await WriteAsync(http, apiA, "UPDATE todos SET title = 'one again' WHERE id = 'k1'")).Should().Be(3);
            (await WriteAsync(http, apiA, "INSERT INTO todos (id, title) VALUES ('k3', 'three')")).Should().Be(4);
            string[] afterFour = ["k1|one again", "k2|two", "k3|three"];
            await AgentProcesses.PollAsync(async () => (await QueryAsync(http, apiB, Rows)).SequenceEqual(afterFour), "versions 3 and 4 of A on B");

            (await a.TerminateAsync(Deadline)).Should().Be(0, a.Stderr);
            await a.DisposeAsync();
            var restored = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configA, "restore", backup, "--self-actor-id");
            restored.ExitCode.Should().Be(0, restored.Err);

            // The backup cleared A's members and A's gossip port changes: it rejoins through B.
            configA = AgentProcesses.WriteConfig(dir, "a", apiA, $"bootstrap = [\"{gossipB}\"]", gossipAddr: "127.0.0.1:0");
            a = CorrosionProcess.Start(dir.Path, "-c", configA, "agent");
            await AgentProcesses.WaitForApiAsync(a);

            // At once, before A can have synced: the write waits for A's first sync, which shows B holding 3 and 4.
            (await WriteAsync(http, apiA, "INSERT INTO todos (id, title) VALUES ('k4', 'four')")).Should().Be(5, "versions 3 and 4 are taken");
            string[] afterFive = [.. afterFour, "k4|four"];
            await AgentProcesses.PollAsync(async () => (await QueryAsync(http, apiA, Rows)).SequenceEqual(afterFive), "A to get its versions 3 and 4 back from B");
            var log = string.Join('\n', a.Lines) + a.Stderr;
            log.Should().Contain("local writes wait for the first sync with a peer", "A says why writes wait");
            log.Should().Contain("above its own head 2", "A says why its counter moved");
            await AgentProcesses.PollAsync(async () => (await QueryAsync(http, apiB, Rows)).SequenceEqual(afterFive), "A's version 5 on B");
            await AgentProcesses.PollAsync(
                async () => (await QueryAsync(http, apiA, Clocks)).SequenceEqual(await QueryAsync(http, apiB, Clocks)),
                "the same clock rows on A and B");
            (await QueryAsync(http, apiA, "SELECT max(db_version) FROM todos__crsql_clock WHERE site_id = 0")).Should().Equal("5");

            (await b.TerminateAsync(Deadline)).Should().Be(0, b.Stderr);
            (await a.TerminateAsync(Deadline)).Should().Be(0, a.Stderr);
        }
        finally
        {
            await a.DisposeAsync();
            if (b is not null)
            {
                await b.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_node_with_no_bootstrap_restored_keeping_its_actor_id_does_not_hold_writes_for_a_sync_that_cannot_come()
    {
        using var dir = new TempDir();
        using var http = new HttpClient { Timeout = Deadline };
        dir.Write("a/schema/todo.sql", AgentProcesses.TodoSchema);
        var api = AgentProcesses.FreePort();
        var config = AgentProcesses.WriteConfig(dir, "a", api, gossipAddr: "127.0.0.1:0");
        var backup = dir.Combine("a.backup.db");
        await using (var a = CorrosionProcess.Start(dir.Path, "-c", config, "agent"))
        {
            await AgentProcesses.WaitForApiAsync(a);
            (await WriteAsync(http, api, "INSERT INTO todos (id, title) VALUES ('k1', 'one')")).Should().Be(1);
            (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "backup", backup)).ExitCode.Should().Be(0);
            (await a.TerminateAsync(Deadline)).Should().Be(0, a.Stderr);
        }

        var restored = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "restore", backup, "--self-actor-id");
        restored.ExitCode.Should().Be(0, restored.Err);
        await using var again = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        await AgentProcesses.WaitForApiAsync(again);
        await again.WaitForLineAsync("gossip.bootstrap is empty: local writes are not held", Deadline);
        (await WriteAsync(http, api, "INSERT INTO todos (id, title) VALUES ('k2', 'two')")).Should().Be(2);
        (string.Join('\n', again.Lines) + again.Stderr).Should().NotContain("local writes wait for the first sync");
        (await again.TerminateAsync(Deadline)).Should().Be(0, again.Stderr);
    }

    /// <summary>Runs one statement on <paramref name="apiPort"/> and returns the version it committed.</summary>
    private static async Task<long> WriteAsync(HttpClient http, int apiPort, string sql)
    {
        using var response = await http.PostAsJsonAsync($"http://127.0.0.1:{apiPort}/v1/transactions", new[] { sql });
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(body);
        return JsonDocument.Parse(body).RootElement.GetProperty("version").GetInt64();
    }

    /// <summary>The rows of a query as <c>a|b|c</c> strings.</summary>
    private static async Task<List<string>> QueryAsync(HttpClient http, int apiPort, string sql) =>
        [.. (await AgentProcesses.QueryRowsAsync(http, apiPort, sql)).Select(cells =>
        {
            using var row = JsonDocument.Parse(cells);
            return string.Join("|", row.RootElement.EnumerateArray().Select(v => v.ToString()));
        })];
}
