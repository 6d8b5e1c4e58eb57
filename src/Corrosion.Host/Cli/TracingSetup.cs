using System.Reflection;
using Corrosion.Host.Config;
using Corrosion.Host.Logging;
using Corrosion.Tracing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Corrosion.Host.Cli;

/// <summary>
/// <c>telemetry.open-telemetry</c>: the OpenTelemetry SDK with an OTLP trace exporter for the engine's spans
/// (<see cref="CorrosionActivitySource.Name"/>). Without the key the SDK is not registered at all, so nothing listens
/// to the source and the engine starts no span.
/// </summary>
internal static class TracingSetup
{
    /// <summary>The service name when neither <c>OTEL_SERVICE_NAME</c> nor <c>service.name</c> in <c>OTEL_RESOURCE_ATTRIBUTES</c> names one.</summary>
    public const string DefaultServiceName = "corrosion";

    public static IServiceCollection AddCorrosionTracing(this IServiceCollection services, OpenTelemetryConfig config)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // The SDK's default resource already reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; a name given
                // there wins over ours.
                if (!NamedByEnvironment())
                {
                    resource.AddService(DefaultServiceName, serviceVersion: Version());
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(CorrosionActivitySource.Name);

                // A server span per API request (the engine's spans nest under it, and a caller's traceparent joins
                // them to its trace); scrapes of the Prometheus listener are left out.
                tracing.AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !PrometheusListener.IsMetricsRequest(context));

                // ASP.NET Core starts an activity per request even when nobody samples it (for its log scopes), so
                // the engine's spans have a local parent that is not recorded; the SDK's default (parent-based)
                // sampler would drop them all. Ours follows a remote caller's decision and samples the rest.
                // OTEL_TRACES_SAMPLER, when set, chooses instead.
                if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_TRACES_SAMPLER")))
                {
                    tracing.SetSampler(new ParentBasedSampler(new AlwaysOnSampler(), localParentNotSampled: new AlwaysOnSampler()));
                }

                tracing.AddOtlpExporter(otlp =>
                {
                    // from-env: the SDK's defaults read OTEL_EXPORTER_OTLP_* (endpoint, protocol, headers, timeout)
                    // and OTEL_BSP_* for batching. exporter.endpoint: gRPC to that address, like the original.
                    if (config.ExporterUri is { } endpoint)
                    {
                        otlp.Endpoint = endpoint;
                        otlp.Protocol = OtlpExportProtocol.Grpc;
                    }
                });
            });
        return services;
    }

    /// <summary>Logs the exporter, its protocol and endpoint as the SDK resolved them.</summary>
    public static void LogStarted(IServiceProvider services, OpenTelemetryConfig config, ILogger logger)
    {
        if (config.ExporterUri is { } endpoint)
        {
            Log.StartingOpenTelemetry(logger, "grpc", endpoint.ToString(), "telemetry.open-telemetry.exporter.endpoint");
            return;
        }

        // The options as the SDK built them from the environment (the exporter's own configure step is not in them).
        var otlp = services.GetRequiredService<IOptionsMonitor<OtlpExporterOptions>>().Get(Microsoft.Extensions.Options.Options.DefaultName);
        var protocol = otlp.Protocol == OtlpExportProtocol.Grpc ? "grpc" : "http/protobuf";
        Log.StartingOpenTelemetry(logger, protocol, otlp.Endpoint.ToString(), "OTEL_* environment");
    }

    private static bool NamedByEnvironment()
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME")))
        {
            return true;
        }

        var attributes = Environment.GetEnvironmentVariable("OTEL_RESOURCE_ATTRIBUTES") ?? string.Empty;
        return attributes.Split(',').Any(a => a.TrimStart().StartsWith("service.name=", StringComparison.Ordinal));
    }

    private static string Version()
    {
        var informational = typeof(TracingSetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}
