using Npgsql;

namespace Corrosion.Host.Tests.Process;

/// <summary>The real <c>corrosion agent</c> with <c>[api] pg.addr</c>: its PostgreSQL listener answers Npgsql.</summary>
public sealed class PgWireAgentProcessTests
{
    private static readonly TimeSpan Deadline = AgentProcesses.Deadline;

    [Fact]
    public async Task Agent_with_api_pg_addr_serves_npgsql_and_pg_writes_are_visible_over_http()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir, """pg.addr = "127.0.0.1:0" """);
        await using var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");

        var line = await agent.WaitForLineAsync("Starting PostgreSQL wire protocol server on ", Deadline);
        var address = line[(line.IndexOf(" on ", StringComparison.Ordinal) + 4)..].Trim();
        var port = int.Parse(address[(address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        port.Should().BeGreaterThan(0, "the log names the bound port, not 0: " + line);
        var api = await AgentProcessTests.WaitForApiAsync(agent);
        agent.Lines.Should().NotContain(l => l.Contains("not part of this version", StringComparison.Ordinal));

        await using (var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=agent-test;Pooling=false;Timeout=30"))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO todos (id, title) VALUES ($1, $2)", connection);
            insert.Parameters.Add(new NpgsqlParameter { Value = new byte[] { 1, 2, 3 } });
            insert.Parameters.Add(new NpgsqlParameter { Value = "written over pg" });
            (await insert.ExecuteNonQueryAsync()).Should().Be(1);

            await using var select = new NpgsqlCommand("SELECT title, completed_at FROM todos", connection);
            await using var reader = await select.ExecuteReaderAsync();
            (await reader.ReadAsync()).Should().BeTrue();
            reader.GetString(0).Should().Be("written over pg");
            (await reader.IsDBNullAsync(1)).Should().BeTrue();
        }

        var query = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "--api-addr", api, "query", "SELECT hex(id), title FROM todos");
        query.Should().Be((0, "010203|written over pg\n", string.Empty), "the PG write went through the node like any other");

        (await agent.TerminateAsync(Deadline)).Should().Be(0, "the agent stops cleanly with its PG listener; stderr: " + agent.Stderr);
        agent.Lines.Should().Contain(l => l.Contains("PostgreSQL wire protocol server on ", StringComparison.Ordinal) && l.Contains("stopped", StringComparison.Ordinal));
    }
}
