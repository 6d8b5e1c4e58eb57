using System.Net;
using Corrosion.Gossip.Cluster;
using Corrosion.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.Gossip.Tests.Cluster;

/// <summary>The cluster layer of a node on plaintext loopback with an OS-assigned port, as the agent builds it.</summary>
internal static class LoopbackClusterService
{
    public static ClusterService Create(ICorrosionNode node, params string[] bootstrap) =>
        Create(node, NullLoggerFactory.Instance, bootstrap);

    public static ClusterService Create(ICorrosionNode node, Microsoft.Extensions.Logging.ILoggerFactory loggerFactory, params string[] bootstrap)
    {
        var options = new GossipOptions { Transport = { Addr = "127.0.0.1:0", Plaintext = true } };
        foreach (var entry in bootstrap)
        {
            options.Bootstrap.Add(entry);
        }

        return new ClusterService(node, Microsoft.Extensions.Options.Options.Create(options), loggerFactory, TimeProvider.System);
    }

    /// <summary>The bootstrap entry that reaches <paramref name="service"/> (started) on loopback.</summary>
    public static string AddressOf(ClusterService service) => $"127.0.0.1:{((IPEndPoint)service.LocalEndPoint!).Port}";

    /// <summary>
    /// Waits until each of two started services holds the other's node alive: both ways, since a learns of b from b's
    /// announce before b hears back, and a leave or a broadcast goes only to members a node knows.
    /// </summary>
    public static Task SeeEachOtherAsync(ClusterService a, ICorrosionNode nodeA, ClusterService b, ICorrosionNode nodeB, TimeSpan deadline) =>
        Eventually.UntilAsync(
            () => Task.FromResult(a.Members.Active.Any(m => m.Member.Id == nodeB.ActorId) && b.Members.Active.Any(m => m.Member.Id == nodeA.ActorId)),
            deadline,
            "a and b see each other alive");
}
