using Corrosion.Host.Admin;
using Corrosion.Host.Config;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Corrosion.Host.Cli;

/// <summary>The agent's service wiring, kept apart from the command so tests can build the same host.</summary>
internal static class AgentServices
{
    public static IServiceCollection AddCorrosionAgentServices(this IServiceCollection services, CorrosionConfig config)
    {
        // The engine logs "Actor ID: ..." and the schema lines when its hosted service opens the node.
        var corrosion = services.AddCorrosion(o => ConfigMapper.Apply(config, o))
            .AddHttpApi(o => ConfigMapper.Apply(config, o))
            .AddGossip(o => ConfigMapper.Apply(config, o));

        // One PostgreSQL wire listener per [api] pg entry; each logs "Starting PostgreSQL wire protocol server on ...".
        foreach (var pg in config.Api.Pg)
        {
            corrosion.AddPgWire(o => ConfigMapper.Apply(pg, o));
        }

        // Measurements are aggregated only when someone can scrape them.
        if (config.Telemetry.PrometheusAddr is not null)
        {
            services.AddCorrosionMetrics();
        }

        // Traces are exported only when telemetry.open-telemetry is set; otherwise no SDK listens to the engine's spans.
        if (config.Telemetry.OpenTelemetry is { } openTelemetry)
        {
            services.AddCorrosionTracing(openTelemetry);
        }

        services.Configure<AdminSocketOptions>(o => o.Path = config.Admin.Path);
        services.AddSingleton<AdminCommandHandler>();
        services.AddHostedService<AdminSocketService>();
        return services;
    }

    public static WebApplication MapCorrosionAgent(this WebApplication app)
    {
        app.MapCorrosion();
        return app;
    }
}
