namespace Corrosion.Cluster.Tests;

/// <summary>
/// The spec's "Appendix: Templates" verbatim on two real agents: the template runs against node A, writes go to
/// node B, and the rendered file follows every step.
/// </summary>
public sealed class TemplateAppendixClusterTests
{
    private const string TodosTemplate = """
        <% for todo in sql("SELECT title, completed_at FROM todos") { %>
        [<% if todo.completed_at.is_null() { %> <% } else { %>X<% } %>] <%= todo.title %>
        <% } %>

        """;

    private static readonly TimeSpan Deadline = AgentProcesses.Deadline;

    [Fact]
    public async Task The_template_appendix_re_renders_on_node_a_as_node_b_writes()
    {
        using var dir = new TempDir();
        dir.Write("a/schema/todo.sql", AgentProcesses.TodoSchema);
        dir.Write("b/schema/todo.sql", AgentProcesses.TodoSchema);
        dir.Write("todos.rhai", TodosTemplate);
        var configA = AgentProcesses.WriteConfig(dir, "a", AgentProcesses.FreePort());
        await using var a = CorrosionProcess.Start(dir.Path, "-c", configA, "agent");
        var gossipA = await AgentProcesses.WaitForGossipAsync(a);
        await AgentProcesses.WaitForApiAsync(a);
        var configB = AgentProcesses.WriteConfig(dir, "b", AgentProcesses.FreePort(), $"bootstrap = [\"{gossipA}\"]");
        await using var b = CorrosionProcess.Start(dir.Path, "-c", configB, "agent");
        await AgentProcesses.WaitForApiAsync(b);

        // The quick start's two rows: one written on A, one on B.
        await ExecAsync(dir, configA, "--param", "some-id", "--param", "Write some Corrosion docs!", "INSERT INTO todos (id, title) VALUES (?, ?)");
        await ExecAsync(dir, configB, "--param", "some-id-2", "--param", "Show how broadcasts work", "INSERT INTO todos (id, title) VALUES (?, ?)");
        await AgentProcesses.PollAsync(async () => (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configA, "query", "SELECT count(*) FROM todos;")).Out == "2\n", "B's row to reach A");

        // 2. Process the template (on node A).
        await using var template = CorrosionProcess.Start(dir.Path, "-c", configA, "template", "./todos.rhai:todos.txt");
        await template.WaitForLineAsync("Watching and rendering ./todos.rhai to todos.txt", Deadline);
        var output = dir.Combine("todos.txt");
        await RenderedAsync(output, "[ ] Write some Corrosion docs!", "[ ] Show how broadcasts work");

        // Add another todo, on node B.
        await ExecAsync(dir, configB, "--param", "some-id-3", "--param", "Hello from a template!", "INSERT INTO todos (id, title) VALUES (?, ?)");
        await RenderedAsync(output, "[ ] Write some Corrosion docs!", "[ ] Show how broadcasts work", "[ ] Hello from a template!");

        // Tick them all off, on node B.
        var update = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configB, "exec", "UPDATE todos SET completed_at = 1234567890");
        update.Out.Should().Contain("Rows affected: 3");
        await RenderedAsync(output, "[X] Write some Corrosion docs!", "[X] Show how broadcasts work", "[X] Hello from a template!");

        (await template.TerminateAsync(Deadline)).Should().Be(0, template.Stderr);
        (await b.TerminateAsync(Deadline)).Should().Be(0, b.Stderr);
        (await a.TerminateAsync(Deadline)).Should().Be(0, a.Stderr);
    }

    private static async Task ExecAsync(TempDir dir, string config, params string[] args)
    {
        var result = await CorrosionProcess.RunAsync(dir.Path, Deadline, ["-c", config, "exec", .. args]);
        result.ExitCode.Should().Be(0, result.Err);
    }

    /// <summary>Waits until the file's non-blank lines are exactly <paramref name="lines"/> (the row order is the query's).</summary>
    private static async Task RenderedAsync(string path, params string[] lines)
    {
        string[] seen = [];
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            seen = File.Exists(path) ? (await File.ReadAllTextAsync(path)).Split('\n').Where(l => l.Trim().Length > 0).ToArray() : [];
            if (seen.SequenceEqual(lines))
            {
                return;
            }

            await Task.Delay(100);
        }

        seen.Should().Equal(lines, "the rendered {0} should follow the rows", path);
    }
}
