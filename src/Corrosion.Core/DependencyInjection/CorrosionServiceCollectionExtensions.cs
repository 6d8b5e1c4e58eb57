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
    /// Adds a replicated SQLite node (<see cref="ICorrosionNode"/>), opened when the host starts. Idempotent.
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CorrosionNodeHostedService>());
        return new CorrosionBuilder(services);
    }
}
