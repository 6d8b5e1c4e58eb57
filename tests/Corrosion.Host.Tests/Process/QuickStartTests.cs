using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Corrosion.Host.Tests.Process;

/// <summary>The spec's quick start, node A, step by step, with the real executable and the real sqlite3 shell.</summary>
public sealed class QuickStartTests
{
    private static readonly TimeSpan Deadline = AgentProcessTests.Deadline;

    [Fact]
    public async Task Node_A_quick_start()
    {
        using var dir = new TempDir();
        // 1. Create a schema file.
        dir.Write("schema/todo.sql", AgentProcessTests.TodoSchema);
        // 2. Configure Corrosion (the spec's node A config, with paths in a temp dir and a free API port).
        var port = FreePort();
        var db = dir.Combine("data", "state.db");
        var config = dir.Write("config.toml", $"""
            [db]
            path = "{db}"
            schema_paths = ["{dir.Combine("schema")}"]
            [gossip]
            addr = "[::1]:0" # the address we bind to (the spec's [::]:8787, on a free port)
            plaintext = true
            [api]
            addr = "127.0.0.1:{port}"
            [admin]
            path = "{dir.Combine("run", "admin.sock")}"
            """);

        // 3. Start a Corrosion agent.
        await using var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        (await AgentProcessTests.WaitForApiAsync(agent)).Should().Be($"127.0.0.1:{port}");
        agent.Lines.Should().Contain(l => l.Contains("Applied schema in ", StringComparison.Ordinal));

        // 4. Insert some data.
        var exec = await CorrosionProcess.RunAsync(dir.Path, Deadline,
            "-c", config, "exec", "--param", "some-id", "--param", "Write some Corrosion docs!", "INSERT INTO todos (id, title) VALUES (?, ?)");
        exec.Should().Be((0, "INFO corrosion: Rows affected: 1\n", string.Empty));

        // 5. Query some data: via the API...
        var query = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "query", "SELECT * FROM todos;");
        query.Should().Be((0, "some-id|Write some Corrosion docs!|\n", string.Empty));
        var columns = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "query", "SELECT * FROM todos;", "--columns");
        columns.Should().Be((0, "id|title|completed_at\nsome-id|Write some Corrosion docs!|\n", string.Empty));

        // ...and with SQLite directly.
        (await Sqlite3.RunAsync(db, "SELECT * FROM todos;", Deadline)).Should().Be("some-id|Write some Corrosion docs!|\n");

        // The appendix's update, then the same views again.
        var update = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "exec", "UPDATE todos SET completed_at = 1234567890");
        update.Should().Be((0, "INFO corrosion: Rows affected: 1\n", string.Empty));
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "query", "SELECT * FROM todos;"))
            .Should().Be((0, "some-id|Write some Corrosion docs!|1234567890\n", string.Empty));
        (await Sqlite3.RunAsync(db, "SELECT * FROM todos;", Deadline)).Should().Be("some-id|Write some Corrosion docs!|1234567890\n");

        // A failing statement: message on stderr, exit 1, agent keeps serving.
        var bad = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "exec", "INSERT INTO nope VALUES (1)");
        bad.ExitCode.Should().Be(1);
        bad.Out.Should().BeEmpty();
        bad.Err.Should().StartWith("corrosion exec: ").And.Contain("nope");

        (await agent.TerminateAsync(Deadline)).Should().Be(0, agent.Stderr);
    }

    [Fact]
    public async Task Two_node_quick_start_over_ipv6_loopback_replicates_both_ways()
    {
        using var dir = new TempDir();
        dir.Write("a/schema/todo.sql", AgentProcessTests.TodoSchema);
        dir.Write("b/schema/todo.sql", AgentProcessTests.TodoSchema);
        string Config(string node, int apiPort, string bootstrap) => dir.Write($"{node}/config.toml", $"""
            [db]
            path = "{dir.Combine(node, "state.db")}"
            schema_paths = ["{dir.Combine(node, "schema")}"]
            [gossip]
            addr = "[::1]:0"
            {bootstrap}
            plaintext = true
            [api]
            addr = "127.0.0.1:{apiPort}"
            [admin]
            path = "{dir.Combine(node, "admin.sock")}"
            """);

        // Node A, with a row written before B exists.
        var configA = Config("a", FreePort(), string.Empty);
        await using var a = CorrosionProcess.Start(dir.Path, "-c", configA, "agent");
        var peerLine = await a.WaitForLineAsync("Starting peer API on tcp+udp/", Deadline);
        var gossipA = peerLine[(peerLine.IndexOf("tcp+udp/", StringComparison.Ordinal) + 8)..].Trim();
        gossipA.Should().StartWith("[::1]:");
        await AgentProcessTests.WaitForApiAsync(a);
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configA, "exec", "--param", "some-id", "--param", "Write some Corrosion docs!", "INSERT INTO todos (id, title) VALUES (?, ?)"))
            .ExitCode.Should().Be(0);

        // Node B bootstraps from A and catches up by sync.
        var configB = Config("b", FreePort(), $"bootstrap = [\"{gossipA}\"]");
        await using var b = CorrosionProcess.Start(dir.Path, "-c", configB, "agent");
        await AgentProcessTests.WaitForApiAsync(b);
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
        dir.Write("a/schema/todo.sql", AgentProcessTests.TodoSchema);
        dir.Write("b/schema/todo.sql", AgentProcessTests.TodoSchema);
        string Config(string node, int apiPort, string gossipAddr, string bootstrap) => dir.Write($"{node}/config.toml", $"""
            [db]
            path = "{dir.Combine(node, "state.db")}"
            schema_paths = ["{dir.Combine(node, "schema")}"]
            [gossip]
            addr = "{gossipAddr}"
            {bootstrap}
            plaintext = true
            [api]
            addr = "127.0.0.1:{apiPort}"
            [admin]
            path = "{dir.Combine(node, "admin.sock")}"
            """);

        var configA = Config("a", FreePort(), "[::1]:0", string.Empty);
        await using var a = CorrosionProcess.Start(dir.Path, "-c", configA, "agent");
        var peerLine = await a.WaitForLineAsync("Starting peer API on tcp+udp/", Deadline);
        var gossipA = peerLine[(peerLine.IndexOf("tcp+udp/", StringComparison.Ordinal) + 8)..].Trim();
        await AgentProcessTests.WaitForApiAsync(a);

        // B joins through A once.
        var configB = Config("b", FreePort(), "[::1]:0", $"bootstrap = [\"{gossipA}\"]");
        var dbB = dir.Combine("b", "state.db");
        await using (var first = CorrosionProcess.Start(dir.Path, "-c", configB, "agent"))
        {
            await AgentProcessTests.WaitForApiAsync(first);
            await PollAsync(async () => await Sqlite3.RunAsync(dbB, "SELECT count(*) FROM __corro_members;", Deadline) == "1\n", "B to persist A as a member");
            (await first.TerminateAsync(Deadline)).Should().Be(0, first.Stderr);
        }

        // A writes while B is down; B restarts on another port with no bootstrap at all, so only the members it
        // persisted can bring it back.
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configA, "exec", "--param", "missed", "--param", "written while B was down", "INSERT INTO todos (id, title) VALUES (?, ?)"))
            .ExitCode.Should().Be(0);
        configB = Config("b", FreePort(), "[::1]:0", string.Empty);
        await using var second = CorrosionProcess.Start(dir.Path, "-c", configB, "agent");
        await AgentProcessTests.WaitForApiAsync(second);
        await PollAsync(async () => await Sqlite3.RunAsync(dbB, "SELECT id FROM todos;", Deadline) == "missed\n", "the restarted B to catch up the row it missed");

        (await second.TerminateAsync(Deadline)).Should().Be(0, second.Stderr);
        (await a.TerminateAsync(Deadline)).Should().Be(0, a.Stderr);
    }

    private static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {Deadline.TotalSeconds}s waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
