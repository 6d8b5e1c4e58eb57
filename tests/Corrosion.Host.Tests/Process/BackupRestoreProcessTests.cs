namespace Corrosion.Host.Tests.Process;

/// <summary>The real <c>corrosion backup</c> and <c>corrosion restore</c> processes, checked with the real sqlite3 shell.</summary>
public sealed class BackupRestoreProcessTests
{
    private static readonly TimeSpan Deadline = AgentProcesses.Deadline;
    private const string Todos = "SELECT hex(id), title FROM todos ORDER BY id";
    private const string OwnActor = "SELECT lower(hex(site_id)) FROM crsql_site_id WHERE ordinal = 0";

    [Fact]
    public async Task Backup_under_a_running_agent_restore_refused_while_it_runs_then_restored_with_its_own_actor_id()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        var db = dir.Combine("data", "state.db");
        var backup = dir.Combine("backups", "state.backup.db");
        var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        await using (agent)
        {
            var api = await AgentProcesses.WaitForApiAsync(agent);
            string[] target = ["-c", config, "--api-addr", api];
            (await CorrosionProcess.RunAsync(dir.Path, Deadline, [.. target, "exec", "INSERT INTO todos (id, title) VALUES (x'01', 'one'), (x'02', 'two')"])).ExitCode.Should().Be(0);
            var actor = await RunOkAsync(dir, "-c", config, "actor", "id");

            var made = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "backup", backup);

            made.Should().Be((0, $"Successfully cleaned for restoration and backed up database to {backup}\n", string.Empty));
            (await Sqlite3.RunAsync(backup, "SELECT count(*) FROM todos__crsql_clock WHERE site_id = 0", Deadline)).Should().Be("0\n");
            (await Sqlite3.RunAsync(backup, "SELECT count(*) FROM crsql_site_id WHERE ordinal = 0", Deadline)).Should().Be("0\n");
            (await Sqlite3.RunAsync(backup, $"SELECT count(DISTINCT c.key) FROM todos__crsql_clock c JOIN crsql_site_id s ON s.ordinal = c.site_id WHERE lower(hex(s.site_id)) = '{actor.Trim()}'", Deadline))
                .Should().Be("2\n", "both rows' clocks moved with the actor");
            (await Sqlite3.RunAsync(backup, Todos, Deadline)).Should().Be("01|one\n02|two\n");
            (await Sqlite3.RunAsync(backup, "PRAGMA integrity_check", Deadline)).Should().Be("ok\n");

            (await CorrosionProcess.RunAsync(dir.Path, Deadline, [.. target, "exec", "INSERT INTO todos (id, title) VALUES (x'03', 'after')"])).ExitCode.Should().Be(0);
            var again = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "backup", backup);
            again.ExitCode.Should().Be(1);
            again.Err.Should().Be($"corrosion backup: {backup} already exists; refusing to overwrite it\n");

            var refused = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "restore", "--self-actor-id", backup);

            refused.ExitCode.Should().Be(1);
            refused.Out.Should().BeEmpty();
            refused.Err.Should().StartWith("corrosion restore: corrosion is currently running").And.EndWith("shut it down before restoring\n");
            (await RunOkAsync(dir, [.. target, "query", Todos])).Should().Be("01|one\n02|two\n03|after\n", "the database is unchanged");
            (await agent.TerminateAsync(Deadline)).Should().Be(0);
            (await Sqlite3.RunAsync(db, Todos, Deadline)).Should().Be("01|one\n02|two\n03|after\n");
            Directory.CreateDirectory(dir.Combine("data", "subscriptions", "stale"));

            var restored = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "restore", "--self-actor-id", backup);

            restored.ExitCode.Should().Be(0, restored.Err);
            restored.Out.Should().StartWith($"Successfully restored {db} from {backup} (actor id ").And.Contain("old size: ");
            (await Sqlite3.RunAsync(db, Todos, Deadline)).Should().Be("01|one\n02|two\n");
            (await Sqlite3.RunAsync(db, OwnActor, Deadline)).Should().Be(actor);
            (await Sqlite3.RunAsync(db, "SELECT count(DISTINCT key), sum(site_id <> 0) FROM todos__crsql_clock", Deadline)).Should().Be("2|0\n", "the actor's clocks are back at ordinal 0");
            Directory.Exists(dir.Combine("data", "subscriptions")).Should().BeFalse();
        }

        await using var restarted = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        var restartedApi = await AgentProcesses.WaitForApiAsync(restarted);
        (await RunOkAsync(dir, "-c", config, "--api-addr", restartedApi, "query", Todos)).Should().Be("01|one\n02|two\n");
        (await restarted.TerminateAsync(Deadline)).Should().Be(0);
    }

    [Fact]
    public async Task Restore_into_another_node_gives_it_a_new_actor_that_writes_on_top()
    {
        using var source = new TempDir();
        var sourceConfig = AgentProcessTests.WriteConfig(source);
        var backup = source.Combine("state.backup.db");
        string sourceActor;
        await using (var agent = CorrosionProcess.Start(source.Path, "-c", sourceConfig, "agent"))
        {
            var api = await AgentProcesses.WaitForApiAsync(agent);
            (await CorrosionProcess.RunAsync(source.Path, Deadline, "-c", sourceConfig, "--api-addr", api, "exec", "INSERT INTO todos (id, title) VALUES (x'01', 'one')")).ExitCode.Should().Be(0);
            sourceActor = await RunOkAsync(source, "-c", sourceConfig, "actor", "id");
            (await agent.TerminateAsync(Deadline)).Should().Be(0);
        }

        (await RunOkAsync(source, "-c", sourceConfig, "--db-path", source.Combine("data", "state.db"), "backup", backup)).Should().StartWith("Successfully cleaned");
        using var other = new TempDir();
        var otherConfig = AgentProcessTests.WriteConfig(other);
        var badActor = await CorrosionProcess.RunAsync(other.Path, Deadline, "-c", otherConfig, "restore", "--actor-id", "nope", backup);
        badActor.Should().Be((1, string.Empty, "corrosion restore: --actor-id: 'nope' is not a UUID\n"));

        var restored = await CorrosionProcess.RunAsync(other.Path, Deadline, "-c", otherConfig, "restore", backup);

        restored.ExitCode.Should().Be(0, restored.Err);
        restored.Out.Should().Contain("(a new actor id on next start); old size: 0, new size: ");
        var db = other.Combine("data", "state.db");
        (await Sqlite3.RunAsync(db, OwnActor, Deadline)).Should().BeEmpty();
        await using var agent2 = CorrosionProcess.Start(other.Path, "-c", otherConfig, "agent");
        var api2 = await AgentProcesses.WaitForApiAsync(agent2);
        var actor2 = await RunOkAsync(other, "-c", otherConfig, "actor", "id");
        actor2.Should().NotBe(sourceActor);
        (await RunOkAsync(other, "-c", otherConfig, "--api-addr", api2, "exec", "INSERT INTO todos (id, title) VALUES (x'02', 'two')")).Should().Contain("Rows affected: 1");
        (await RunOkAsync(other, "-c", otherConfig, "--api-addr", api2, "query", Todos)).Should().Be("01|one\n02|two\n");
        (await agent2.TerminateAsync(Deadline)).Should().Be(0);
        (await Sqlite3.RunAsync(db, "SELECT c.db_version, lower(hex(s.site_id)) FROM todos__crsql_clock c JOIN crsql_site_id s ON s.ordinal = c.site_id WHERE c.col_name = 'title' ORDER BY c.key", Deadline))
            .Should().Be($"1|{sourceActor.Trim()}\n1|{actor2.Trim()}\n", "each actor's version 1, under its own site id");
    }

    private static async Task<string> RunOkAsync(TempDir dir, params string[] args)
    {
        var result = await CorrosionProcess.RunAsync(dir.Path, Deadline, args);
        result.ExitCode.Should().Be(0, result.Err);
        return result.Out;
    }
}
