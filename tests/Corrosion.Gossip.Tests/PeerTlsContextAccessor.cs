using Corrosion.Gossip.Transport;

namespace Corrosion.Gossip.Tests;

/// <summary>Reaches the internal TLS context so tests can seal datagrams with a cluster's key.</summary>
internal static class PeerTlsContextAccessor
{
    public static PeerTlsContext Load(GossipTlsOptions options) => PeerTlsContext.Load(options);
}
