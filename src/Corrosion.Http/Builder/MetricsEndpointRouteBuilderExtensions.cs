using Corrosion.Http.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps Corrosion's Prometheus endpoint.</summary>
public static class MetricsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET <paramref name="pattern"/></c> to the node's metrics in Prometheus' text format (0.0.4). Returns the
    /// endpoint's builder so the app can add conventions (authorization, host filters).
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>AddCorrosionMetrics()</c> was not called.</exception>
    public static IEndpointConventionBuilder MapCorrosionMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var exporter = endpoints.ServiceProvider.GetService<PrometheusExporter>()
            ?? throw new InvalidOperationException("Call AddCorrosionMetrics() first.");
        return endpoints.MapGet(pattern, (HttpContext context) => WriteAsync(context, exporter));
    }

    /// <summary>Writes a scrape to <paramref name="context"/>'s response (also used by the host's metrics-only listener).</summary>
    internal static Task WriteAsync(HttpContext context, PrometheusExporter exporter)
    {
        var text = exporter.Collect();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = PrometheusExporter.ContentType;
        context.Response.Headers.CacheControl = "no-cache";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }
}
