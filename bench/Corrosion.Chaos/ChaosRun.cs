using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Corrosion.Host.Tests;
using Corrosion.Host.Tests.Process;

namespace Corrosion.Chaos;

/// <summary>
/// Runs real agents, writes to them from concurrent clients while crashing, freezing and restarting them, then heals
/// the cluster and checks that every node ends with the same rows and clock rows, and that no acknowledged
/// transaction was lost.
/// </summary>
internal sealed class ChaosRun(ChaosOptions options)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly Random _random = new(options.Seed);
    private readonly ConcurrentQueue<string> _acknowledged = new();
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private readonly HashSet<AgentNode> _faulted = [];
    private readonly List<AgentNode> _nodes = [];
    private readonly ConcurrentBag<TimeSpan> _stopTimes = [];

    public async Task<int> RunAsync()
    {
        Console.WriteLine($"chaos: {options.Nodes} agents{(options.Tls ? " (mutual TLS)" : string.Empty)}, {options.Duration.TotalSeconds:0} s of writes from {options.Writers} clients, a fault every ~{options.FaultInterval.TotalSeconds:0} s, seed {options.Seed}");
        var dir = new TempDir();
        using var http = new HttpClient { Timeout = RequestTimeout };
        try
        {
            for (var i = 0; i < options.Nodes; i++)
            {
                _nodes.Add(new AgentNode(dir, $"n{i}", Workload.Schema));
            }

            var pki = options.Tls ? await AgentProcesses.GeneratePkiAsync(dir, "pki") : null;
            foreach (var node in _nodes)
            {
                node.Configure(_nodes, pki);
            }

            await Task.WhenAll(_nodes.Select(n => n.StartAsync()));
            Console.WriteLine($"chaos: started, API ports {string.Join(", ", _nodes.Select(n => n.ApiPort))}, data in {dir.Path}");

            using var streaming = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            using var unfollow = new CancellationTokenSource();
            var followers = Enumerable.Range(0, options.Subscribers).Select(_ => new SubscriptionFollower(_nodes[_random.Next(_nodes.Count)], streaming)).ToList();
            var following = followers.Select(f => f.RunAsync(unfollow.Token)).ToList();

            using var stop = new CancellationTokenSource(options.Duration);
            var writers = Enumerable.Range(0, options.Writers).Select(w => WriteAsync(http, new Workload(new Random(options.Seed + w + 1), $"w{w}"), stop.Token)).ToList();
            var faults = await InjectFaultsAsync(stop.Token);
            await Task.WhenAll(writers);
            await Task.WhenAll(faults);
            foreach (var node in _nodes.Where(n => n.State == NodeState.Down))
            {
                await node.StartAsync();
            }

            Console.WriteLine($"chaos: writes and faults over: {Describe(_counts)}; {_acknowledged.Count} acknowledged transactions");
            if (!_stopTimes.IsEmpty)
            {
                var sorted = _stopTimes.Order().ToList();
                Console.WriteLine($"chaos: SIGTERM to exit: median {sorted[sorted.Count / 2].TotalSeconds:0.0} s, longest {sorted[^1].TotalSeconds:0.0} s");
            }

            var converged = await ConvergeAsync(http) && await FollowersCaughtUpAsync(http, followers);
            await unfollow.CancelAsync();
            await Task.WhenAll(following);
            return converged ? 0 : 1;
        }
        finally
        {
            foreach (var node in _nodes)
            {
                await node.DisposeAsync();
            }

            if (options.Keep)
            {
                foreach (var node in _nodes)
                {
                    await File.WriteAllTextAsync(dir.Combine(node.Name, "agent.log"), node.Log());
                }

                Console.WriteLine($"chaos: kept {dir.Path}");
            }
            else
            {
                dir.Dispose();
            }
        }
    }

    private async Task WriteAsync(HttpClient http, Workload workload, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            AgentNode node;
            lock (_random)
            {
                // Mostly live nodes; now and then a frozen one, whose client must time out without harm.
                var live = _nodes.Where(n => n.State == NodeState.Up).ToList();
                node = live.Count > 0 && _random.Next(20) > 0 ? live[_random.Next(live.Count)] : _nodes[_random.Next(_nodes.Count)];
            }

            var (statements, eventId) = workload.Next(node.Name);
            try
            {
                using var response = await http.PostAsJsonAsync($"http://127.0.0.1:{node.ApiPort}/v1/transactions", statements, CancellationToken.None);
                if (response.IsSuccessStatusCode)
                {
                    _acknowledged.Enqueue(eventId);
                    Count("committed");
                }
                else
                {
                    Count($"refused {(int)response.StatusCode}");
                    if ((int)response.StatusCode >= 500)
                    {
                        Console.WriteLine($"chaos: {node.Name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                    }
                }
            }
            catch (TaskCanceledException)
            {
                Count("timed out");
            }
            catch (HttpRequestException)
            {
                Count("unreachable");
            }
        }
    }

    /// <summary>Starts faults until <paramref name="stop"/>; returns the faults still running (each heals its node).</summary>
    private async Task<List<Task>> InjectFaultsAsync(CancellationToken stop)
    {
        var running = new List<Task>();
        while (true)
        {
            try
            {
                await Task.Delay(options.FaultInterval * (0.5 + _random.NextDouble()), stop);
            }
            catch (OperationCanceledException)
            {
                return running;
            }

            running.RemoveAll(t => t.IsCompleted);
            AgentNode node;
            string kind;
            lock (_random)
            {
                // At most a minority faulted at once, as a real cluster's operators would hope.
                var candidates = _nodes.Where(n => n.State == NodeState.Up && !_faulted.Contains(n)).ToList();
                if (_faulted.Count >= (_nodes.Count - 1) / 2 || candidates.Count == 0)
                {
                    continue;
                }

                node = candidates[_random.Next(candidates.Count)];
                kind = options.Faults[_random.Next(options.Faults.Count)];
                _faulted.Add(node);
            }

            Count(kind);
            running.Add(FaultAsync(node, kind, TimeSpan.FromSeconds(1 + (_random.NextDouble() * 8))));
        }
    }

    private async Task FaultAsync(AgentNode node, string kind, TimeSpan outage)
    {
        Console.WriteLine($"chaos: {DateTime.UtcNow:HH:mm:ss} {kind} {node.Name}" + (kind == "restart" ? string.Empty : $" for {outage.TotalSeconds:0.0} s"));
        switch (kind)
        {
            case "kill":
                await node.KillAsync();
                await Task.Delay(outage);
                await node.StartAsync();
                break;
            case "pause":
                node.Pause();
                await Task.Delay(outage);
                node.Resume();
                break;
            default:
                var stopping = Stopwatch.GetTimestamp();
                await node.StopAsync();
                var stopped = Stopwatch.GetElapsedTime(stopping);
                _stopTimes.Add(stopped);
                Console.WriteLine($"chaos: {DateTime.UtcNow:HH:mm:ss} {node.Name} stopped in {stopped.TotalSeconds:0.0} s");
                await node.StartAsync();
                break;
        }

        lock (_random)
        {
            _faulted.Remove(node);
        }
    }

    private async Task<bool> ConvergeAsync(HttpClient http)
    {
        var started = Stopwatch.GetTimestamp();
        var deadline = DateTime.UtcNow + options.ConvergeTimeout;
        List<string> snapshots;
        while (true)
        {
            snapshots = [];
            foreach (var node in _nodes)
            {
                snapshots.Add(await SnapshotAsync(http, node));
            }

            if (snapshots.Distinct().Count() == 1)
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                Console.WriteLine($"chaos: NOT CONVERGED after {options.ConvergeTimeout.TotalSeconds:0} s (seed {options.Seed})");
                ReportDifferences(snapshots);
                return false;
            }

            await Task.Delay(500);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var events = (await QueryAsync(http, _nodes[0], "SELECT id FROM events")).Select(r => r.Trim('[', ']', '"')).ToHashSet();
        var lost = _acknowledged.Where(id => !events.Contains(id)).ToList();
        var lines = snapshots[0].Split('\n');
        Console.WriteLine($"chaos: converged {elapsed.TotalSeconds:0.0} s after healing: {lines.Count(l => l.StartsWith("todos", StringComparison.Ordinal))} todos, " +
            $"{lines.Count(l => l.StartsWith("items", StringComparison.Ordinal))} items, {events.Count} events, {lines.Count(l => l.StartsWith("clock", StringComparison.Ordinal))} clock rows, identical on all {_nodes.Count} nodes");
        if (lost.Count > 0)
        {
            Console.WriteLine($"chaos: LOST {lost.Count} acknowledged transactions, e.g. {string.Join(", ", lost.Take(5))} (seed {options.Seed})");
            return false;
        }

        Console.WriteLine($"chaos: all {_acknowledged.Count} acknowledged transactions present");
        return true;
    }

    /// <summary>Each follower's result, built from events alone, must come to equal its node's.</summary>
    private async Task<bool> FollowersCaughtUpAsync(HttpClient http, List<SubscriptionFollower> followers)
    {
        if (followers.Count == 0)
        {
            return true;
        }

        var deadline = DateTime.UtcNow + options.ConvergeTimeout;
        foreach (var follower in followers)
        {
            while (true)
            {
                var expected = (await QueryAsync(http, follower.Node, SubscriptionFollower.Query)).Order(StringComparer.Ordinal).ToList();
                var actual = follower.Rows();
                if (actual.SequenceEqual(expected))
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    Console.WriteLine($"chaos: the subscription on {follower.Node.Name} did NOT catch up (seed {options.Seed}): {actual.Count} rows, the node has {expected.Count}; " +
                        $"missing {string.Join(" | ", expected.Except(actual).Take(3))}; extra {string.Join(" | ", actual.Except(expected).Take(3))}");
                    return false;
                }

                await Task.Delay(200);
            }
        }

        var anomalies = followers.SelectMany(f => f.Anomalies).ToList();
        foreach (var anomaly in anomalies.Take(10))
        {
            Console.WriteLine($"chaos: subscription anomaly: {anomaly}");
        }

        Console.WriteLine($"chaos: {followers.Count} subscriptions ({string.Join(", ", followers.Select(f => f.Node.Name))}) match their nodes: " +
            $"{followers.Sum(f => f.Changes)} change events, {followers.Sum(f => f.Resumes)} resumes");
        return anomalies.Count == 0;
    }

    private void ReportDifferences(List<string> snapshots)
    {
        var reference = snapshots[0].Split('\n');
        for (var i = 0; i < snapshots.Count; i++)
        {
            var lines = snapshots[i].Split('\n');
            var missing = reference.Except(lines).Take(3).ToList();
            var extra = lines.Except(reference).Take(3).ToList();
            Console.WriteLine($"  {_nodes[i].Name}: {lines.Length} lines; not on n0: {string.Join(" | ", extra)}; on n0 only: {string.Join(" | ", missing)}");
        }
    }

    /// <summary>Rows and clock rows, one line each, in a fixed order; an unreachable node gives a line saying so.</summary>
    private static async Task<string> SnapshotAsync(HttpClient http, AgentNode node)
    {
        try
        {
            var todos = await QueryAsync(http, node, "SELECT id, title, completed_at FROM todos ORDER BY id");
            var items = await QueryAsync(http, node, "SELECT shelf, slot, weight, label, hex(data) FROM items ORDER BY shelf, slot");
            var events = await QueryAsync(http, node, "SELECT count(*) FROM events");
            var clocks = await QueryAsync(http, node, "SELECT \"table\", hex(pk), cid, col_version, db_version, hex(site_id), cl, seq FROM crsql_changes WHERE \"table\" <> 'events' ORDER BY 1, 2, 3");
            return string.Join('\n', todos.Select(r => "todos " + r).Concat(items.Select(r => "items " + r)).Concat(events.Select(r => "events " + r)).Concat(clocks.Select(r => "clock " + r)));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return $"{node.Name} unreachable: {ex.Message}";
        }
    }

    private static Task<List<string>> QueryAsync(HttpClient http, AgentNode node, string sql) =>
        AgentProcesses.QueryRowsAsync(http, node.ApiPort, sql);

    private void Count(string what) => _counts.AddOrUpdate(what, 1, (_, n) => n + 1);

    private static string Describe(ConcurrentDictionary<string, int> counts) =>
        string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {c.Key}"));
}
