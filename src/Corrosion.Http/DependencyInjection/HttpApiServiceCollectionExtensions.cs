using Corrosion.DependencyInjection;
using Corrosion.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Corrosion's HTTP API services.</summary>
public static class HttpApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="HttpApiOptions"/> (validated when the host starts) for the <c>/v1</c> API that
    /// <c>app.MapCorrosion()</c> maps. Safe to call more than once; each <paramref name="configure"/> is applied.
    /// </summary>
    public static ICorrosionBuilder AddHttpApi(this ICorrosionBuilder builder, Action<HttpApiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddHttpApiServices(builder.Services, configure);
        return builder;
    }

    internal static void AddHttpApiServices(IServiceCollection services, Action<HttpApiOptions>? configure)
    {
        services.AddLogging();
        var options = services.AddOptions<HttpApiOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpApiOptions>, HttpApiOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpApiOptions>, HttpApiBearerTokenValidator>());
        services.TryAddSingleton(TimeProvider.System);
    }
}
