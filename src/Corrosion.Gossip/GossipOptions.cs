using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Membership;
using Corrosion.Gossip.Transport;

namespace Corrosion.Gossip;

/// <summary>The <c>[gossip]</c> section: transport, bootstrap, membership, broadcast and sync settings.</summary>
public sealed class GossipOptions
{
    /// <summary>Transport settings (<c>gossip.addr</c>, <c>external_addr</c>, <c>plaintext</c>, <c>[gossip.tls]</c>, ...).</summary>
    public GossipTransportOptions Transport { get; set; } = new();

    /// <summary><c>gossip.bootstrap</c>: <c>ip:port</c>, <c>name:port</c> or <c>name:port@dns-server:port</c>.</summary>
    public IList<string> Bootstrap { get; set; } = [];

    /// <summary>SWIM timings (the reference's defaults).</summary>
    public SwimOptions Swim { get; set; } = new();

    /// <summary>How committed changes spread by gossip: fanout, hops and chunk size.</summary>
    public BroadcastOptions Broadcast { get; set; } = new();

    /// <summary>Anti-entropy: the pause between sync rounds while peers have something for us.</summary>
    public TimeSpan MinSyncBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Anti-entropy: the longest pause between sync rounds when there is nothing to repair.</summary>
    public TimeSpan MaxSyncBackoff { get; set; } = TimeSpan.FromSeconds(15);
}
