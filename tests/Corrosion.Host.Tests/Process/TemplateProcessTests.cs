namespace Corrosion.Host.Tests.Process;

/// <summary>The spec's template appendix with the real executables: an agent, <c>corrosion template</c>, and <c>corrosion exec</c>.</summary>
public sealed class TemplateProcessTests
{
    private static readonly TimeSpan Deadline = AgentProcessTests.Deadline;

    [Fact]
    public async Task Todos_template_follows_inserts_and_updates()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        await using var agent = CorrosionProcess.Start(dir.Path, "-c", config, "agent");
        var api = await AgentProcessTests.WaitForApiAsync(agent);
        string[] target = ["-c", config, "--api-addr", api];
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, [.. target, "exec", "--param", "some-id", "--param", "Write some Corrosion docs!", "INSERT INTO todos (id, title) VALUES (?, ?)"]))
            .Should().Be((0, "INFO corrosion: Rows affected: 1\n", string.Empty));
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, [.. target, "exec", "--param", "some-id-2", "--param", "Show how broadcasts work", "INSERT INTO todos (id, title) VALUES (?, ?)"]))
            .Should().Be((0, "INFO corrosion: Rows affected: 1\n", string.Empty));

        // The spec's todos.rhai (without a newline after the last tag, so the output is exactly the lines shown).
        dir.Write("todos.rhai", Templates.TemplateCliTests.TodosTemplate);
        await using var template = CorrosionProcess.Start(dir.Path, [.. target, "template", "./todos.rhai:todos.txt"]);
        await template.WaitForLineAsync("Watching and rendering ./todos.rhai to todos.txt", Deadline);

        await WaitForOutputAsync(dir, "[ ] Write some Corrosion docs!\n[ ] Show how broadcasts work\n", template);

        (await CorrosionProcess.RunAsync(dir.Path, Deadline, [.. target, "exec", "--param", "some-id-3", "--param", "Hello from a template!", "INSERT INTO todos (id, title) VALUES (?, ?)"]))
            .Should().Be((0, "INFO corrosion: Rows affected: 1\n", string.Empty));
        await WaitForOutputAsync(dir, "[ ] Write some Corrosion docs!\n[ ] Show how broadcasts work\n[ ] Hello from a template!\n", template);

        (await CorrosionProcess.RunAsync(dir.Path, Deadline, [.. target, "exec", "UPDATE todos SET completed_at = 1234567890"]))
            .Should().Be((0, "INFO corrosion: Rows affected: 3\n", string.Empty));
        await WaitForOutputAsync(dir, "[X] Write some Corrosion docs!\n[X] Show how broadcasts work\n[X] Hello from a template!\n", template);

        (await template.TerminateAsync(Deadline)).Should().Be(0, template.Stderr);
        (await agent.TerminateAsync(Deadline)).Should().Be(0, agent.Stderr);
    }

    [Fact]
    public async Task Once_against_an_unreachable_agent_fails_with_the_address()
    {
        using var dir = new TempDir();
        dir.Write("todos.rhai", Templates.TemplateCliTests.TodosTemplate);
        var port = AgentProcesses.FreePort();

        var result = await CorrosionProcess.RunAsync(dir.Path, Deadline, "--api-addr", $"127.0.0.1:{port}", "template", "-o", "todos.rhai:todos.txt");

        result.ExitCode.Should().Be(1);
        result.Err.Should().Contain($"corrosion template: todos.rhai:1:16: sql(\"SELECT title, completed_at FROM todos\") failed: could not reach the Corrosion API at http://127.0.0.1:{port}/");
        File.Exists(dir.Combine("todos.txt")).Should().BeFalse();
    }

    [Fact]
    public async Task Once_reports_a_failed_render_once_on_stderr_and_nothing_on_stdout()
    {
        using var dir = new TempDir();
        dir.Write("bad.rhai", "ok\n<%= todo.title %>");
        var port = AgentProcesses.FreePort();

        var result = await CorrosionProcess.RunAsync(dir.Path, Deadline, "--api-addr", $"127.0.0.1:{port}", "template", "--once", "bad.rhai:bad.txt");

        result.Should().Be((1, string.Empty, "corrosion template: bad.rhai:2:5: unknown variable 'todo'\n"));
    }

    [Fact]
    public async Task A_command_that_cannot_start_is_logged_in_one_line_and_is_not_fatal()
    {
        using var dir = new TempDir();
        dir.Write("static.rhai", "no queries here\n");
        var port = AgentProcesses.FreePort();

        var result = await CorrosionProcess.RunAsync(dir.Path, Deadline, "--api-addr", $"127.0.0.1:{port}", "template", "--once", "static.rhai:out.txt:/nonexistent/program --flag");

        result.ExitCode.Should().Be(0, result.Err);
        File.ReadAllText(dir.Combine("out.txt")).Should().Be("no queries here\n");
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle().Which.Should()
            .Contain("ERROR Corrosion.Templates.TemplateRenderer: could not run command '/nonexistent/program --flag' after rendering out.txt: ")
            .And.Contain("/nonexistent/program");
    }

    private static async Task WaitForOutputAsync(TempDir dir, string expected, CorrosionProcess template)
    {
        var path = dir.Combine("todos.txt");
        var deadline = DateTime.UtcNow + Deadline;
        while (!(File.Exists(path) && await File.ReadAllTextAsync(path) == expected))
        {
            if (DateTime.UtcNow > deadline)
            {
                var seen = File.Exists(path) ? await File.ReadAllTextAsync(path) : "<missing>";
                throw new TimeoutException($"todos.txt never read {expected}; last seen: {seen}; template output: {string.Join("\n", template.Lines)} {template.Stderr}");
            }

            await Task.Delay(50);
        }
    }
}
