using Corrosion.Http.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Corrosion's Prometheus exporter.</summary>
public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Starts aggregating the node's metrics (meter <c>Corrosion</c> of this provider's <c>IMeterFactory</c>) for
    /// <c>app.MapCorrosionMetrics()</c>. The listener starts before any hosted service, so nothing the node counts at
    /// start-up is missed. Idempotent.
    /// </summary>
    public static IServiceCollection AddCorrosionMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.TryAddSingleton<PrometheusExporter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MetricsExporterStarter>());
        return services;
    }
}
