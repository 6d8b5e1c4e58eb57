using System.Net;
using System.Net.Sockets;

namespace Corrosion.Host.Tests.Process;

/// <summary>An agent that cannot start says why in one line naming the config key, and exits 1.</summary>
public sealed class StartupErrorProcessTests
{
    private static readonly TimeSpan Deadline = AgentProcessTests.Deadline;

    [Fact]
    public async Task Api_address_in_use_names_api_addr()
    {
        using var dir = new TempDir();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var addr = (IPEndPoint)taken.LocalEndpoint;
        var config = AgentProcessTests.WriteConfig(dir);

        var agent = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "--api-addr", addr.ToString(), "agent");

        agent.ExitCode.Should().Be(1);
        agent.Err.Should().EndWith($"corrosion agent: api.addr: {addr} is already in use (is another agent running? pick another port)\n");
        ErrorLines(agent.Out).Should().Equal($"ERROR Corrosion.Host.Agent: Corrosion Agent failed: api.addr: {addr} is already in use (is another agent running? pick another port)");
    }

    [Fact]
    public async Task A_refused_schema_file_is_reported_once_without_a_stack_trace()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        var schema = dir.Write("schema/todo.sql", "CREATE TABLE todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL);");

        var agent = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "agent");

        agent.ExitCode.Should().Be(1);
        agent.Err.Should().StartWith($"corrosion agent: schema file {schema}: table 'todos': ");
        agent.Out.Should().NotContain("   at ", "the reason names the file to fix; a stack trace would bury it");
        ErrorLines(agent.Out).Should().ContainSingle().Which.Should().StartWith($"ERROR Corrosion.Host.Agent: Corrosion Agent failed: schema file {schema}: ");
    }

    [Fact]
    public async Task A_database_that_cannot_be_opened_names_db_path_without_a_stack_trace()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        var directory = dir.Combine("data", "state.db");
        Directory.CreateDirectory(directory);

        var agent = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "agent");

        agent.ExitCode.Should().Be(1);
        agent.Err.Should().StartWith($"corrosion agent: db.path: cannot open database '{directory}': ");
        agent.Out.Should().NotContain("   at ", "the reason names the key to fix; a stack trace would bury it");
    }

    [Fact]
    public async Task An_admin_path_held_by_a_listening_socket_is_refused_without_a_stack_trace()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        var path = dir.Combine("run", "admin.sock");
        Directory.CreateDirectory(dir.Combine("run"));
        using var other = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        other.Bind(new UnixDomainSocketEndPoint(path));
        other.Listen(1);

        var agent = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "agent");

        agent.ExitCode.Should().Be(1);
        agent.Err.Should().EndWith($"corrosion agent: another Corrosion agent is already listening on the admin socket {path}; stop it or set a different admin.path\n");
        agent.Out.Should().NotContain("   at ", "the reason names the key to fix; a stack trace would bury it");
        ErrorLines(agent.Out).Should().Equal($"ERROR Corrosion.Host.Agent: Corrosion Agent failed: another Corrosion agent is already listening on the admin socket {path}; stop it or set a different admin.path");
    }

    [Fact]
    public async Task An_admin_path_that_is_not_a_socket_is_refused_without_a_stack_trace()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        var path = dir.Write("run/admin.sock", "not a socket");

        var agent = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "agent");

        agent.ExitCode.Should().Be(1);
        agent.Err.Should().EndWith($"corrosion agent: admin socket path {path} exists and is not a socket; refusing to replace it (check admin.path)\n");
        agent.Out.Should().NotContain("   at ", "the reason names the key to fix; a stack trace would bury it");
        File.ReadAllText(path).Should().Be("not a socket", "a file that is not a socket is never replaced");
    }

    [Fact]
    public async Task An_admin_path_too_long_for_a_unix_socket_names_admin_path_without_a_stack_trace()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        var path = dir.Combine("run", new string('a', 120) + ".sock");

        var agent = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "--admin-path", path, "agent");

        agent.ExitCode.Should().Be(1);
        agent.Err.Should().EndWith($"corrosion agent: admin.path: {path} is too long for a Unix domain socket on this platform; choose a shorter path\n");
        agent.Out.Should().NotContain("   at ", "the reason names the key to fix; a stack trace would bury it");
    }

    /// <summary>The ERROR entries of an agent's log, without their timestamps.</summary>
    private static string[] ErrorLines(string log) =>
        [.. log.Split('\n').Where(l => l.Contains(" ERROR ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..])];

    [Fact]
    public async Task Metrics_address_in_use_names_telemetry_prometheus_addr()
    {
        using var dir = new TempDir();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var addr = (IPEndPoint)taken.LocalEndpoint;
        var config = AgentProcessTests.WriteConfig(dir, $"[telemetry]\nprometheus.addr = \"{addr}\"");

        var agent = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "agent");

        agent.ExitCode.Should().Be(1);
        agent.Err.Should().EndWith($"corrosion agent: telemetry.prometheus.addr: {addr} is already in use (is another agent running? pick another port)\n");
    }

    [Fact]
    public async Task Database_directory_that_cannot_be_created_names_db_path()
    {
        using var dir = new TempDir();
        var file = dir.Write("not-a-dir", "x");
        var config = AgentProcessTests.WriteConfig(dir);
        var dbPath = Path.Combine(file, "state.db");

        var agent = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "--db-path", dbPath, "agent");

        agent.ExitCode.Should().Be(1);
        agent.Err.Should().StartWith($"corrosion agent: db.path: cannot create the directory {file} for {dbPath}: ");
    }

    [Fact]
    public async Task Gossip_without_plaintext_or_tls_is_refused_before_the_database_is_created()
    {
        using var dir = new TempDir();
        var config = dir.Write("config.toml", $"""
            [db]
            path = "{dir.Combine("data", "state.db")}"
            [gossip]
            addr = "127.0.0.1:0"
            [api]
            addr = "127.0.0.1:0"
            [admin]
            path = "{dir.Combine("run", "admin.sock")}"
            """);

        var agent = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "agent");

        agent.ExitCode.Should().Be(1);
        agent.Err.Should().Be($"corrosion agent: config {config}: gossip: neither plaintext nor tls is configured; set gossip.plaintext = true or configure [gossip.tls] (cert_file, key_file)\n");
        Directory.Exists(dir.Combine("data")).Should().BeFalse("nothing was opened");
    }
}
