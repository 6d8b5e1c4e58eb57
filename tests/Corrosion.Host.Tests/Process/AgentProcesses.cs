using System.Net;
using System.Net.Sockets;

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

    /// <summary>A loopback TCP port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
