using Corrosion.Gossip.Cluster;
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
}
