using Microsoft.Extensions.Hosting;

namespace Corrosion.DependencyInjection;

/// <summary>
/// Opens the node (database and schema) when the host starts, ends its streams when the host begins to stop, and
/// closes it when the host stops.
/// </summary>
internal sealed class CorrosionNodeHostedService(CorrosionNode node, IHostApplicationLifetime? lifetime = null) : IHostedService, IDisposable
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Registered first, this service stops last, after the server has waited for open requests: an app endpoint
        // streaming a subscription would hold the stop for the host's whole shutdown timeout. So the node's streams
        // end as soon as the host begins stopping.
        _stopping = lifetime?.ApplicationStopping.Register(static state => ((CorrosionNode)state!).EndStreams(), node) ?? default;
        return node.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.DisposeAsync().ConfigureAwait(false);
        await node.DisposeAsync().ConfigureAwait(false);
    }

    public void Dispose() => _stopping.Dispose();
}
