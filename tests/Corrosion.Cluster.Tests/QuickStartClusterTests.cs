namespace Corrosion.Cluster.Tests;

/// <summary>The spec's two-node quick start and a restart, with real agents on loopback.</summary>
public sealed class QuickStartClusterTests
{
    private static readonly TimeSpan Deadline = AgentProcesses.Deadline;

    [Fact]
    public async Task Two_node_quick_start_over_ipv6_loopback_replicates_both_ways()
    {
        using var dir = new TempDir();
        dir.Write("a/schema/todo.sql", AgentProcesses.TodoSchema);
        dir.Write("b/schema/todo.sql", AgentProcesses.TodoSchema);

        // Node A, with a row written before B exists.
        var configA = AgentProcesses.WriteConfig(dir, "a", AgentProcesses.FreePort());
        await using var a = CorrosionProcess.Start(dir.Path, "-c", configA, "agent");
        var gossipA = await AgentProcesses.WaitForGossipAsync(a);
        gossipA.Should().StartWith("[::1]:");
        await AgentProcesses.WaitForApiAsync(a);
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configA, "exec", "--param", "some-id", "--param", "Write some Corrosion docs!", "INSERT INTO todos (id, title) VALUES (?, ?)"))
            .ExitCode.Should().Be(0);

        // Node B bootstraps from A and catches up by sync.
        var configB = AgentProcesses.WriteConfig(dir, "b", AgentProcesses.FreePort(), $"bootstrap = [\"{gossipA}\"]");
        await using var b = CorrosionProcess.Start(dir.Path, "-c", configB, "agent");
        await AgentProcesses.WaitForApiAsync(b);
        await b.WaitForLineAsync("Current node is considered ACTIVE", Deadline);
        await b.WaitForLineAsync("synced 2 changes w/ ", Deadline);
        (await Sqlite3.RunAsync(dir.Combine("b", "state.db"), "SELECT * FROM todos;", Deadline)).Should().Be("some-id|Write some Corrosion docs!|\n");
        (await Sqlite3.RunAsync(dir.Combine("b", "state.db"), "SELECT col_name, col_version, db_version, site_id, seq FROM todos__crsql_clock ORDER BY seq;", Deadline))
            .Should().Be("title|1|1|1|0\ncompleted_at|1|1|1|1\n");

        // A write on B reaches A.
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configB, "exec", "--param", "some-id-2", "--param", "Show how broadcasts work", "INSERT INTO todos (id, title) VALUES (?, ?)"))
            .ExitCode.Should().Be(0);
        var expected = "some-id|Write some Corrosion docs!|\nsome-id-2|Show how broadcasts work|\n";
        var deadline = DateTime.UtcNow + Deadline;
        string seen;
        while ((seen = (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configA, "query", "SELECT * FROM todos ORDER BY id;")).Out) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        seen.Should().Be(expected, "B's row reaches A");
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configA, "cluster", "members")).Out.Should().Contain("\"state\":\"alive\"");

        (await b.TerminateAsync(Deadline)).Should().Be(0, b.Stderr);
        (await a.TerminateAsync(Deadline)).Should().Be(0, a.Stderr);
    }

    [Fact]
    public async Task A_restarted_node_rejoins_from_its_persisted_members_and_catches_up()
    {
        using var dir = new TempDir();
        dir.Write("a/schema/todo.sql", AgentProcesses.TodoSchema);
        dir.Write("b/schema/todo.sql", AgentProcesses.TodoSchema);
        var configA = AgentProcesses.WriteConfig(dir, "a", AgentProcesses.FreePort());
        await using var a = CorrosionProcess.Start(dir.Path, "-c", configA, "agent");
        var gossipA = await AgentProcesses.WaitForGossipAsync(a);
        await AgentProcesses.WaitForApiAsync(a);

        // B joins through A once.
        var configB = AgentProcesses.WriteConfig(dir, "b", AgentProcesses.FreePort(), $"bootstrap = [\"{gossipA}\"]");
        var dbB = dir.Combine("b", "state.db");
        await using (var first = CorrosionProcess.Start(dir.Path, "-c", configB, "agent"))
        {
            await AgentProcesses.WaitForApiAsync(first);
            await AgentProcesses.PollAsync(async () => await Sqlite3.RunAsync(dbB, "SELECT count(*) FROM __corro_members;", Deadline) == "1\n", "B to persist A as a member");
            (await first.TerminateAsync(Deadline)).Should().Be(0, first.Stderr);
        }

        // A writes while B is down; B restarts on another port with no bootstrap at all, so only the members it
        // persisted can bring it back.
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configA, "exec", "--param", "missed", "--param", "written while B was down", "INSERT INTO todos (id, title) VALUES (?, ?)"))
            .ExitCode.Should().Be(0);
        configB = AgentProcesses.WriteConfig(dir, "b", AgentProcesses.FreePort());
        await using var second = CorrosionProcess.Start(dir.Path, "-c", configB, "agent");
        await AgentProcesses.WaitForApiAsync(second);
        await AgentProcesses.PollAsync(async () => await Sqlite3.RunAsync(dbB, "SELECT id FROM todos;", Deadline) == "missed\n", "the restarted B to catch up the row it missed");

        (await second.TerminateAsync(Deadline)).Should().Be(0, second.Stderr);
        (await a.TerminateAsync(Deadline)).Should().Be(0, a.Stderr);
    }
}
