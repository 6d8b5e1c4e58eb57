using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport;

namespace Corrosion.Gossip.Tests.Sync;

internal static class SyncServing
{
    /// <summary>Serves the first connection <paramref name="transport"/> accepts with <paramref name="session"/>.</summary>
    public static async Task<SyncResult> ServeOneAsync(IPeerTransport transport, SyncSession session, CancellationToken cancellationToken)
    {
        await foreach (var connection in transport.AcceptAsync(cancellationToken))
        {
            await using (connection)
            {
                return await session.ServeAsync(connection, cancellationToken);
            }
        }

        throw new InvalidOperationException("no connection accepted");
    }
}
