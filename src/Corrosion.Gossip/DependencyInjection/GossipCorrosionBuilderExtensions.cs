using Corrosion.DependencyInjection;
using Corrosion.Gossip;
using Corrosion.Gossip.Cluster;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the cluster layer to a Corrosion node.</summary>
public static class GossipCorrosionBuilderExtensions
{
    /// <summary>
    /// Joins the node to a cluster: peer transport, SWIM membership, broadcast of local commits and anti-entropy
    /// sync, started after the node opens. Idempotent; each <paramref name="configure"/> is applied, and options
    /// configured elsewhere (<c>services.Configure&lt;GossipOptions&gt;(configuration.GetSection("Gossip"))</c>) apply too.
    /// The options are validated when the host starts, before the node opens its database
    /// (an <see cref="OptionsValidationException"/> lists every problem, each naming its key).
    /// </summary>
    public static ICorrosionBuilder AddGossip(this ICorrosionBuilder builder, Action<GossipOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<GossipOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GossipOptions>, GossipOptionsValidator>());
        builder.Services.TryAddSingleton<ClusterService>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClusterService>(sp => sp.GetRequiredService<ClusterService>()));
        return builder;
    }
}
