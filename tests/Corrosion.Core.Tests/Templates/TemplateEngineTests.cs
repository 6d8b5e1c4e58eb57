using Corrosion.Storage;
using Corrosion.Templates;

namespace Corrosion.Core.Tests.Templates;

public sealed class TemplateEngineTests
{
    // The spec's appendix template, as a file: three lines, each ending in a newline.
    internal const string TodosTemplate =
        "<% for todo in sql(\"SELECT title, completed_at FROM todos\") { %>\n" +
        "[<% if todo.completed_at.is_null() { %> <% } else { %>X<% } %>] <%= todo.title %>\n" +
        "<% } %>\n";

    internal const string TodosSql = "SELECT title, completed_at FROM todos";

    private static async Task<string> RenderAsync(string template, FakeQuerySource? source = null, TemplateRenderOptions? options = null) =>
        await Template.Parse(template, "t.rhai").RenderAsync(source ?? new FakeQuerySource(), options);

    [Fact]
    public async Task Appendix_template_renders_the_three_steps_of_the_spec()
    {
        var source = new FakeQuerySource();
        var template = Template.Parse(TodosTemplate, "todos.rhai");

        source.Set(TodosSql, ["title", "completed_at"], ["Write some Corrosion docs!", null], ["Show how broadcasts work", null]);
        (await template.RenderAsync(source)).Should().Be(
            "[ ] Write some Corrosion docs!\n[ ] Show how broadcasts work\n\n");

        source.Set(TodosSql, ["title", "completed_at"], ["Write some Corrosion docs!", null], ["Show how broadcasts work", null], ["Hello from a template!", null]);
        (await template.RenderAsync(source)).Should().Be(
            "[ ] Write some Corrosion docs!\n[ ] Show how broadcasts work\n[ ] Hello from a template!\n\n");

        source.Set(TodosSql, ["title", "completed_at"], ["Write some Corrosion docs!", 1234567890L], ["Show how broadcasts work", 1234567890L], ["Hello from a template!", 1234567890L]);
        (await template.RenderAsync(source)).Should().Be(
            "[X] Write some Corrosion docs!\n[X] Show how broadcasts work\n[X] Hello from a template!\n\n");
    }

    [Fact]
    public async Task Appendix_template_without_a_final_newline_renders_exactly_the_lines()
    {
        var source = new FakeQuerySource();
        source.Set(TodosSql, ["title", "completed_at"], ["Write some Corrosion docs!", null], ["Show how broadcasts work", 1L]);
        (await RenderAsync(TodosTemplate.TrimEnd('\n'), source)).Should().Be("[ ] Write some Corrosion docs!\n[X] Show how broadcasts work\n");
    }

    [Fact]
    public async Task The_file_name_comment_of_the_spec_is_text_outside_tags_and_a_comment_inside()
    {
        // The spec's second copy of todos.rhai starts with "/* /etc/corrosion/templates/todos.rhai */": a caption.
        // Outside tags it is literal text (as with the original); inside a tag it is a Rhai comment.
        var source = new FakeQuerySource();
        source.Set(TodosSql, ["title", "completed_at"], ["a", null]);
        (await RenderAsync("/* todos.rhai */\n" + TodosTemplate, source)).Should().Be("/* todos.rhai */\n[ ] a\n\n");
        // Inside a tag it prints nothing, but the newline after it is all the text before the next tag, which
        // rhai_tpl keeps.
        (await RenderAsync("<% /* todos.rhai */ %>\n" + TodosTemplate, source)).Should().Be("\n[ ] a\n\n");
        (await RenderAsync("<% /* todos.rhai */ %>" + TodosTemplate, source)).Should().Be("[ ] a\n\n");
    }

    [Theory]
    // rhai_tpl's newline rule: the newline right after a `<% %>` tag is dropped unless it is all the text there is.
    [InlineData("<% let a = 1; %>\nx", "x")]
    [InlineData("<% let a = 1; %>\n\nx", "\nx")]
    [InlineData("<% let a = 1; %>\n", "\n")]
    [InlineData("<%= 1 %>\nx", "1\nx")]
    [InlineData("a\n<% let b = 2 %>\r\nc", "a\nc")]
    [InlineData("text only\n", "text only\n")]
    [InlineData("<%\nlet a = [42, 123, \"hello\", 987.6543];\n// loop\nfor (item, count) in a { %>\nItem #<%= count + 1 %> = <%= item %>\n<% } %>\n\ntail",
        "Item #1 = 42\nItem #2 = 123\nItem #3 = hello\nItem #4 = 987.6543\n\ntail")]
    public async Task Text_and_newlines_around_tags(string template, string expected) =>
        (await RenderAsync(template)).Should().Be(expected);

    [Theory]
    [InlineData("<%= 1 + 2 * 3 %>", "7")]
    [InlineData("<%= (1 + 2) * 3 %>", "9")]
    [InlineData("<%= 7 / 2 %>|<%= 7 % 3 %>|<%= 7.0 / 2 %>|<%= 2 ** 10 %>|<%= -3 %>", "3|1|3.5|1024|-3")]
    [InlineData("<%= 1 < 2 && !(2 < 1) || false %>", "true")]
    [InlineData("<%= 1 == 1.0 %>|<%= \"a\" != \"b\" %>|<%= \"b\" >= \"a\" %>", "true|true|true")]
    [InlineData("<%= \"a\" + 1 + true %>|<%= 1 + \"a\" %>", "a1true|1a")]
    [InlineData("<%= 2.0 %>|<%= 0.5 %>|<%= () %>|<%= true %>", "2.0|0.5||true")]
    [InlineData("<%= \"tab\\there \\\"q\\\" \\u00e9 \\x41\" %>", "tab\there \"q\" é A")]
    [InlineData("<% let name = \"x\"; %><%= `hi ${name + \"!\"} ${1 + 1}` %>", "hi x! 2")]
    [InlineData("<%= `a``b` %>", "a`b")]
    [InlineData("<%= [1, \"two\", [3]] %>|<%= #{b: 1, a: \"x\"} %>", "[1, \"two\", [3]]|#{\"a\": \"x\", \"b\": 1}")]
    [InlineData("<% let a = [1, 2, 3]; a[0] = 10; a[-1] += 5; %><%= a %>|<%= a[1] %>", "[10, 2, 8]|2")]
    [InlineData("<% let m = #{a: 1}; m.b = 2; m[\"c\"] = 3; %><%= m.a + m.b + m.c %>|<%= m.zzz %>|<%= m?.a %>", "6||1")]
    [InlineData("<% let x = 1; x = x + 1; x *= 10; x -= 1; x /= 2; x %= 5; %><%= x %>", "4")]
    [InlineData("<% const C = 3; %><%= C %>", "3")]
    [InlineData("<% let x = 1; { let x = 2; } %><%= x %>", "1")]
    [InlineData("<% for i in 0..3 { %><%= i %><% } %>|<% for i in 1..=3 { %><%= i %><% } %>", "012|123")]
    [InlineData("<% for c in \"héy\" { %><%= c %>.<% } %>", "h.é.y.")]
    [InlineData("<% for (v, i) in [\"a\", \"b\"] { %><%= i %>=<%= v %> <% } %>", "0=a 1=b ")]
    [InlineData("<% let n = 0; while n < 5 { n += 1; if n == 2 { continue; } if n == 4 { break; } %><%= n %><% } %>", "13")]
    [InlineData("<% let n = 0; loop { n += 1; if n > 3 { break } } %><%= n %>", "4")]
    [InlineData("<% let v = 5; if v < 3 { %>small<% } else if v < 10 { %>medium<% } else { %>large<% } %>", "medium")]
    [InlineData("<% let v = if true { \"yes\" } else { \"no\" }; %><%= v %>", "yes")]
    [InlineData("<% /* a /* nested */ comment */ // line comment\n let a = 1 %><%= a %>", "1")]
    [InlineData("before<% return; %>after", "before")]
    [InlineData("<%= () ?? \"default\" %>|<%= 1 ?? 2 %>", "default|1")]
    [InlineData("<%= 0x1F + 1_000 %>|<%= 1.5e2 %>", "1031|150.0")]
    [InlineData("<% write(\"a\", 1); write(2.5) %>", "a12.5")]
    [InlineData("<%= 2 in [1, 2] %>|<%= \"b\" in \"abc\" %>|<%= \"k\" in #{k: 1} %>|<%= 3 in [1] %>", "true|true|true|false")]
    [InlineData("<%= 1e20 %>|<%= 1.5e-7 %>|<%= -2.5e21 %>", "100000000000000000000.0|0.00000015|-2500000000000000000000.0")]
    public async Task Language_features(string template, string expected) =>
        (await RenderAsync(template)).Should().Be(expected);

    [Theory]
    [InlineData("<%= len(\"héllo\") %>|<%= \"abc\".len() %>|<%= \"abc\".len %>|<%= [1, 2].len() %>|<%= #{a: 1}.len() %>", "5|3|3|2|1")]
    [InlineData("<%= \"Hello\".contains(\"ell\") %>|<%= [1, 2].contains(2) %>|<%= #{a: 1}.contains(\"b\") %>", "true|true|false")]
    [InlineData("<%= \"MiXed\".to_upper() %>|<%= \"MiXed\".to_lower() %>|<%= \"  t  \".trim() %>.", "MIXED|mixed|t.")]
    [InlineData("<%= [\"a\", 1, true].join(\", \") %>|<%= \"a,b\".split(\",\") %>", "a, 1, true|[\"a\", \"b\"]")]
    [InlineData("<%= \"abc\".starts_with(\"ab\") %>|<%= \"abc\".ends_with(\"bc\") %>|<%= \"abc\".replace(\"b\", \"-\") %>|<%= \"abc\".index_of(\"c\") %>|<%= \"hello\".sub_string(1, 3) %>", "true|true|a-c|2|ell")]
    [InlineData("<% let a = []; a.push(1); push(a, 2); %><%= a %>|<%= a.is_empty() %>|<%= [].is_empty() %>", "[1, 2]|false|true")]
    [InlineData("<%= #{b: 2, a: 1}.keys() %>|<%= #{b: 2, a: 1}.values() %>", "[\"a\", \"b\"]|[1, 2]")]
    [InlineData("<%= type_of(1) %> <%= type_of(1.0) %> <%= type_of(\"s\") %> <%= type_of([]) %> <%= type_of(#{}) %> <%= type_of(()) %>", "i64 f64 string array map ()")]
    [InlineData("<%= \"42\".parse_int() + 1 %>|<%= parse_float(\"1.5\") %>|<%= 2.7.to_int() %>|<%= 2.to_float() %>|<%= abs(-3) %>|<%= min(1, 2) %>|<%= max(1, 2.5) %>", "43|1.5|2|2.0|3|1|2.5")]
    [InlineData("<%= 1.to_string() + \"x\" %>|<%= [1, \"a\"].to_json() %>|<%= #{a: [1, ()], b: \"q\\\"\"}.to_json() %>", "1x|[1,\"a\"]|{\"a\":[1,null],\"b\":\"q\\\"\"}")]
    [InlineData("<%= ().is_null() %>|<%= 1.is_null() %>", "true|false")]
    [InlineData("<% for i in range(0, 2) { %><%= i %><% } %>", "01")]
    public async Task Helper_functions(string template, string expected) =>
        (await RenderAsync(template)).Should().Be(expected);

    [Fact]
    public async Task Hostname_comes_from_the_options()
    {
        (await RenderAsync("<%= hostname() %>", options: new TemplateRenderOptions { HostName = "node-a" })).Should().Be("node-a");
        (await RenderAsync("<%= hostname() %>")).Should().Be(System.Net.Dns.GetHostName());
    }

    private static FakeQuerySource Machines()
    {
        var source = new FakeQuerySource();
        source.Set("SELECT id, name, cpus, load, img FROM machines", ["id", "name", "cpus", "load", "img"],
            [1L, "alpha", 2L, 0.5, null],
            [2L, "be\"ta, x", 4L, 1.25, new byte[] { 0xAB, 0x01 }]);
        source.Set("SELECT r", ["r"], [1e20], [2.0], [1e-7]);
        return source;
    }

    private const string MachinesSql = "sql(\"SELECT id, name, cpus, load, img FROM machines\")";

    [Fact]
    public async Task Rows_give_cells_by_name_and_iterate_as_cells()
    {
        var source = Machines();
        (await RenderAsync($"<% for m in {MachinesSql} {{ %><%= m.id %>:<%= m[\"name\"] %>:<%= m.cpus * 2 %>:<%= m.load %>:<%= m.img %>:<%= m.img.is_null() %>;<% }} %>", source))
            .Should().Be("1:alpha:4:0.5::true;2:be\"ta, x:8:1.25:ab01:false;");
        (await RenderAsync($"<% for m in {MachinesSql} {{ for c in m {{ %><%= c.name() %>=<%= c.value() %> <% }} }} %>", source))
            .Should().Be("id=1 name=alpha cpus=2 load=0.5 img= id=2 name=be\"ta, x cpus=4 load=1.25 img=ab01 ");
        (await RenderAsync($"<% let q = {MachinesSql}; %><%= q.len() %>|<%= q[1].name %>|<%= q.columns() %>", source))
            .Should().Be("2|be\"ta, x|[\"id\", \"name\", \"cpus\", \"load\", \"img\"]");
    }

    [Fact]
    public async Task Real_cells_print_like_rust_floats()
    {
        (await RenderAsync("<% for row in sql(\"SELECT r\") { %><%= row.r %> <% } %>", Machines())).Should().Be("100000000000000000000 2 0.0000001 ");
    }

    [Fact]
    public async Task Cell_values_convert_to_json_and_strings()
    {
        var source = Machines();
        (await RenderAsync($"<% for m in {MachinesSql} {{ %><%= m.id.to_json() %> <%= m.name.to_json() %> <%= m.img.to_json() %> <%= m.load.to_string() %>|<% }} %>", source))
            .Should().Be("1 \"alpha\" null 0.5|2 \"be\\\"ta, x\" \"ab01\" 1.25|");
    }

    [Fact]
    public async Task Query_results_write_as_json_and_csv()
    {
        var source = Machines();
        (await RenderAsync($"<%= {MachinesSql}.to_json() %>", source)).Should().Be(
            "[{\"id\":1,\"name\":\"alpha\",\"cpus\":2,\"load\":0.5,\"img\":null},{\"id\":2,\"name\":\"be\\\"ta, x\",\"cpus\":4,\"load\":1.25,\"img\":\"ab01\"}]");
        (await RenderAsync($"<% write({MachinesSql}.to_json(#{{row_values_as_array: true}})) %>", source)).Should().Be(
            "[[1,\"alpha\",2,0.5,null],[2,\"be\\\"ta, x\",4,1.25,\"ab01\"]]");
        (await RenderAsync($"<%= {MachinesSql}.to_json(#{{pretty: true}}) %>", source)).Should().Be(
            "[\n  {\n    \"id\": 1,\n    \"name\": \"alpha\",\n    \"cpus\": 2,\n    \"load\": 0.5,\n    \"img\": null\n  },\n  {\n    \"id\": 2,\n    \"name\": \"be\\\"ta, x\",\n    \"cpus\": 4,\n    \"load\": 1.25,\n    \"img\": \"ab01\"\n  }\n]");
        (await RenderAsync($"<%= {MachinesSql}.to_csv() %>", source)).Should().Be(
            "id,name,cpus,load,img\n1,alpha,2,0.5,\n2,\"be\"\"ta, x\",4,1.25,ab01\n");
    }

    [Fact]
    public async Task Sql_passes_positional_and_named_parameters()
    {
        var source = new FakeQuerySource();
        source.Set("SELECT ?", ["x"], ["v"]);
        source.Set("SELECT :a", ["x"], ["v"]);
        await RenderAsync("<% sql(\"SELECT ?\", [1, 2.5, \"s\", true, ()]); sql(\"SELECT :a\", #{a: \"x\"}) %>", source);
        source.Queries.Should().HaveCount(2);
        source.Queries[0].Parameters.Should().Equal(SqlValue.FromInteger(1), SqlValue.FromReal(2.5), SqlValue.FromText("s"), SqlValue.FromInteger(1), SqlValue.Null);
        source.Queries[1].NamedParameters.Should().BeEquivalentTo(new Dictionary<string, SqlValue> { ["a"] = SqlValue.FromText("x") });
        new TemplateQuery("SELECT ?", [SqlValue.FromInteger(1)]).Should().Be(new TemplateQuery("SELECT ?", [SqlValue.FromInteger(1)]))
            .And.NotBe(new TemplateQuery("SELECT ?", [SqlValue.FromText("1")]));
    }

    [Theory]
    [InlineData("ok\n<% for todo in [1] { %>\n<%= todo %>\n<% } %>\n<%= todo.title %>", 5, 5, "unknown variable 'todo'")]
    [InlineData("<% let x = 1 +; %>", 1, 15, "expected an expression, found ';'")]
    [InlineData("a\n<% if true { %>", 2, 16, "expected '}' before the end of the template")]
    [InlineData("a <% let x = 1", 1, 3, "unclosed tag: '<%' has no matching '%>'")]
    [InlineData("<%= \"abc %>", 1, 5, "unterminated string")]
    [InlineData("<% } %>", 1, 4, "unexpected '}' (no block is open)")]
    [InlineData("<% let x = 1 let y = 2 %>", 1, 14, "expected ';' before 'let'")]
    [InlineData("<% fn f() {} %>", 1, 4, "function definitions ('fn') are not supported in templates")]
    public void Syntax_errors_name_file_line_and_column(string template, int line, int column, string reason)
    {
        var act = () => Template.Parse(template, "todos.rhai");
        if (reason.StartsWith("unknown variable", StringComparison.Ordinal))
        {
            // A runtime error, checked by the runtime test below; here it must parse.
            act.Should().NotThrow();
            return;
        }

        var ex = act.Should().Throw<TemplateException>().Which;
        ex.Message.Should().Be($"todos.rhai:{line}:{column}: {reason}");
        (ex.FileName, ex.Line, ex.Column, ex.Reason).Should().Be(("todos.rhai", line, column, reason));
    }

    [Theory]
    [InlineData("ok\n<% for todo in [1] { %>\n<%= todo %>\n<% } %>\n<%= todo.title %>", "todos.rhai:5:5: unknown variable 'todo'")]
    [InlineData("<%= 1 / 0 %>", "todos.rhai:1:7: division by zero")]
    [InlineData("<%= [1][5] %>", "todos.rhai:1:8: index 5 out of bounds (length 1)")]
    [InlineData("<%= nope(1) %>", "todos.rhai:1:5: unknown function 'nope' (1 argument: i64)")]
    [InlineData("<% if 1 { } %>", "todos.rhai:1:7: 'if' needs a bool condition, got i64")]
    [InlineData("<% const c = 1; c = 2; %>", "todos.rhai:1:17: cannot assign to constant 'c'")]
    [InlineData("\n  <%= \"a\" - 1 %>", "todos.rhai:2:11: operator '-' does not apply to string and i64")]
    [InlineData("<% for x in 5 { } %>", "todos.rhai:1:13: cannot iterate over i64")]
    [InlineData("<% break; %>", "todos.rhai:1:4: 'break' outside of a loop")]
    [InlineData("<%= \"x\".parse_int() %>", "todos.rhai:1:9: parse_int: 'x' is not an integer")]
    [InlineData("<%= 9223372036854775807 + 1 %>", "todos.rhai:1:25: integer overflow")]
    public async Task Runtime_errors_name_file_line_and_column(string template, string message)
    {
        var act = async () => await Template.Parse(template, "todos.rhai").RenderAsync(new FakeQuerySource());
        (await act.Should().ThrowAsync<TemplateException>()).Which.Message.Should().Be(message);
    }

    [Fact]
    public async Task Unknown_columns_and_failed_queries_are_errors_at_their_position()
    {
        var source = Machines();
        var act = async () => await Template.Parse($"<% for m in {MachinesSql} {{ %>\n  <%= m.nope %><% }} %>", "m.rhai").RenderAsync(source);
        (await act.Should().ThrowAsync<TemplateException>()).Which.Message.Should().Be("m.rhai:2:9: no such column: nope");

        var failing = async () => await Template.Parse("x\n <% let q = sql(\"SELECT * FROM missing\"); %>", "m.rhai").RenderAsync(source);
        (await failing.Should().ThrowAsync<TemplateException>()).Which.Message.Should()
            .Be("m.rhai:2:13: sql(\"SELECT * FROM missing\") failed: no such table for 'SELECT * FROM missing'");
    }

    [Fact]
    public async Task Limits_stop_runaway_templates()
    {
        var loop = async () => await Template.Parse("<% while true { } %>", "l.rhai").RenderAsync(new FakeQuerySource(), new TemplateRenderOptions { MaxLoopIterations = 1000 });
        (await loop.Should().ThrowAsync<TemplateException>()).Which.Message.Should()
            .Be("l.rhai:1:4: loop limit exceeded: more than 1000 loop iterations in one render");

        var byDefault = async () => await Template.Parse("<% loop { } %>", "l.rhai").RenderAsync(new FakeQuerySource());
        (await byDefault.Should().ThrowAsync<TemplateException>()).Which.Reason.Should().Be("loop limit exceeded: more than 1000000 loop iterations in one render");

        var output = async () => await Template.Parse("<% for i in 0..100 { %>0123456789<% } %>", "o.rhai").RenderAsync(new FakeQuerySource(), new TemplateRenderOptions { MaxOutputLength = 95 });
        (await output.Should().ThrowAsync<TemplateException>()).Which.Message.Should()
            .Be("o.rhai:1:24: output limit exceeded: a render may write at most 95 characters");

        var deep = () => Template.Parse("<%= " + new string('(', 5000) + "1" + new string(')', 5000) + " %>", "d.rhai");
        deep.Should().Throw<TemplateException>().Which.Reason.Should().Contain("nests deeper than");

        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var cancelled = async () => await Template.Parse("<% loop { } %>", "c.rhai").RenderAsync(new FakeQuerySource(), cancellationToken: cts.Token);
        await cancelled.Should().ThrowAsync<OperationCanceledException>();
    }
}
