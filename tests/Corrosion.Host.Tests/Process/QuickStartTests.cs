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
        var port = AgentProcesses.FreePort();
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
}
