using System.Net.Sockets;
using System.Text;
using Corrosion.Host.Admin;
using Corrosion.Host.Config;
using Corrosion.Host.Cli;
using Corrosion.Host.Tests.Process;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.Host.Tests.Admin;

public sealed class AdminSocketTests
{
    private const string Schema = """
        CREATE TABLE todos (
        id BLOB NOT NULL PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        completed_at INTEGER
        );
        """;

    private static IHost BuildHost(TempDir dir, string socketPath)
    {
        dir.Write("schema/todo.sql", Schema);
        var config = new CorrosionConfig();
        config.Db.Path = dir.Combine("state.db");
        config.Db.SchemaPaths = [dir.Combine("schema")];
        config.Admin.Path = socketPath;
        config.Gossip.Addr = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0);
        config.Gossip.Plaintext = true;
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddCorrosionAgentServices(config);
        return builder.Build();
    }

    /// <summary>Starts an agent's services; disposing stops them (the socket file goes away) and disposes the host.</summary>
    private static async Task<RunningAgent> StartAsync(TempDir dir, string socketPath)
    {
        var host = BuildHost(dir, socketPath);
        await host.StartAsync();
        return new RunningAgent(host);
    }

    private sealed class RunningAgent(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Fact]
    public async Task Round_trip_answers_every_command()
    {
        using var dir = new TempDir();
        var socket = dir.Combine("run", "admin.sock");
        await using (var host = await StartAsync(dir, socket))
        {
            var node = host.Services.GetRequiredService<ICorrosionNode>();

            (await AdminClient.SendAsync(socket, AdminCommands.Ping, default)).GetString().Should().Be("pong");
            (await AdminClient.SendAsync(socket, AdminCommands.ActorId, default)).GetString().Should().Be(node.ActorId.ToString());
            (await AdminClient.SendAsync(socket, AdminCommands.ClusterMembers, default)).GetArrayLength().Should().Be(0);
            var state = await AdminClient.SendAsync(socket, AdminCommands.SyncState, default);
            state.GetProperty("actor_id").GetString().Should().Be(node.ActorId.ToString());
            state.GetProperty("heads").EnumerateObject().Should().BeEmpty();
            var reload = await AdminClient.SendAsync(socket, AdminCommands.Reload, default);
            reload.GetProperty("created_tables").GetArrayLength().Should().Be(0);
        }

        File.Exists(socket).Should().BeFalse("the socket file is removed on clean shutdown");
    }

    [Fact]
    public async Task Locks_shows_the_transaction_holding_the_writer_and_the_one_waiting_for_it()
    {
        using var dir = new TempDir();
        var socket = dir.Combine("run", "admin.sock");
        await using (var host = await StartAsync(dir, socket))
        {
            var node = host.Services.GetRequiredService<ICorrosionNode>();
            (await AdminClient.SendAsync(socket, AdminCommands.Locks, default)).GetArrayLength().Should().Be(0, "nothing holds the writer");

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var endless = Task.Run(() => node.ExecuteAsync(
                ["SELECT count(*) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n)"], stop.Token));
            await AgentProcesses.PollAsync(
                async () => (await AdminClient.SendAsync(socket, AdminCommands.Locks, default)).GetArrayLength() == 1,
                "the endless transaction holds the writer");
            var waiting = Task.Run(() => node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('w', 'waits')"]));
            await AgentProcesses.PollAsync(
                async () => (await AdminClient.SendAsync(socket, AdminCommands.Locks, default)).GetArrayLength() == 2,
                "the insert waits for the writer");

            var locks = (await AdminClient.SendAsync(socket, AdminCommands.Locks, default)).EnumerateArray().ToList();
            locks.Select(l => (l.GetProperty("label").GetString(), l.GetProperty("state").GetString()))
                .Should().Equal(("transaction", "locked"), ("transaction", "waiting"));
            locks[0].GetProperty("secs").GetDouble().Should().BeGreaterThan(0);

            await stop.CancelAsync();
            // Cancelling interrupts the running statement: it fails as interrupted, and the transaction rolls back.
            await FluentActions.Awaiting(() => endless).Should().ThrowAsync<Exception>().Where(e => e.GetType() == typeof(OperationCanceledException) || e.GetType() == typeof(StatementException));
            (await waiting).Version.Should().NotBeNull();

            // The insert's changes are read back for the broadcast after it answers, still holding the writer.
            await AgentProcesses.PollAsync(
                async () => (await AdminClient.SendAsync(socket, AdminCommands.Locks, default)).GetArrayLength() == 0,
                "the writer is released once the insert is published");
        }
    }

    [Fact]
    public async Task Socket_is_owner_only_and_answers_several_requests_and_errors_on_one_connection()
    {
        using var dir = new TempDir();
        var socket = dir.Combine("run", "admin.sock");
        await using (var host = await StartAsync(dir, socket))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(socket).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(new UnixDomainSocketEndPoint(socket));
            await using var stream = new NetworkStream(client);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await stream.WriteAsync(Encoding.UTF8.GetBytes("{\"cmd\":\"ping\"}\nnot json\n{\"cmd\":\"cluster_rejoin\"}\n{\"nope\":1}\n{\"cmd\":\"ping\"}\n"));

            (await reader.ReadLineAsync()).Should().Be("{\"ok\":\"pong\"}");
            (await reader.ReadLineAsync()).Should().StartWith("{\"error\":\"request is not JSON");
            (await reader.ReadLineAsync()).Should().Be("{\"error\":\"unknown command 'cluster_rejoin' (known: ping, actor_id, cluster_members, sync_state, reload, subs_list, locks)\"}");
            (await reader.ReadLineAsync()).Should().Be("{\"error\":\"expected {\\\"cmd\\\":\\\"<command>\\\"}\"}");
            (await reader.ReadLineAsync()).Should().Be("{\"ok\":\"pong\"}");
        }
    }

    [Fact]
    public async Task Stale_socket_file_from_a_crash_is_replaced()
    {
        using var dir = new TempDir();
        var socket = dir.Combine("admin.sock");
        // A crashed agent leaves its socket file behind with nobody listening. (.NET unlinks the path of a socket
        // it bound when it is disposed, so move the file away from under it first, as a crash would leave it.)
        var bound = dir.Combine("bound.sock");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            dead.Bind(new UnixDomainSocketEndPoint(bound));
            dead.Listen();
            File.Move(bound, socket);
        }

        File.Exists(socket).Should().BeTrue();
        await using (var host = await StartAsync(dir, socket))
        {
            (await AdminClient.SendAsync(socket, AdminCommands.Ping, default)).GetString().Should().Be("pong");
        }
    }

    [Fact]
    public async Task A_second_agent_on_the_same_socket_fails_with_a_clear_error()
    {
        using var dir = new TempDir();
        var socket = dir.Combine("admin.sock");
        using var live = await AdminSocketService.BindAsync(socket, NullLogger.Instance, default);

        var act = () => AdminSocketService.BindAsync(socket, NullLogger.Instance, default);

        (await act.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage($"another Corrosion agent is already listening on the admin socket {socket}*");
    }

    [Fact]
    public async Task A_regular_file_at_the_socket_path_is_never_deleted()
    {
        using var dir = new TempDir();
        var path = dir.Write("state.db", "not a socket");

        var act = () => AdminSocketService.BindAsync(path, NullLogger.Instance, default);

        (await act.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage($"admin socket path {path} exists and is not a socket; refusing to replace it (check admin.path)");
        File.ReadAllText(path).Should().Be("not a socket");
    }

    [Fact]
    public async Task Cli_admin_commands_talk_to_the_socket()
    {
        using var dir = new TempDir();
        var socket = dir.Combine("admin.sock");
        await using (var host = await StartAsync(dir, socket))
        {
            var node = host.Services.GetRequiredService<ICorrosionNode>();

            var actor = await CliRunner.RunAsync(dir, "--admin-path", socket, "actor", "id");
            var members = await CliRunner.RunAsync(dir, "--admin-path", socket, "cluster", "members");
            var reload = await CliRunner.RunAsync(dir, "--admin-path", socket, "reload");
            var locks = await CliRunner.RunAsync(dir, "--admin-path", socket, "locks", "--top", "5");

            actor.Should().Be((0, node.ActorId + "\n", string.Empty));
            members.Should().Be((0, string.Empty, string.Empty));
            locks.Should().Be((0, string.Empty, string.Empty), "nothing holds the writer between commands");
            reload.ExitCode.Should().Be(0);
            reload.Out.Should().EndWith("Reloaded schema: 0 table(s) created, 0 altered\n");
        }
    }

    [Fact]
    public async Task With_admin_path_a_broken_default_config_is_passed_over_but_a_named_one_is_not()
    {
        using var dir = new TempDir();
        var socket = dir.Combine("admin.sock");
        var broken = dir.Write("default-config.toml", "[db]\npath = \"/x.db\"\n");
        await using (var host = await StartAsync(dir, socket))
        {
            var node = host.Services.GetRequiredService<ICorrosionNode>();

            var actor = await CliRunner.RunWithDefaultConfigAsync(broken, "--admin-path", socket, "actor", "id");
            var reload = await CliRunner.RunWithDefaultConfigAsync(broken, "--admin-path", socket, "reload");
            var named = await CliRunner.RunWithDefaultConfigAsync(broken, "-c", broken, "--admin-path", socket, "actor", "id");

            actor.Should().Be((0, node.ActorId + "\n", string.Empty));
            reload.Should().Be((0, "Reloaded schema: 0 table(s) created, 0 altered\n", string.Empty));
            named.ExitCode.Should().Be(1);
            named.Err.Should().StartWith($"corrosion actor id: config {broken}");
        }
    }

    [Fact]
    public async Task Subs_list_and_info_show_live_subscriptions()
    {
        using var dir = new TempDir();
        var socket = dir.Combine("admin.sock");
        await using (var host = await StartAsync(dir, socket))
        {
            var node = host.Services.GetRequiredService<ICorrosionNode>();
            (await CliRunner.RunAsync(dir, "--admin-path", socket, "subs", "list")).Should().Be((0, string.Empty, string.Empty));

            await node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('a', 'one')", "INSERT INTO todos (id, title) VALUES ('b', 'two')"]);
            await using var subscription = await node.SubscribeAsync("SELECT id, title FROM todos");
            await node.ExecuteAsync(["DELETE FROM todos WHERE id = 'a'"]);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (node.ListSubscriptions().Single().LastChangeId != 1)
            {
                DateTime.UtcNow.Should().BeBefore(deadline, "the delete should be matched");
                await Task.Delay(20);
            }

            var list = await CliRunner.RunAsync(dir, "--admin-path", socket, "subs", "list");
            var info = await CliRunner.RunAsync(dir, "--admin-path", socket, "subs", "info", "--id", subscription.Id.ToString());
            var unknown = await CliRunner.RunAsync(dir, "--admin-path", socket, "subs", "info", "--id", Guid.Empty.ToString());

            list.ExitCode.Should().Be(0, list.Err);
            list.Out.Should().Be(
                $$"""{"id":"{{subscription.Id}}","sql":"SELECT id, title FROM todos","columns":["id","title"],"rows":1,"clients":1,"last_change_id":1,"matching":"restricted"}""" + "\n");
            info.ExitCode.Should().Be(0, info.Err);
            info.Out.Should().Contain($"\"id\": \"{subscription.Id}\"").And.Contain("\"rows\": 1");
            unknown.Should().Be((1, string.Empty, $"corrosion subs info: no subscription with id {Guid.Empty}\n"));
        }
    }

    [Fact]
    public async Task Subs_list_and_info_print_sql_with_quotes_and_angle_brackets_as_written()
    {
        using var dir = new TempDir();
        var socket = dir.Combine("admin.sock");
        await using (var host = await StartAsync(dir, socket))
        {
            var node = host.Services.GetRequiredService<ICorrosionNode>();
            const string sql = "SELECT title FROM todos WHERE id = 'a' AND title <> '<&>'";
            await using var subscription = await node.SubscribeAsync(sql);

            var list = await CliRunner.RunAsync(dir, "--admin-path", socket, "subs", "list");
            var info = await CliRunner.RunAsync(dir, "--admin-path", socket, "subs", "info", "--id", subscription.Id.ToString());

            list.ExitCode.Should().Be(0, list.Err);
            list.Out.Should().Contain("\"sql\":\"" + sql + "\"");
            info.ExitCode.Should().Be(0, info.Err);
            info.Out.Should().Contain("\"sql\": \"" + sql + "\"");
        }
    }

    [Fact]
    public async Task Reload_applies_a_new_table_and_reports_a_destructive_change_as_an_error()
    {
        using var dir = new TempDir();
        var socket = dir.Combine("admin.sock");
        await using (var host = await StartAsync(dir, socket))
        {
            dir.Write("schema/more.sql", "CREATE TABLE more (id INTEGER NOT NULL PRIMARY KEY, v TEXT);");
            var added = await CliRunner.RunAsync(dir, "--admin-path", socket, "reload");
            added.ExitCode.Should().Be(0, added.Err);
            added.Out.Should().EndWith("Reloaded schema: 1 table(s) created, 0 altered\n");

            dir.Write("schema/todo.sql", "CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '');");
            var dropped = await CliRunner.RunAsync(dir, "--admin-path", socket, "reload");
            dropped.ExitCode.Should().Be(1);
            dropped.Out.Should().BeEmpty();
            dropped.Err.Should().StartWith("corrosion reload: ").And.Contain("completed_at");

            (await AdminClient.SendAsync(socket, AdminCommands.Ping, default)).GetString().Should().Be("pong", "the agent keeps serving after a failed reload");
        }
    }

    [Fact]
    public async Task Cli_admin_command_without_an_agent_fails_clearly()
    {
        using var dir = new TempDir();
        var socket = dir.Combine("admin.sock");

        var result = await CliRunner.RunAsync(dir, "--admin-path", socket, "actor", "id");

        result.ExitCode.Should().Be(1);
        result.Err.Should().Be($"corrosion actor id: there is no admin socket at {socket} (is the agent running? set the path with --admin-path or admin.path)\n");
    }

    [Fact]
    public async Task Subs_info_with_an_id_that_is_not_a_uuid_says_so()
    {
        using var dir = new TempDir();

        var result = await CliRunner.RunAsync(dir, "--admin-path", dir.Combine("admin.sock"), "subs", "info", "--id", "zzz");

        result.Should().Be((1, string.Empty, "corrosion subs info: --id: 'zzz' is not a UUID\n"));
    }
}
