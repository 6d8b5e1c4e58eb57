using Corrosion.Templates;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Templates;

public sealed class TemplateRendererTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("corrosion-tpl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private string Read(string name) => File.Exists(Path.Combine(_dir, name)) ? File.ReadAllText(Path.Combine(_dir, name)) : "<missing>";

    private TemplateRendererOptions Options(string template, bool once = false, string? command = null) => new()
    {
        SourcePath = Write("t.rhai", template),
        DestinationPath = Path.Combine(_dir, "out", "t.txt"),
        Once = once,
        Command = command,
    };

    private static void SetTodos(FakeQuerySource source, params (string Title, long? Done)[] todos) =>
        source.Set(TemplateEngineTests.TodosSql, ["title", "completed_at"], todos.Select(t => new object?[] { t.Title, t.Done }).ToArray());

    private Task WaitForOutputAsync(string expected, string what) =>
        Eventually.UntilAsync(() => Task.FromResult(Read("out/t.txt") == expected), Deadline, what, () => Task.FromResult(Read("out/t.txt")));

    [Fact]
    public async Task Once_renders_and_returns()
    {
        var source = new FakeQuerySource();
        SetTodos(source, ("a", null), ("b", 1));
        var renderer = new TemplateRenderer(source, Options(TemplateEngineTests.TodosTemplate, once: true));

        await renderer.RunAsync().WaitAsync(Deadline);

        Read("out/t.txt").Should().Be("[ ] a\n[X] b\n\n");
        renderer.RenderCount.Should().Be(1);
        Directory.GetFiles(Path.Combine(_dir, "out")).Should().ContainSingle("the temp file was renamed into place");
    }

    [Fact]
    public async Task A_destination_that_cannot_be_written_is_reported_as_the_destination_not_the_template()
    {
        var options = Options("text", once: true);
        Directory.CreateDirectory(options.DestinationPath);
        var renderer = new TemplateRenderer(new FakeQuerySource(), options);

        var act = () => renderer.RunAsync();

        var error = (await act.Should().ThrowAsync<TemplateException>()).Which;
        error.Reason.Should().StartWith($"cannot write {options.DestinationPath}: ");
        error.Message.Should().StartWith($"{options.SourcePath}: cannot write ", "an output error has no position in the template");
    }

    [Fact]
    public async Task A_template_file_that_cannot_be_read_is_reported_as_such()
    {
        var options = Options("text", once: true);
        File.Delete(options.SourcePath);
        var renderer = new TemplateRenderer(new FakeQuerySource(), options);

        var act = () => renderer.RunAsync();

        var error = (await act.Should().ThrowAsync<TemplateException>()).Which;
        error.Message.Should().StartWith($"{options.SourcePath}: cannot read the template: ");
        Read("out/t.txt").Should().Be("<missing>");
    }

    [Fact]
    public async Task Once_with_an_error_throws_and_keeps_the_previous_output()
    {
        var options = Options("line 1\n<%= nope %>", once: true);
        Directory.CreateDirectory(Path.Combine(_dir, "out"));
        File.WriteAllText(options.DestinationPath, "previous");
        var renderer = new TemplateRenderer(new FakeQuerySource(), options);

        var act = () => renderer.RunAsync();

        (await act.Should().ThrowAsync<TemplateException>()).Which.Message.Should().Be($"{options.SourcePath}:2:5: unknown variable 'nope'");
        Read("out/t.txt").Should().Be("previous");
        Directory.GetFiles(Path.Combine(_dir, "out")).Should().ContainSingle("no temp file is left behind");
    }

    [Fact]
    public async Task Watching_re_renders_the_spec_steps_and_keeps_the_output_on_errors()
    {
        var source = new FakeQuerySource();
        SetTodos(source, ("Write some Corrosion docs!", null), ("Show how broadcasts work", null));
        var template = TemplateEngineTests.TodosTemplate.TrimEnd('\n') + "<% if todos_fail() { } %>";
        var options = Options(TemplateEngineTests.TodosTemplate.TrimEnd('\n'));
        var renderer = new TemplateRenderer(source, options);
        using var cts = new CancellationTokenSource();
        var run = renderer.RunAsync(cts.Token);

        await WaitForOutputAsync("[ ] Write some Corrosion docs!\n[ ] Show how broadcasts work\n", "the first render");
        SetTodos(source, ("Write some Corrosion docs!", null), ("Show how broadcasts work", null), ("Hello from a template!", null));
        await WaitForOutputAsync("[ ] Write some Corrosion docs!\n[ ] Show how broadcasts work\n[ ] Hello from a template!\n", "the inserted row");
        SetTodos(source, ("Write some Corrosion docs!", 1234567890), ("Show how broadcasts work", 1234567890), ("Hello from a template!", 1234567890));
        await WaitForOutputAsync("[X] Write some Corrosion docs!\n[X] Show how broadcasts work\n[X] Hello from a template!\n", "the completed rows");

        // Break the template: the next render fails and the file keeps the last good output.
        File.WriteAllText(options.SourcePath, template);
        var before = renderer.RenderCount;
        SetTodos(source, ("changed", null));
        await Eventually.UntilAsync(() => renderer.LastError is not null, Deadline, "the failing render");
        renderer.LastError!.Reason.Should().StartWith("unknown function 'todos_fail'");
        renderer.RenderCount.Should().Be(before);
        Read("out/t.txt").Should().Be("[X] Write some Corrosion docs!\n[X] Show how broadcasts work\n[X] Hello from a template!\n");

        // The queries that ran before the error are still watched: fixing the template and changing data recovers.
        File.WriteAllText(options.SourcePath, TemplateEngineTests.TodosTemplate.TrimEnd('\n'));
        SetTodos(source, ("fixed", 1));
        await WaitForOutputAsync("[X] fixed\n", "the render after the fix");
        renderer.LastError.Should().BeNull();

        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Editing_the_template_re_renders_without_data_changes()
    {
        var options = new TemplateRendererOptions
        {
            SourcePath = Write("t.rhai", "<% let x = 1 +; %>"),
            DestinationPath = Path.Combine(_dir, "out", "t.txt"),
            SourcePollInterval = TimeSpan.FromMilliseconds(20),
        };
        var renderer = new TemplateRenderer(new FakeQuerySource(), options);
        using var cts = new CancellationTokenSource();
        var run = renderer.RunAsync(cts.Token);
        await Eventually.UntilAsync(() => renderer.LastError is not null, Deadline, "the syntax error");
        Read("out/t.txt").Should().Be("<missing>");

        File.WriteAllText(options.SourcePath, "fixed <%= 1 + 1 %>");
        await WaitForOutputAsync("fixed 2", "the render of the fixed template");

        File.WriteAllText(options.SourcePath, "edited <%= hostname().len() > 0 %>");
        await WaitForOutputAsync("edited true", "the render of the edited template");

        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_burst_of_changes_renders_few_times()
    {
        var source = new FakeQuerySource();
        source.Set("SELECT n", ["n"], [0L]);
        var renderer = new TemplateRenderer(source, Options("<% for r in sql(\"SELECT n\") { %><%= r.n %><% } %>"));
        using var cts = new CancellationTokenSource();
        var run = renderer.RunAsync(cts.Token);
        await WaitForOutputAsync("0", "the first render");

        for (var i = 1; i <= 200; i++)
        {
            source.Set("SELECT n", ["n"], [(long)i]);
        }

        await WaitForOutputAsync("200", "the render after the burst");
        renderer.RenderCount.Should().BeInRange(2, 3, "200 changes within the debounce window coalesce into one render (two at worst)");
        source.QueryCount.Should().Be(renderer.RenderCount);

        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Changes_that_never_stop_still_render_after_the_max_delay()
    {
        var source = new FakeQuerySource();
        source.Set("SELECT n", ["n"], [0L]);
        var options = new TemplateRendererOptions
        {
            SourcePath = Write("t.rhai", "<%= sql(\"SELECT n\")[0].n %>"),
            DestinationPath = Path.Combine(_dir, "out", "t.txt"),
            Debounce = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromMilliseconds(300),
        };
        var renderer = new TemplateRenderer(source, options);
        using var cts = new CancellationTokenSource();
        var run = renderer.RunAsync(cts.Token);
        await WaitForOutputAsync("0", "the first render");

        // A change every 20 ms never leaves 200 ms of quiet, so only the max delay can trigger these renders.
        var deadline = DateTime.UtcNow + Deadline;
        var n = 0L;
        while (renderer.RenderCount < 4 && DateTime.UtcNow < deadline)
        {
            source.Set("SELECT n", ["n"], [++n]);
            await Task.Delay(20);
        }

        renderer.RenderCount.Should().BeGreaterThanOrEqualTo(4, "renders happen every max delay while changes keep coming");
        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Readers_never_see_a_partial_file()
    {
        const int size = 1 << 18;
        var source = new FakeQuerySource();
        source.Set("SELECT c", ["c"], ["a"]);
        var options = Options("<% let s = sql(\"SELECT c\")[0].c.to_string(); for i in 0..18 { s += s; } write(s) %>");
        var renderer = new TemplateRenderer(source, options) ;
        using var cts = new CancellationTokenSource();
        var run = renderer.RunAsync(cts.Token);
        await WaitForOutputAsync(new string('a', size), "the first render");

        var reads = 0;
        var reader = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                var text = await File.ReadAllTextAsync(options.DestinationPath);
                text.Length.Should().Be(size);
                text.Should().Match(t => t.All(c => c == t[0]), "a file is one render's output, never a mix");
                reads++;
            }
        });

        for (var i = 0; i < 6; i++)
        {
            var c = i % 2 == 0 ? "b" : "a";
            var before = renderer.RenderCount;
            source.Set("SELECT c", ["c"], [c]);
            await Eventually.UntilAsync(() => renderer.RenderCount > before, Deadline, $"render {i}");
        }

        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
        await reader.WaitAsync(Deadline);
        reads.Should().BeGreaterThan(0);
        Directory.GetFiles(Path.Combine(_dir, "out")).Should().ContainSingle();
    }

    [Fact]
    public async Task The_command_runs_after_each_render()
    {
        var source = new FakeQuerySource();
        source.Set("SELECT n", ["n"], [1L]);
        var copy = Path.Combine(_dir, "copy with space.txt");
        var options = Options("<%= sql(\"SELECT n\")[0].n %>", once: true, command: $"cp \"{Path.Combine(_dir, "out", "t.txt")}\" '{copy}'");

        await new TemplateRenderer(source, options).RunAsync().WaitAsync(Deadline);

        File.ReadAllText(copy).Should().Be("1");
    }

    [Theory]
    [InlineData("systemctl reload nginx", new[] { "systemctl", "reload", "nginx" })]
    [InlineData("sh -c 'echo \"a b\"' x\\ y", new[] { "sh", "-c", "echo \"a b\"", "x y" })]
    [InlineData("  a  \"b \\\" c\"  ", new[] { "a", "b \" c" })]
    [InlineData("''", new[] { "" })]
    public void Commands_split_like_a_shell(string line, string[] words) =>
        CommandLine.Split(line).Should().Equal(words);
}
