namespace Corrosion.Host.Tests.Process;

/// <summary>The real <c>corrosion agent</c> process: start-up, admin commands from a second process, clean stop.</summary>
public sealed class AgentProcessTests
{
    internal static readonly TimeSpan Deadline = AgentProcesses.Deadline;

    internal const string TodoSchema = AgentProcesses.TodoSchema;

    /// <summary>A node A style config in a temp dir, API on an OS-assigned port.</summary>
    internal static string WriteConfig(TempDir dir, string extra = "")
    {
        dir.Write("schema/todo.sql", TodoSchema);
        return dir.Write("config.toml", $"""
            [db]
            path = "{dir.Combine("data", "state.db")}"
            schema_paths = ["{dir.Combine("schema")}"]
            [gossip]
            addr = "[::1]:0"
            plaintext = true
            [api]
            addr = "127.0.0.1:0"
            {extra}
            [admin]
            path = "{dir.Combine("run", "admin.sock")}"
            """);
    }

    /// <summary>The API address the agent logged once Kestrel was listening.</summary>
    internal static Task<string> WaitForApiAsync(CorrosionProcess agent) => AgentProcesses.WaitForApiAsync(agent);

    [Fact]
    public async Task Agent_logs_its_start_answers_admin_commands_and_stops_cleanly_on_SIGTERM()
    {
        using var dir = new TempDir();
        var config = WriteConfig(dir);
        var socket = dir.Combine("run", "admin.sock");
        await using var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");

        await WaitForApiAsync(agent);
        var lines = agent.Lines;
        string[] expectedInOrder =
        [
            "INFO Corrosion.Host.Agent: Starting Corrosion Agent v",
            "Actor ID: ",
            "creating table 'todos'",
            "Applied schema in ",
            $"Starting Corrosion admin socket at {socket}",
            "Starting public API server on tcp/127.0.0.1:",
        ];
        var indexes = expectedInOrder.Select(e => lines.ToList().FindIndex(l => l.Contains(e, StringComparison.Ordinal))).ToList();
        indexes.Should().NotContain(-1, "every start-up line is logged:\n" + string.Join('\n', lines));
        indexes.Should().BeInAscendingOrder();
        lines[0].Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z INFO Corrosion\.Host\.Agent: Starting Corrosion Agent v\d+\.\d+\.\d+$");
        var actorLine = lines.First(l => l.Contains("Actor ID: ", StringComparison.Ordinal));
        var actorId = actorLine[(actorLine.IndexOf("Actor ID: ", StringComparison.Ordinal) + 10)..];

        var actor = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "actor", "id");
        var members = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "cluster", "members");

        actor.Should().Be((0, actorId + "\n", string.Empty));
        members.Should().Be((0, string.Empty, string.Empty));
        File.Exists(socket).Should().BeTrue();

        (await agent.TerminateAsync(Deadline)).Should().Be(0, "SIGTERM stops the agent cleanly; stderr: " + agent.Stderr);
        File.Exists(socket).Should().BeFalse("the admin socket is removed on clean shutdown");
        agent.Lines.Should().Contain(l => l.EndsWith("Corrosion Agent stopped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ctrl_C_stops_the_agent_cleanly()
    {
        using var dir = new TempDir();
        var config = WriteConfig(dir);
        await using var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        await WaitForApiAsync(agent);

        (await agent.TerminateAsync(Deadline, "INT")).Should().Be(0, agent.Stderr);

        File.Exists(dir.Combine("run", "admin.sock")).Should().BeFalse();
        agent.Lines.Should().Contain(l => l.Contains("Closed database", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Second_agent_on_the_same_admin_socket_fails_with_a_clear_error()
    {
        using var dir = new TempDir();
        var config = WriteConfig(dir);
        await using var first = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        await WaitForApiAsync(first);

        // Same admin socket, different database so the engine itself does not conflict.
        var second = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "--db-path", dir.Combine("data2", "state.db"), "agent");

        second.ExitCode.Should().Be(1);
        second.Err.Should().Contain($"another Corrosion agent is already listening on the admin socket {dir.Combine("run", "admin.sock")}");
        (await first.TerminateAsync(Deadline)).Should().Be(0);
    }

    [Fact]
    public async Task Second_agent_on_the_same_database_is_refused_before_it_opens_it()
    {
        using var dir = new TempDir();
        var config = WriteConfig(dir);
        await using var first = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        await WaitForApiAsync(first);

        // Another admin socket, so only the database is shared: two agents would write under one actor id and hand
        // out the same versions for different changes.
        var database = dir.Combine("data", "state.db");
        var second = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "--admin-path", dir.Combine("run2", "admin.sock"), "agent");

        second.ExitCode.Should().Be(1);
        second.Err.Should().Contain($"db.path: {database} is in use by another corrosion agent");
        second.Out.Should().NotContain("Opened database");
        (await first.TerminateAsync(Deadline)).Should().Be(0);

        // Once the first has stopped, the database is free again.
        await using var third = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        await WaitForApiAsync(third);
        (await third.TerminateAsync(Deadline)).Should().Be(0);
    }

    [Fact]
    public async Task Invalid_config_stops_the_agent_before_it_starts()
    {
        using var dir = new TempDir();
        var config = dir.Write("config.toml", """
            [db]
            path = "x.db"
            [gossip]
            adr = "[::]:8787"
            [api]
            addr = "127.0.0.1:0"
            """);

        var result = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "agent");

        result.Should().Be((1, string.Empty,
            $"corrosion agent: config {config}:3: gossip.addr: required key is missing\nconfig {config}:4: gossip.adr: unknown key\n"));
    }

    [Fact]
    public async Task Without_any_config_the_embedded_default_serves_and_says_so()
    {
        if (File.Exists("/etc/corrosion/config.toml"))
        {
            return; // this machine has a real config at the default path; the fallback cannot be exercised here
        }

        using var dir = new TempDir();
        // The default API port (8080) and gossip port (8787) may be taken on a test machine (another agent on
        // [::]:8787 takes 127.0.0.1:8787 too); the overrides keep the test independent of them.
        await using var agent = CorrosionProcess.Start(dir.Path, new Dictionary<string, string> { ["CORROSION_GOSSIP__ADDR"] = "127.0.0.1:0" }, "--api-addr", "127.0.0.1:0", "agent");

        await WaitForApiAsync(agent);

        agent.Lines.Should().Contain(l => l.Contains("WARN Corrosion.Host.Agent: No config file at /etc/corrosion/config.toml and no -c/--config given: using the built-in default config. Data lives in " + dir.Combine("corrosion-data"), StringComparison.Ordinal));
        Directory.Exists(dir.Combine("corrosion-data", "schema")).Should().BeTrue();
        File.Exists(dir.Combine("corrosion-data", "state.db")).Should().BeTrue();
        File.Exists(dir.Combine("corrosion-data", "admin.sock")).Should().BeTrue();
        var actor = await CorrosionProcess.RunAsync(dir.Path, Deadline, "actor", "id");
        actor.ExitCode.Should().Be(0, actor.Err);
        (await agent.TerminateAsync(Deadline)).Should().Be(0);
    }
}
