using System.Net;

namespace Corrosion.Gossip.Membership;

/// <summary>
/// SWIM settings. Defaults are those of the original (foca 0.19 <c>Config::new_wan</c> as Corrosion configures it);
/// tests and small clusters may lower the periods. Validated when membership starts
/// (<see cref="SwimOptionsValidator"/>). The deadlines these imply are in docs/membership.md.
/// </summary>
public sealed class SwimOptions
{
    /// <summary>Cluster id (<c>gossip.cluster_id</c>); messages from other clusters are ignored.</summary>
    public ushort ClusterId { get; set; }

    /// <summary>Address advertised to peers (<c>gossip.external_addr</c>); the transport's bound address when null.</summary>
    public IPEndPoint? AdvertisedAddress { get; set; }

    /// <summary>Addresses to announce to at start (<c>gossip.bootstrap</c>, already resolved).</summary>
    public IList<EndPoint> Bootstrap { get; } = [];

    /// <summary>One member is probed per period.</summary>
    public TimeSpan ProbePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for a direct ack before asking others to probe indirectly. Less than <see cref="ProbePeriod"/>.</summary>
    public TimeSpan ProbeRtt { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Members asked to probe a member that missed its direct ack.</summary>
    public int NumIndirectProbes { get; set; } = 3;

    /// <summary>
    /// Suspicion timeout = <c>SuspicionMultiplier × max(1, log10 n) × ProbePeriod</c>, n the cluster size (this node
    /// included) when the suspicion starts. The original's 6 × 5 s.
    /// </summary>
    public double SuspicionMultiplier { get; set; } = 6;

    /// <summary>Each update is sent <c>floor(TransmissionMultiplier × log10(n + 1))</c> times (at least once).</summary>
    public double TransmissionMultiplier { get; set; } = 4;

    /// <summary>How often pending updates are gossiped, and to how many active members.</summary>
    public TimeSpan GossipPeriod { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Active members pending updates are sent to every <see cref="GossipPeriod"/> (1 to 64).</summary>
    public int GossipFanout { get; set; } = 4;

    /// <summary>First retry delay of the join announce; doubles until <see cref="AnnounceBackoffMax"/> until someone answers.</summary>
    public TimeSpan AnnounceBackoffInitial { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between retries of the join announce (at least <see cref="AnnounceBackoffInitial"/>).</summary>
    public TimeSpan AnnounceBackoffMax { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Once joined, this often announce to <see cref="AnnounceFanout"/> random active members (their feeds name members
    /// we do not know) and to as many picked among those held down and the bootstrap list (heals partitions).
    /// </summary>
    public TimeSpan AnnouncePeriod { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Members announced to every <see cref="AnnouncePeriod"/>, from each of the two groups (1 to 64).</summary>
    public int AnnounceFanout { get; set; } = 2;

    /// <summary>Down and Left members are forgotten after this long (the original overrides foca to 2 days).</summary>
    public TimeSpan RemoveDownAfter { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Largest SWIM datagram; capped by the transport's MaxDatagramSize (default <c>max_mtu - 13</c> = 1178).</summary>
    public int MaxPacketSize { get; set; } = 1178;

    /// <summary>Members are written to the <see cref="IMemberStore"/> at most this often when they change.</summary>
    public TimeSpan PersistInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a graceful leave may take on stop.</summary>
    public TimeSpan LeaveTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Suspicion timeout for a cluster of <paramref name="clusterSize"/> nodes (this node included).</summary>
    public TimeSpan SuspicionTimeout(int clusterSize) =>
        ProbePeriod * (SuspicionMultiplier * Math.Max(1.0, Math.Log10(Math.Max(1, clusterSize))));

    /// <summary>How many times an update is sent in a cluster of <paramref name="clusterSize"/> nodes.</summary>
    public int MaxTransmissions(int clusterSize) =>
        Math.Max(1, (int)Math.Floor(TransmissionMultiplier * Math.Log10(Math.Max(1, clusterSize) + 1)));
}
