using Corrosion.DependencyInjection;
using Corrosion.Gossip;
using Corrosion.Gossip.Cluster;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the cluster layer to a Corrosion node.</summary>
public static class GossipCorrosionBuilderExtensions
{
    /// <summary>
    /// Joins the node to a cluster: peer transport, SWIM membership, broadcast of local commits and anti-entropy
    /// sync, started after the node opens. Idempotent.
    /// </summary>
    public static ICorrosionBuilder AddGossip(this ICorrosionBuilder builder, Action<GossipOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<GossipOptions>().Configure(configure);
        builder.Services.TryAddSingleton<ClusterService>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClusterService>(sp => sp.GetRequiredService<ClusterService>()));
        return builder;
    }
}
