using Corrosion;
using Corrosion.DependencyInjection;
using Corrosion.Http.PgWire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PostgreSQL wire protocol listeners (<c>api.pg</c>).</summary>
public static class PgWireServiceCollectionExtensions
{
    /// <summary>
    /// Adds one PostgreSQL wire protocol listener over the node registered by <c>AddCorrosion()</c>. Each call adds
    /// another listener (one per <c>api.pg</c> entry); its options are validated when the host starts. Resolve
    /// <c>IEnumerable&lt;PgWireServer&gt;</c> to read the bound addresses.
    /// </summary>
    public static ICorrosionBuilder AddPgWire(this ICorrosionBuilder builder, Action<PgWireOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddCorrosionPgWire(configure);
        return builder;
    }

    /// <inheritdoc cref="AddPgWire"/>
    public static IServiceCollection AddCorrosionPgWire(this IServiceCollection services, Action<PgWireOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddLogging();
        var options = new PgWireOptions();
        configure(options);

        // The hosted service is the same instance as the PgWireServer registration at this position.
        var index = services.Count(d => d.ServiceType == typeof(PgWireServer));
        services.AddSingleton(sp => new PgWireServer(options, sp.GetRequiredService<ICorrosionNode>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IHostedService>(sp => sp.GetServices<PgWireServer>().ElementAt(index));
        return services;
    }
}
