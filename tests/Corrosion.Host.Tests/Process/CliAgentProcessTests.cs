namespace Corrosion.Host.Tests.Process;

/// <summary>The real <c>corrosion exec</c>/<c>query</c> processes against a real agent process.</summary>
public sealed class CliAgentProcessTests
{
    private static readonly TimeSpan Deadline = AgentProcessTests.Deadline;

    [Fact]
    public async Task Values_print_like_the_sqlite3_shell()
    {
        using var dir = new TempDir();
        dir.Write("schema/kinds.sql", """
            CREATE TABLE kinds (
            id INTEGER NOT NULL PRIMARY KEY,
            i INTEGER, r REAL, t TEXT, b BLOB, n TEXT
            );
            """);
        var config = AgentProcessTests.WriteConfig(dir);
        await using var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        var api = await AgentProcessTests.WaitForApiAsync(agent);

        var insert = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "--api-addr", api, "exec",
            "INSERT INTO kinds VALUES (1, 42, 0.1, 'a b', x'68690a', NULL), (2, -7, 1.0, '', x'', NULL), (3, 0, 1e20, 'é', NULL, 'x'), (4, 9007199254740993, 1.0/3, 'q', NULL, NULL)");
        insert.Should().Be((0, "INFO corrosion: Rows affected: 4\n", string.Empty));
        const string sql = "SELECT * FROM kinds ORDER BY id";

        var query = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "--api-addr", api, "query", sql);

        query.ExitCode.Should().Be(0, query.Err);
        query.Out.Should().Be(await Sqlite3.RunAsync(dir.Combine("data", "state.db"), sql, Deadline));
        (await agent.TerminateAsync(Deadline)).Should().Be(0);
    }

    [Fact]
    public async Task Params_timer_and_errors()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        await using var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        var api = await AgentProcessTests.WaitForApiAsync(agent);
        string[] target = ["-c", config, "--api-addr", api];

        var exec = await CorrosionProcess.RunAsync(dir.Path, Deadline, [.. target, "exec", "--timer", "--param", "1", "--param", "x", "INSERT INTO todos (id, title) VALUES (?, ?)"]);
        exec.ExitCode.Should().Be(0, exec.Err);
        exec.Out.Should().MatchRegex(@"^INFO corrosion: Rows affected: 1\ntime: [0-9.eE-]+s\n$");

        var query = await CorrosionProcess.RunAsync(dir.Path, Deadline, [.. target, "query", "--timer", "--param", "x", "SELECT id, title FROM todos WHERE title = ?"]);
        query.ExitCode.Should().Be(0, query.Err);
        query.Out.Should().MatchRegex(@"^1\|x\ntime: [0-9.eE-]+s\n$");

        var bad = await CorrosionProcess.RunAsync(dir.Path, Deadline, [.. target, "query", "SELEC 1"]);
        bad.ExitCode.Should().Be(1);
        bad.Out.Should().BeEmpty();
        bad.Err.Should().StartWith("corrosion query: ").And.Contain("syntax error");

        var write = await CorrosionProcess.RunAsync(dir.Path, Deadline, [.. target, "query", "DELETE FROM todos"]);
        write.ExitCode.Should().Be(1);
        write.Err.Should().StartWith("corrosion query: ");

        (await agent.TerminateAsync(Deadline)).Should().Be(0);
    }

    [Fact]
    public async Task Bearer_token_from_the_config_is_sent_and_required()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir, "authz.bearer-token = \"s3cret\"");
        using var otherDir = new TempDir();
        var noToken = AgentProcessTests.WriteConfig(otherDir, string.Empty);
        await using var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        var api = await AgentProcessTests.WaitForApiAsync(agent);

        var with = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "--api-addr", api, "query", "SELECT 1");
        var without = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", noToken, "--api-addr", api, "query", "SELECT 1");

        with.Should().Be((0, "1\n", string.Empty));
        without.ExitCode.Should().Be(1);
        without.Err.Should().StartWith("corrosion query: ").And.Contain("401");
        (await agent.TerminateAsync(Deadline)).Should().Be(0);
    }
}
