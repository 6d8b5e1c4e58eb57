using Corrosion;
using Corrosion.Http;
using Corrosion.Http.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps Corrosion's HTTP API.</summary>
public static class CorrosionEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the <c>/v1</c> group: <c>POST /v1/transactions</c>, <c>POST /v1/queries</c>, <c>POST /v1/subscriptions</c>,
    /// <c>GET /v1/subscriptions/{id}</c> and <c>GET /v1/updates/{table}</c>, behind the bearer token
    /// when <see cref="HttpApiOptions.BearerToken"/> is set. Returns the group so the app can add conventions.
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>AddCorrosion()</c> was not called: no <see cref="ICorrosionNode"/> is registered.</exception>
    public static RouteGroupBuilder MapCorrosion(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var node = services.GetService<ICorrosionNode>() ?? throw new InvalidOperationException("Call AddCorrosion() first.");

        // Without AddHttpApi() the defaults serve (no token, 8 MiB bodies, 60 s queries).
        var options = services.GetService<IOptions<HttpApiOptions>>() ?? Options.Create(new HttpApiOptions());
        var api = new HttpApiContext(
            node,
            options,
            services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<System.Diagnostics.Metrics.IMeterFactory>());

        var group = endpoints.MapGroup("/v1");
        group.AddEndpointFilter(new BearerTokenFilter(api));
        TransactionsEndpoints.Map(group, api);
        QueriesEndpoints.Map(group, api);
        SubscriptionsEndpoints.Map(group, api);
        UpdatesEndpoints.Map(group, api);
        return group;
    }
}
