using System.Net;
using System.Net.Sockets;

namespace Corrosion.Cluster.Tests;

/// <summary>Certificates made by `corrosion tls ...` secure a real two-node cluster with mutual TLS.</summary>
public sealed class TlsClusterTests
{
    private static readonly TimeSpan Deadline = AgentProcesses.Deadline;

    [Fact]
    public async Task Two_agents_replicate_over_mutual_tls_with_generated_certificates()
    {
        using var dir = new TempDir();
        var pki = dir.Combine("pki");
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, "tls", "ca", "generate", "--output-path", pki)).ExitCode.Should().Be(0);
        var ca = new[] { "--ca-key", Path.Combine(pki, "ca_key.pem"), "--ca-cert", Path.Combine(pki, "ca_cert.pem"), "--output-path", pki };
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, ["tls", "server", "generate", "127.0.0.1", .. ca])).ExitCode.Should().Be(0);
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, ["tls", "client", "generate", .. ca])).ExitCode.Should().Be(0);

        string Config(string node, string bootstrap)
        {
            dir.Write($"{node}/schema/todo.sql", AgentProcesses.TodoSchema);
            return dir.Write($"{node}/config.toml", $"""
                [db]
                path = "{dir.Combine(node, "state.db")}"
                schema_paths = ["{dir.Combine(node, "schema")}"]
                [gossip]
                addr = "127.0.0.1:0"
                {bootstrap}
                [gossip.tls]
                cert_file = "{Path.Combine(pki, "server_cert.pem")}"
                key_file = "{Path.Combine(pki, "server_key.pem")}"
                ca_file = "{Path.Combine(pki, "ca_cert.pem")}"
                [gossip.tls.client]
                cert_file = "{Path.Combine(pki, "client_cert.pem")}"
                key_file = "{Path.Combine(pki, "client_key.pem")}"
                [api]
                addr = "127.0.0.1:{AgentProcesses.FreePort()}"
                [admin]
                path = "{dir.Combine(node, "admin.sock")}"
                """);
        }

        var configA = Config("a", string.Empty);
        await using var a = CorrosionProcess.Start(dir.Path, "-c", configA, "agent");
        var gossipA = await AgentProcesses.WaitForGossipAsync(a);
        await AgentProcesses.WaitForApiAsync(a);
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configA, "exec", "--param", "secret", "INSERT INTO todos (id) VALUES (?)")).ExitCode.Should().Be(0);

        var configB = Config("b", $"bootstrap = [\"{gossipA}\"]");
        await using var b = CorrosionProcess.Start(dir.Path, "-c", configB, "agent");
        await AgentProcesses.WaitForApiAsync(b);
        var deadline = DateTime.UtcNow + Deadline;
        string rows;
        while ((rows = await Sqlite3.RunAsync(dir.Combine("b", "state.db"), "SELECT id FROM todos;", Deadline)) != "secret\n" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        rows.Should().Be("secret\n", "the row crosses the mutual-TLS cluster");
        (await b.TerminateAsync(Deadline)).Should().Be(0, b.Stderr);
        (await a.TerminateAsync(Deadline)).Should().Be(0, a.Stderr);
    }
}
