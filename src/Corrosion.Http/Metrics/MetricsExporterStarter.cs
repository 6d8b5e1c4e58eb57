using Microsoft.Extensions.Hosting;

namespace Corrosion.Http.Metrics;

/// <summary>Creates the exporter (and so starts its listener) before the node and the cluster start counting.</summary>
internal sealed class MetricsExporterStarter(IServiceProvider services) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _ = (PrometheusExporter?)services.GetService(typeof(PrometheusExporter));
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
