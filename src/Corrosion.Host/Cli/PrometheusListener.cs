using System.Net;
using Corrosion.Host.Logging;
using Corrosion.Http.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Cli;

/// <summary>
/// <c>telemetry.prometheus.addr</c>: a Kestrel listener of its own on which every GET returns the metrics (and
/// nothing else is served), next to the API listeners. Connections accepted there are tagged, and the tag routes
/// their requests to the exporter before the API's endpoints see them.
/// </summary>
internal sealed class PrometheusListener
{
    private ListenOptions? _listen;

    /// <summary>The bound address (with the real port when configured with port 0), once Kestrel has started.</summary>
    public IPEndPoint? BoundEndPoint => _listen?.IPEndPoint;

    public void Listen(KestrelServerOptions kestrel, IPEndPoint address) =>
        kestrel.Listen(address, listen =>
        {
            _listen = listen;
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection =>
            {
                connection.Features.Set(MetricsConnection.Instance);
                return next(connection);
            });
        });

    /// <summary>Whether a request came in on the metrics listener (scrapes are not traced).</summary>
    public static bool IsMetricsRequest(HttpContext context) => context.Features.Get<MetricsConnection>() is not null;

    /// <summary>Answers the tagged connections' requests: GET or HEAD anywhere → metrics; anything else → 405.</summary>
    public static void UseOn(WebApplication app)
    {
        var exporter = app.Services.GetRequiredService<PrometheusExporter>();
        app.Use((context, next) =>
        {
            if (context.Features.Get<MetricsConnection>() is null)
            {
                return next(context);
            }

            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = "GET, HEAD";
                return Task.CompletedTask;
            }

            return MetricsEndpointRouteBuilderExtensions.WriteAsync(context, exporter);
        });
    }

    public void LogStarted(ILogger logger)
    {
        if (BoundEndPoint is { } bound)
        {
            Log.StartingPrometheus(logger, bound.ToString());
        }
    }

    /// <summary>The tag on connections accepted by the metrics listener.</summary>
    private sealed class MetricsConnection
    {
        public static readonly MetricsConnection Instance = new();
    }
}
