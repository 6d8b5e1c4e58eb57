using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Corrosion.Host.Tests.Process;

/// <summary>What tests that run real agents share (also compiled into Corrosion.Cluster.Tests).</summary>
internal static class AgentProcesses
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public const string TodoSchema = """
        CREATE TABLE todos (
        id BLOB NOT NULL PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        completed_at INTEGER
        );
        """;

    /// <summary>Waits for the agent's "Starting public API server on tcp/..." line and returns the address.</summary>
    public static async Task<string> WaitForApiAsync(CorrosionProcess agent)
    {
        var line = await agent.WaitForLineAsync("Starting public API server on tcp/", Deadline);
        return line[(line.IndexOf("tcp/", StringComparison.Ordinal) + 4)..].Trim();
    }

    /// <summary>Waits for the agent's peer API line and returns the gossip address it bound.</summary>
    public static async Task<string> WaitForGossipAsync(CorrosionProcess agent)
    {
        var line = await agent.WaitForLineAsync("Starting peer API on tcp+udp/", Deadline);
        return line[(line.IndexOf("tcp+udp/", StringComparison.Ordinal) + 8)..].Trim();
    }

    /// <summary>
    /// Writes <c>&lt;node&gt;/config.toml</c> for an agent whose data, schema (<c>&lt;node&gt;/schema</c>) and admin socket
    /// live under <paramref name="dir"/>, and returns its path.
    /// </summary>
    /// <param name="bootstrap">A whole <c>bootstrap = [...]</c> line, or empty.</param>
    /// <param name="gossipSecurity">What secures gossip: plaintext, or e.g. <see cref="MutualTlsSections"/>.</param>
    public static string WriteConfig(TempDir dir, string node, int apiPort, string bootstrap = "", string gossipAddr = "[::1]:0", string gossipSecurity = "plaintext = true") =>
        dir.Write($"{node}/config.toml", $"""
            [db]
            path = "{dir.Combine(node, "state.db")}"
            schema_paths = ["{dir.Combine(node, "schema")}"]
            [gossip]
            addr = "{gossipAddr}"
            {bootstrap}
            {gossipSecurity}
            [api]
            addr = "127.0.0.1:{apiPort}"
            [admin]
            path = "{dir.Combine(node, "admin.sock")}"
            """);

    /// <summary>
    /// Makes a CA, a server certificate for 127.0.0.1 and a client certificate with <c>corrosion tls</c> in
    /// <c>&lt;dir&gt;/&lt;name&gt;</c>, and returns that directory.
    /// </summary>
    public static async Task<string> GeneratePkiAsync(TempDir dir, string name)
    {
        var pki = dir.Combine(name);
        string[] ca = ["--ca-key", Path.Combine(pki, "ca_key.pem"), "--ca-cert", Path.Combine(pki, "ca_cert.pem"), "--output-path", pki];
        string[][] commands = [["tls", "ca", "generate", "--output-path", pki], ["tls", "server", "generate", "127.0.0.1", .. ca], ["tls", "client", "generate", .. ca]];
        foreach (var command in commands)
        {
            var (exit, _, error) = await CorrosionProcess.RunAsync(dir.Path, Deadline, command);
            if (exit != 0)
            {
                throw new InvalidOperationException($"corrosion {string.Join(' ', command)} exited with {exit}: {error}");
            }
        }

        return pki;
    }

    /// <summary>The <c>[gossip.tls]</c> and <c>[gossip.tls.client]</c> sections for mutual TLS with <see cref="GeneratePkiAsync"/>'s files.</summary>
    public static string MutualTlsSections(string pki) => $"""
        [gossip.tls]
        cert_file = "{Path.Combine(pki, "server_cert.pem")}"
        key_file = "{Path.Combine(pki, "server_key.pem")}"
        ca_file = "{Path.Combine(pki, "ca_cert.pem")}"
        [gossip.tls.client]
        cert_file = "{Path.Combine(pki, "client_cert.pem")}"
        key_file = "{Path.Combine(pki, "client_key.pem")}"
        """;

    /// <summary>
    /// Runs <paramref name="sql"/> through the agent's <c>/v1/queries</c> and returns each row's cells as a JSON array,
    /// in the order the rows came; an error answer throws with its body.
    /// </summary>
    public static async Task<List<string>> QueryRowsAsync(HttpClient http, int apiPort, string sql)
    {
        using var response = await http.PostAsync($"http://127.0.0.1:{apiPort}/v1/queries", JsonContent.Create(sql));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"/v1/queries on port {apiPort} answered {(int)response.StatusCode} to {sql}: {body}");
        }

        return [.. body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("{\"row\"", StringComparison.Ordinal))
            .Select(l =>
            {
                using var row = JsonDocument.Parse(l);
                return row.RootElement.GetProperty("row")[1].GetRawText();
            })];
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds, or fails after <see cref="Deadline"/>.</summary>
    public static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {Deadline.TotalSeconds}s waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A loopback TCP port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
