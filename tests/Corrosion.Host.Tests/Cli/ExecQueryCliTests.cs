using System.Text.Json;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Corrosion.Host.Tests.Cli;

public sealed class ExecQueryCliTests
{
    [Fact]
    public async Task Exec_posts_the_statement_with_string_params_and_prints_rows_affected()
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync((ctx, _) => StubApi.Json(ctx, 200, """{"results":[{"rows_affected":1,"time":0.000123}],"time":0.0005}"""));

        var result = await CliRunner.RunAsync(dir, "--api-addr", api.Address, "exec", "--param", "some-id", "--param", "Write some Corrosion docs!", "INSERT INTO todos (id, title) VALUES (?, ?)");

        result.Should().Be((0, "INFO corrosion: Rows affected: 1\n", string.Empty));
        api.Requests.Should().Equal(("/v1/transactions", """[["INSERT INTO todos (id, title) VALUES (?, ?)",["some-id","Write some Corrosion docs!"]]]""", null));
    }

    [Fact]
    public async Task Exec_without_params_sends_a_plain_string_and_timer_prints_the_time()
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync((ctx, _) => StubApi.Json(ctx, 200, """{"results":[{"rows_affected":3,"time":0.1}],"time":0.25}"""));

        var result = await CliRunner.RunAsync(dir, "--api-addr", api.Address, "exec", "--timer", "--timeout", "5", "UPDATE todos SET completed_at = 1234567890");

        result.Should().Be((0, "INFO corrosion: Rows affected: 3\ntime: 0.25s\n", string.Empty));
        api.Requests.Should().Equal(("/v1/transactions?timeout=5", """["UPDATE todos SET completed_at = 1234567890"]""", null));
    }

    [Fact]
    public async Task Exec_sends_the_configured_bearer_token_to_the_configured_address()
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync((ctx, _) => StubApi.Json(ctx, 200, """{"results":[{"rows_affected":0,"time":0}],"time":0}"""));
        var config = dir.Write("config.toml", $"""
            [db]
            path = "{dir.Combine("state.db")}"
            [gossip]
            addr = "127.0.0.1:8787"
            [api]
            addr = "{api.Address}"
            authz.bearer-token = "s3cret"
            """);

        var result = await CliRunner.RunAsync(dir, "-c", config, "exec", "DELETE FROM todos");

        result.ExitCode.Should().Be(0);
        api.Requests.Should().ContainSingle().Which.Authorization.Should().Be("Bearer s3cret");
    }

    [Fact]
    public async Task Exec_error_response_is_printed_to_stderr_with_exit_code_1()
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync((ctx, _) => StubApi.Json(ctx, 500, """{"results":[{"error":"no such table: nope"}],"time":0}"""));

        var result = await CliRunner.RunAsync(dir, "--api-addr", api.Address, "exec", "INSERT INTO nope VALUES (1)");

        result.Should().Be((1, string.Empty, "corrosion exec: no such table: nope (HTTP 500 InternalServerError)\n"));
    }

    [Fact]
    public async Task Exec_4xx_with_plain_error_object_is_reported()
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync((ctx, _) => StubApi.Json(ctx, 401, """{"error":"unauthorized"}"""));

        var result = await CliRunner.RunAsync(dir, "--api-addr", api.Address, "exec", "DELETE FROM todos");

        result.Should().Be((1, string.Empty, "corrosion exec: unauthorized (HTTP 401 Unauthorized)\n"));
    }

    [Fact]
    public async Task Exec_connection_refused_is_a_clear_error()
    {
        using var dir = new TempDir();
        var port = FreePort();

        var result = await CliRunner.RunAsync(dir, "--api-addr", $"127.0.0.1:{port}", "exec", "DELETE FROM todos");

        result.ExitCode.Should().Be(1);
        result.Out.Should().BeEmpty();
        result.Err.Should().Be($"corrosion exec: could not reach the Corrosion API at http://127.0.0.1:{port}/: Connection refused (is the agent running? set the address with --api-addr or api.addr)\n");
    }

    [Fact]
    public async Task Query_prints_rows_like_sqlite3_with_columns_and_timer()
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync(async (ctx, _) =>
        {
            ctx.Response.ContentType = "application/x-ndjson";
            await ctx.Response.WriteAsync("""{"columns":["id","title","completed_at"]}""" + "\n");
            await ctx.Response.WriteAsync("""{"row":[1,["some-id","Write some Corrosion docs!",null]]}""" + "\n");
            await ctx.Response.WriteAsync("""{"row":[2,["a|b",1234567890,0.1]]}""" + "\n");
            await ctx.Response.WriteAsync("""{"row":[3,[[104,105],1.0,1e20]]}""" + "\n");
            await ctx.Response.WriteAsync("""{"eoq":{"time":0.5}}""" + "\n");
        });

        var result = await CliRunner.RunAsync(dir, "--api-addr", api.Address, "query", "--columns", "--timer", "--param", "x", "SELECT * FROM todos WHERE id > ?");

        result.Should().Be((0, "id|title|completed_at\nsome-id|Write some Corrosion docs!|\na|b|1234567890|0.1\nhi|1.0|1.0e+20\ntime: 0.5s\n", string.Empty));
        api.Requests.Should().Equal(("/v1/queries", """["SELECT * FROM todos WHERE id \u003E ?",["x"]]""", null));
    }

    [Fact]
    public async Task Query_without_columns_prints_only_rows_and_sends_a_plain_string()
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync(async (ctx, _) =>
        {
            await ctx.Response.WriteAsync("""{"columns":["id"]}""" + "\n" + """{"row":[1,["x"]]}""" + "\n" + """{"eoq":{"time":0.1}}""" + "\n");
        });

        var result = await CliRunner.RunAsync(dir, "--api-addr", api.Address, "query", "SELECT id FROM todos");

        result.Should().Be((0, "x\n", string.Empty));
        api.Requests.Single().Body.Should().Be("\"SELECT id FROM todos\"");
    }

    [Fact]
    public async Task Query_error_event_goes_to_stderr_with_exit_code_1()
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync(async (ctx, _) =>
        {
            await ctx.Response.WriteAsync("""{"columns":["id"]}""" + "\n" + """{"row":[1,["x"]]}""" + "\n" + """{"error":"interrupted"}""" + "\n");
        });

        var result = await CliRunner.RunAsync(dir, "--api-addr", api.Address, "query", "SELECT id FROM todos");

        result.Should().Be((1, "x\n", "corrosion query: interrupted\n"));
    }

    [Fact]
    public async Task Query_400_is_reported()
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync((ctx, _) => StubApi.Json(ctx, 400, """{"error":"near \"SELEC\": syntax error"}"""));

        var result = await CliRunner.RunAsync(dir, "--api-addr", api.Address, "query", "SELEC 1");

        result.Should().Be((1, string.Empty, "corrosion query: near \"SELEC\": syntax error (HTTP 400 BadRequest)\n"));
    }

    [Fact]
    public async Task Query_stream_cut_before_eoq_is_an_error()
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync(async (ctx, _) => await ctx.Response.WriteAsync("""{"columns":["id"]}""" + "\n"));

        var result = await CliRunner.RunAsync(dir, "--api-addr", api.Address, "query", "SELECT 1");

        result.Should().Be((1, string.Empty, "corrosion query: the result stream ended before the end of the query\n"));
    }

    [Theory]
    [InlineData("agent")]
    [InlineData("exec")]
    [InlineData("query")]
    [InlineData("template")]
    [InlineData("backup")]
    [InlineData("restore")]
    [InlineData("reload")]
    [InlineData("tls")]
    [InlineData("cluster")]
    [InlineData("actor")]
    public async Task Every_command_has_help(string command)
    {
        using var dir = new TempDir();

        var result = await CliRunner.RunAsync(dir, command, "--help");

        result.ExitCode.Should().Be(0);
        result.Out.Should().Contain("Usage:").And.Contain(" " + command).And.Contain("--config");
    }

    [Fact]
    public async Task Config_with_port_0_asks_for_api_addr()
    {
        using var dir = new TempDir();
        var config = dir.Write("config.toml", """
            [db]
            path = "x.db"
            [gossip]
            addr = "127.0.0.1:8787"
            [api]
            addr = "127.0.0.1:0"
            """);

        var result = await CliRunner.RunAsync(dir, "-c", config, "query", "SELECT 1");

        result.Should().Be((1, string.Empty, "corrosion query: api.addr 127.0.0.1:0 has no fixed port (the agent picks one when it starts); pass the agent's address with --api-addr\n"));
    }

    [Fact]
    public async Task Missing_explicit_config_is_named()
    {
        using var dir = new TempDir();
        var missing = dir.Combine("missing.toml");

        var result = await CliRunner.RunAsync(dir, "-c", missing, "exec", "SELECT 1");

        result.Should().Be((1, string.Empty, $"corrosion exec: config file '{missing}' does not exist\n"));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task With_api_addr_a_broken_default_config_is_passed_over_but_a_named_one_is_not()
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync(async (ctx, _) =>
        {
            await ctx.Response.WriteAsync("""{"columns":["1"]}""" + "\n" + """{"row":[1,[1]]}""" + "\n" + """{"eoq":{"time":0.1}}""" + "\n");
        });
        var broken = dir.Write("default-config.toml", "[db]\npath = \"/x.db\"\n[gossip]\naddr = \"127.0.0.1:1\"\n");

        var remote = await CliRunner.RunWithDefaultConfigAsync(broken, "--api-addr", api.Address, "query", "SELECT 1");
        var named = await CliRunner.RunWithDefaultConfigAsync(broken, "-c", broken, "--api-addr", api.Address, "query", "SELECT 1");
        var noAddr = await CliRunner.RunWithDefaultConfigAsync(broken, "query", "SELECT 1");

        remote.Should().Be((0, "1\n", string.Empty));
        named.ExitCode.Should().Be(1);
        named.Err.Should().Be($"corrosion query: config {broken}: api: required section [api] is missing\n");
        noAddr.ExitCode.Should().Be(1);
        noAddr.Err.Should().Contain("required section [api] is missing");
        api.Requests.Should().HaveCount(1);
    }
    [Theory]
    [InlineData("exec", "--timeout", "abc", "--timeout: 'abc' is not a whole number of seconds (0 or more)")]
    [InlineData("query", "--timeout", "-1", "--timeout: '-1' is not a whole number of seconds (0 or more)")]
    [InlineData("query", "--timeout", "1.5", "--timeout: '1.5' is not a whole number of seconds (0 or more)")]
    public async Task A_bad_timeout_names_the_option_and_sends_nothing(string command, string option, string value, string expected)
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync((ctx, _) => StubApi.Json(ctx, 200, """{"results":[],"time":0}"""));

        var result = await CliRunner.RunAsync(dir, "--api-addr", api.Address, command, option, value, "SELECT 1");

        result.ExitCode.Should().Be(1);
        result.Err.Should().Contain(expected).And.NotContain("System.", "the error names the option, not a .NET type");
        api.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData("query", "--colums")]
    [InlineData("exec", "--bogus")]
    [InlineData("query", "-x")]
    public async Task An_unknown_option_is_named_instead_of_being_sent_as_the_sql(string command, string option)
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync((ctx, _) => StubApi.Json(ctx, 200, """{"results":[],"time":0}"""));

        var result = await CliRunner.RunAsync(dir, "--api-addr", api.Address, command, option, "SELECT 1");
        var alone = await CliRunner.RunAsync(dir, "--api-addr", api.Address, command, option);

        result.ExitCode.Should().Be(1);
        result.Err.Should().Contain($"unknown option '{option}'");
        alone.ExitCode.Should().Be(1);
        alone.Err.Should().Contain($"unknown option '{option}'");
        api.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData("-- tidy up\nDELETE FROM todos")]
    [InlineData("--tidy\nDELETE FROM todos")]
    public async Task Sql_that_starts_with_a_comment_is_still_sent(string sql)
    {
        using var dir = new TempDir();
        await using var api = await StubApi.StartAsync((ctx, _) => StubApi.Json(ctx, 200, """{"results":[{"rows_affected":0,"time":0}],"time":0}"""));

        var result = await CliRunner.RunAsync(dir, "--api-addr", api.Address, "exec", sql);

        result.ExitCode.Should().Be(0, result.Err);
        JsonDocument.Parse(api.Requests.Should().ContainSingle().Which.Body).RootElement[0].GetString().Should().Be(sql);
    }

    [Fact]
    public async Task A_bad_locks_top_names_the_option()
    {
        using var dir = new TempDir();

        var result = await CliRunner.RunAsync(dir, "--admin-path", dir.Combine("none.sock"), "locks", "--top", "x");

        result.ExitCode.Should().Be(1);
        result.Err.Should().Contain("--top: 'x' is not a whole number (0 or more)").And.NotContain("System.");
    }
}
