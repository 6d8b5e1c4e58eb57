namespace Corrosion.Host.Tests.Process;

/// <summary><c>corrosion reload</c> as a process against a real agent process.</summary>
public sealed class ReloadProcessTests
{
    private static readonly TimeSpan Deadline = AgentProcessTests.Deadline;

    [Fact]
    public async Task Reload_reads_the_schema_paths_of_the_config_file_it_is_given()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        await using var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        var api = await AgentProcessTests.WaitForApiAsync(agent);

        // The operator adds a schema directory to the config file, then asks for a reload ("Reloads Corrosion
        // configuration from a file"): the new directory's tables must be created.
        dir.Write("more-schema/notes.sql", "CREATE TABLE notes (id INTEGER NOT NULL PRIMARY KEY, body TEXT);");
        var text = File.ReadAllText(config);
        var schemaLine = $"schema_paths = [\"{dir.Combine("schema")}\"]";
        text.Should().Contain(schemaLine);
        File.WriteAllText(config, text.Replace(schemaLine, $"schema_paths = [\"{dir.Combine("schema")}\", \"{dir.Combine("more-schema")}\"]", StringComparison.Ordinal));

        var reload = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "reload");

        reload.Should().Be((0, "Reloaded schema: 1 table(s) created, 0 altered\n", string.Empty));
        var insert = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "--api-addr", api, "exec", "INSERT INTO notes (id, body) VALUES (1, 'hi')");
        insert.Should().Be((0, "INFO corrosion: Rows affected: 1\n", string.Empty));
        (await agent.TerminateAsync(Deadline)).Should().Be(0);
    }
}
