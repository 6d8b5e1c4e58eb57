using System.Net.Http.Json;

namespace Corrosion.Cluster.Tests;

/// <summary>
/// Five real agents on loopback: four write conflicting rows concurrently while one is killed (SIGKILL) and
/// restarted, and a fifth joins late with an empty database. Every node ends with the same rows and the same
/// clock rows.
/// </summary>
public sealed class ClusterFaultTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private sealed record Node(string Name, string Config, int ApiPort)
    {
        public CorrosionProcess? Process { get; set; }
    }

    [Fact]
    public async Task Five_nodes_converge_through_concurrent_conflicts_a_crash_and_a_late_joiner()
    {
        using var dir = new TempDir();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var nodes = new List<Node>();
        string? seed = null;
        Node Define(string name)
        {
            dir.Write($"{name}/schema/todo.sql", AgentProcesses.TodoSchema);
            var port = AgentProcesses.FreePort();
            var bootstrap = seed is null ? string.Empty : $"bootstrap = [\"{seed}\"]";
            var config = dir.Write($"{name}/config.toml", $"""
                [db]
                path = "{dir.Combine(name, "state.db")}"
                schema_paths = ["{dir.Combine(name, "schema")}"]
                [gossip]
                addr = "127.0.0.1:0"
                {bootstrap}
                plaintext = true
                [api]
                addr = "127.0.0.1:{port}"
                [admin]
                path = "{dir.Combine(name, "admin.sock")}"
                """);
            var node = new Node(name, config, port);
            nodes.Add(node);
            return node;
        }

        async Task StartAsync(Node node)
        {
            node.Process = CorrosionProcess.Start(dir.Path, "-c", node.Config, "agent");
            if (seed is null)
            {
                seed = await AgentProcesses.WaitForGossipAsync(node.Process);
            }

            await AgentProcesses.WaitForApiAsync(node.Process);
        }

        async Task WriteAsync(Node node, int round)
        {
            // Every writer upserts the same ten keys: concurrent conflicts on every column.
            var statements = Enumerable.Range(0, 10).Select(k => new object[]
            {
                "INSERT INTO todos (id, title, completed_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET title = excluded.title, completed_at = excluded.completed_at",
                new object[] { $"k{k}", $"{node.Name} round {round}", round * 10 + k },
            });
            using var response = await http.PostAsJsonAsync($"http://127.0.0.1:{node.ApiPort}/v1/transactions", statements);
            response.EnsureSuccessStatusCode();
        }

        try
        {
            var first = Define("n0");
            await StartAsync(first);
            foreach (var name in new[] { "n1", "n2", "n3" })
            {
                await StartAsync(Define(name));
            }

            var writers = nodes.ToList();
            var crashed = nodes[2];
            for (var round = 0; round < 12; round++)
            {
                await Task.WhenAll(writers.Where(n => n.Process is not null).Select(n => WriteAsync(n, round)));
                if (round == 4)
                {
                    // A crash, not a clean stop.
                    await crashed.Process!.TerminateAsync(Deadline, "KILL");
                    await crashed.Process.DisposeAsync();
                    crashed.Process = null;
                }

                if (round == 8)
                {
                    await StartAsync(crashed);
                }
            }

            // A late joiner with an empty database.
            await StartAsync(Define("n4"));

            var snapshots = new List<string>();
            var deadline = DateTime.UtcNow + Deadline;
            while (true)
            {
                snapshots = [];
                foreach (var node in nodes)
                {
                    snapshots.Add(await SnapshotAsync(http, node.ApiPort));
                }

                if (snapshots.Distinct().Count() == 1 && snapshots[0].Contains("k9", StringComparison.Ordinal))
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("the five nodes did not converge:\n" + string.Join("\n---\n", snapshots.Select((s, i) => $"{nodes[i].Name}:\n{s}")));
                }

                await Task.Delay(200);
            }

            snapshots.Should().OnlyContain(s => s == snapshots[0]);
        }
        finally
        {
            foreach (var node in nodes)
            {
                if (node.Process is not null)
                {
                    await node.Process.DisposeAsync();
                }
            }
        }
    }

    private static async Task<string> SnapshotAsync(HttpClient http, int apiPort)
    {
        const string rows = "SELECT id, title, completed_at FROM todos ORDER BY id";
        const string clocks =
            "SELECT p.id, c.col_name, c.col_version, c.db_version, hex(s.site_id), c.seq FROM todos__crsql_clock c " +
            "JOIN todos__crsql_pks p ON p.__crsql_key = c.key JOIN crsql_site_id s ON s.ordinal = c.site_id ORDER BY 1, 2";
        return string.Join("\n", await AgentProcesses.QueryRowsAsync(http, apiPort, rows)) + "\n" +
            string.Join("\n", await AgentProcesses.QueryRowsAsync(http, apiPort, clocks));
    }
}
