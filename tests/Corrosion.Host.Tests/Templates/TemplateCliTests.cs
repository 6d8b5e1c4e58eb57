using System.Text;
using Corrosion.Host.Cli;

namespace Corrosion.Host.Tests.Templates;

public sealed class TemplateCliTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    internal const string TodosTemplate =
        "<% for todo in sql(\"SELECT title, completed_at FROM todos\") { %>\n" +
        "[<% if todo.completed_at.is_null() { %> <% } else { %>X<% } %>] <%= todo.title %>\n" +
        "<% } %>";

    private static string Config(TempDir dir, string apiAddr) => dir.Write("config.toml", $"""
        [db]
        path = "{dir.Combine("state.db")}"
        [gossip]
        addr = "127.0.0.1:8787"
        [api]
        addr = "{apiAddr}"
        authz.bearer-token = "s3cret"
        """);

    [Fact]
    public async Task Once_renders_with_the_configured_address_and_token_and_exits_0()
    {
        using var dir = new TempDir();
        await using var server = await FakeSubscriptionServer.StartAsync();
        var tpl = dir.Write("todos.rhai", TodosTemplate);
        var run = CliRunner.RunAsync(dir, "-c", Config(dir, server.Address), "template", "--once", $"{tpl}:{dir.Combine("out", "todos.txt")}");

        var conn = await server.NextAsync();
        conn.Authorization.Should().Be("Bearer s3cret");
        await conn.SendAsync("""{"columns":["title","completed_at"]}""", """{"row":[1,["Write some Corrosion docs!",null]]}""", """{"row":[2,["Show how broadcasts work",null]]}""", """{"eoq":{"time":0,"change_id":0}}""");

        (await run.WaitAsync(Deadline)).Should().Be((0, string.Empty, string.Empty));
        File.ReadAllText(dir.Combine("out", "todos.txt")).Should().Be("[ ] Write some Corrosion docs!\n[ ] Show how broadcasts work\n");
    }

    [Fact]
    public async Task Several_templates_share_one_subscription_per_distinct_query()
    {
        using var dir = new TempDir();
        await using var server = await FakeSubscriptionServer.StartAsync();
        var a = dir.Write("a.rhai", TodosTemplate);
        var b = dir.Write("b.rhai", "<%= sql(\"SELECT title, completed_at FROM todos\").to_json() %>");
        var run = CliRunner.RunAsync(dir, "--api-addr", server.Address, "template", "-o", $"{a}:{dir.Combine("a.txt")}", $"{b}:{dir.Combine("b.json")}");

        var conn = await server.NextAsync();
        await conn.SendAsync("""{"columns":["title","completed_at"]}""", """{"row":[1,["x",7]]}""", """{"eoq":{"time":0,"change_id":0}}""");

        (await run.WaitAsync(Deadline)).Should().Be((0, string.Empty, string.Empty));
        File.ReadAllText(dir.Combine("a.txt")).Should().Be("[X] x\n");
        File.ReadAllText(dir.Combine("b.json")).Should().Be("""[{"title":"x","completed_at":7}]""");
        server.Pending.Should().Be(0, "both templates read the one subscription");
    }

    [Fact]
    public async Task Once_with_a_template_error_exits_1_and_keeps_the_previous_file()
    {
        using var dir = new TempDir();
        await using var server = await FakeSubscriptionServer.StartAsync();
        var tpl = dir.Write("bad.rhai", "ok\n<%= todo.title %>");
        var dest = dir.Write("bad.txt", "previous");

        var result = await CliRunner.RunAsync(dir, "--api-addr", server.Address, "template", "-o", $"{tpl}:{dest}");

        result.Should().Be((1, string.Empty, $"corrosion template: {tpl}:2:5: unknown variable 'todo'\n"));
        File.ReadAllText(dest).Should().Be("previous");
    }

    [Theory]
    [InlineData("nocolon", "corrosion template: 'nocolon' is not src.rhai:dest[:cmd]\n")]
    [InlineData("missing.rhai:out.txt", "corrosion template: template file missing.rhai does not exist\n")]
    public async Task Bad_arguments_exit_1(string spec, string error)
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir, "--api-addr", "127.0.0.1:1", "template", spec);
        result.Should().Be((1, string.Empty, error));
    }

    [Fact]
    public void Specs_split_into_source_destination_and_command()
    {
        TemplateCommand.TryParseSpec("a.rhai:b.txt", out var two, out _).Should().BeTrue();
        two.Should().Be(("a.rhai", "b.txt", (string?)null));
        TemplateCommand.TryParseSpec("a.rhai:b.txt:sh -c 'echo a:b'", out var three, out _).Should().BeTrue();
        three.Should().Be(("a.rhai", "b.txt", "sh -c 'echo a:b'"));
        TemplateCommand.TryParseSpec(":b.txt", out _, out var error).Should().BeFalse();
        error.Should().Be("':b.txt' is not src.rhai:dest[:cmd]");
    }

    [Fact]
    public async Task Watching_re_renders_on_changes_and_after_a_dropped_stream_until_stopped()
    {
        using var dir = new TempDir();
        await using var server = await FakeSubscriptionServer.StartAsync();
        var tpl = dir.Write("todos.rhai", TodosTemplate);
        var dest = dir.Combine("todos.txt");
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        var context = new CliContext(new CliConsole(stdout, stderr), defaultConfigPath: dir.Combine("none.toml"));
        using var stop = new CancellationTokenSource();
        var run = CorrosionCli.RunAsync(["--api-addr", server.Address, "template", $"{tpl}:{dest}:touch {dir.Combine("rendered")}"], context, stop.Token);

        var conn = await server.NextAsync();
        await conn.SendAsync("""{"columns":["title","completed_at"]}""", """{"row":[1,["Write some Corrosion docs!",null]]}""", """{"row":[2,["Show how broadcasts work",null]]}""", """{"eoq":{"time":0,"change_id":0}}""");
        await WaitForFileAsync(dest, "[ ] Write some Corrosion docs!\n[ ] Show how broadcasts work\n");
        await WaitForAsync(() => File.Exists(dir.Combine("rendered")), "the command after the render");

        await conn.SendAsync("""{"change":["insert",3,["Hello from a template!",null],1]}""");
        await WaitForFileAsync(dest, "[ ] Write some Corrosion docs!\n[ ] Show how broadcasts work\n[ ] Hello from a template!\n");

        conn.Drop();
        var resumed = await server.NextAsync();
        resumed.Target.Should().Be("/v1/subscriptions/query-1?from=1");
        await resumed.SendAsync(
            """{"change":["update",1,["Write some Corrosion docs!",1234567890],2]}""",
            """{"change":["update",2,["Show how broadcasts work",1234567890],3]}""",
            """{"change":["update",3,["Hello from a template!",1234567890],4]}""");
        await WaitForFileAsync(dest, "[X] Write some Corrosion docs!\n[X] Show how broadcasts work\n[X] Hello from a template!\n");

        await stop.CancelAsync();
        (await run.WaitAsync(Deadline)).Should().Be(0, stderr.ToString());
        Encoding.UTF8.GetString(stdout.ToArray()).Should().BeEmpty();
    }

    private static Task WaitForFileAsync(string path, string expected) =>
        WaitForAsync(() => File.Exists(path) && File.ReadAllText(path) == expected, $"{path} to read {expected.Replace("\n", "\\n", StringComparison.Ordinal)}", () => File.Exists(path) ? File.ReadAllText(path) : "<missing>");

    private static async Task WaitForAsync(Func<bool> condition, string what, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}; last state: {state?.Invoke()}");
            }

            await Task.Delay(20);
        }
    }
}
