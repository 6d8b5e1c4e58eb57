using Microsoft.Extensions.Hosting;

namespace Corrosion.DependencyInjection;

/// <summary>Opens the node (database and schema) when the host starts and closes it when the host stops.</summary>
internal sealed class CorrosionNodeHostedService(CorrosionNode node) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => node.StartAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await node.DisposeAsync().ConfigureAwait(false);
}
