using Corrosion;
using Corrosion.DependencyInjection;
using Corrosion.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a Corrosion node in a service collection.</summary>
public static class CorrosionServiceCollectionExtensions
{
    /// <summary>
    /// Adds a replicated SQLite node (<see cref="ICorrosionNode"/>), opened when the host starts, before any other
    /// hosted service starts, and closed after they have all stopped; its subscription and table-watch streams end
    /// (cleanly) as soon as the host begins to stop, so endpoints streaming them do not hold the server's stop. Idempotent. The options are validated at start
    /// (an <see cref="OptionsValidationException"/> lists every problem). Options configured elsewhere
    /// (<c>services.Configure&lt;CorrosionOptions&gt;(configuration.GetSection("Corrosion"))</c>) apply too; all
    /// configure actions run in the order they were registered.
    /// </summary>
    public static ICorrosionBuilder AddCorrosion(this IServiceCollection services, Action<CorrosionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions();
        services.AddLogging();
        services.AddMetrics();
        var options = services.AddOptions<CorrosionOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CorrosionOptions>, CorrosionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CorrosionNode>();
        services.TryAddSingleton<ICorrosionNode>(sp => sp.GetRequiredService<CorrosionNode>());
        // First of the hosted services, whatever the app registered before AddCorrosion(): the node opens before any
        // other hosted service starts and closes after they have all stopped (the host stops them in reverse), so an
        // app's own services can use ICorrosionNode in StartAsync and StopAsync.
        if (!services.Any(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(CorrosionNodeHostedService)))
        {
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService, CorrosionNodeHostedService>());
        }

        return new CorrosionBuilder(services);
    }
}
