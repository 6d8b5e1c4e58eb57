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
        var pki = await AgentProcesses.GeneratePkiAsync(dir, "pki");
        string Config(string node, string bootstrap) => WriteConfig(dir, node, pki, bootstrap);

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

    [Fact]
    public async Task A_node_with_a_certificate_from_another_ca_is_refused_says_why_and_does_not_disturb_the_cluster()
    {
        using var dir = new TempDir();
        var cluster = await AgentProcesses.GeneratePkiAsync(dir, "pki");
        var foreign = await AgentProcesses.GeneratePkiAsync(dir, "foreign");
        string Config(string node, string pki, string bootstrap) => WriteConfig(dir, node, pki, bootstrap);

        var configA = Config("a", cluster, string.Empty);
        await using var a = CorrosionProcess.Start(dir.Path, "-c", configA, "agent");
        var gossipA = await AgentProcesses.WaitForGossipAsync(a);
        await AgentProcesses.WaitForApiAsync(a);
        var configB = Config("b", cluster, $"bootstrap = [\"{gossipA}\"]");
        await using var b = CorrosionProcess.Start(dir.Path, "-c", configB, "agent");
        await AgentProcesses.WaitForApiAsync(b);
        var configX = Config("x", foreign, $"bootstrap = [\"{gossipA}\"]");
        await using var x = CorrosionProcess.Start(dir.Path, "-c", configX, "agent");
        var gossipX = await AgentProcesses.WaitForGossipAsync(x);
        await AgentProcesses.WaitForApiAsync(x);

        (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configX, "exec", "--param", "intruder", "INSERT INTO todos (id) VALUES (?)")).ExitCode.Should().Be(0);
        (await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", configA, "exec", "--param", "member", "INSERT INTO todos (id) VALUES (?)")).ExitCode.Should().Be(0);

        // The intruder says why it gets nowhere, and the member it dialled says why it refused it.
        await x.WaitForLineAsync("refused its server certificate", Deadline);
        await x.WaitForLineAsync("no answer yet to", Deadline);
        await a.WaitForLineAsync("refused its client certificate", Deadline);

        var deadline = DateTime.UtcNow + Deadline;
        string rows;
        while ((rows = await Sqlite3.RunAsync(dir.Combine("b", "state.db"), "SELECT id FROM todos ORDER BY id;", Deadline)) != "member\n" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        rows.Should().Be("member\n", "the members replicate, and nothing of the intruder's reaches them");
        (await Sqlite3.RunAsync(dir.Combine("a", "state.db"), "SELECT id FROM todos ORDER BY id;", Deadline)).Should().Be("member\n");
        (await Sqlite3.RunAsync(dir.Combine("x", "state.db"), "SELECT id FROM todos ORDER BY id;", Deadline)).Should().Be("intruder\n");
        a.Lines.Concat(b.Lines).Should().NotContain(l => l.Contains($"at {gossipX} is now Alive", StringComparison.Ordinal), "the intruder never becomes a member");

        (await x.TerminateAsync(Deadline)).Should().Be(0, x.Stderr);
        (await b.TerminateAsync(Deadline)).Should().Be(0, b.Stderr);
        (await a.TerminateAsync(Deadline)).Should().Be(0, a.Stderr);
    }

    /// <summary>A node's config with mutual TLS from <paramref name="pki"/>; returns its path.</summary>
    private static string WriteConfig(TempDir dir, string node, string pki, string bootstrap)
    {
        dir.Write($"{node}/schema/todo.sql", AgentProcesses.TodoSchema);
        return AgentProcesses.WriteConfig(dir, node, AgentProcesses.FreePort(), bootstrap, "127.0.0.1:0", AgentProcesses.MutualTlsSections(pki));
    }
}
