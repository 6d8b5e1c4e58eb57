using System.Diagnostics.Metrics;
using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Membership;

namespace Corrosion.Gossip.Metrics;

/// <summary>
/// The cluster layer's instruments, on the node's meter (<see cref="Corrosion.Metrics.CorrosionMeter.Name"/>).
/// Counters are added where the event happens; gauges read the membership snapshot, the broadcaster and the SWIM
/// options only when a listener collects them.
/// </summary>
internal sealed class GossipMetrics
{
    private static readonly KeyValuePair<string, object?> Bidirectional = new("type", "bi");

    private readonly Counter<long> _memberAdded;
    private readonly Counter<long> _memberRemoved;
    private readonly Counter<long> _syncAttempts;
    private readonly Counter<long> _syncChangesRecv;
    private readonly Counter<long> _syncChangesSent;
    private readonly Counter<long> _syncChunkSentBytes;
    private readonly Counter<long> _syncClientMember;
    private readonly Counter<long> _datagramSent;
    private readonly Counter<long> _datagramRecv;
    private readonly Counter<long> _datagramBytesSent;
    private readonly Counter<long> _datagramBytesRecv;
    private readonly Counter<long> _streamsAccepted;
    private readonly Counter<long> _streamsOpened;
    private readonly Counter<long> _streamBytesSent;
    private readonly Counter<long> _streamBytesRecv;

    private readonly Meter _meter;

    public GossipMetrics(Meter meter)
    {
        _meter = meter;
        _memberAdded = meter.CreateCounter<long>("corro.gossip.member.added", "{member}", "Members that became active (alive or suspect) in this node's view.");
        _memberRemoved = meter.CreateCounter<long>("corro.gossip.member.removed", "{member}", "Members that stopped being active (down or left) in this node's view.");
        _syncAttempts = meter.CreateCounter<long>("corro.sync.attempts.count", "{sync}", "Anti-entropy syncs this node started, by peer (id, addr).");
        _syncClientMember = meter.CreateCounter<long>("corro.sync.client.member", "{sync}", "Anti-entropy syncs this node completed as the client, by peer (id, addr).");
        _syncChunkSentBytes = meter.CreateCounter<long>("corro.sync.chunk.sent.bytes", "By", "Encoded changeset bytes sent in sync sessions (either side).");
        _syncChangesRecv = meter.CreateCounter<long>("corro.sync.changes.recv", "{change}", "Changes received in sync sessions (either side).");
        _syncChangesSent = meter.CreateCounter<long>("corro.sync.changes.sent", "{change}", "Changes sent in sync sessions (either side).");
        _datagramSent = meter.CreateCounter<long>("corro.peer.datagram.sent.total", "{datagram}", "Membership datagrams sent.");
        _datagramRecv = meter.CreateCounter<long>("corro.peer.datagram.recv.total", "{datagram}", "Membership datagrams received.");
        _datagramBytesSent = meter.CreateCounter<long>("corro.peer.datagram.bytes.sent.total", "By", "Payload bytes of membership datagrams sent.");
        _datagramBytesRecv = meter.CreateCounter<long>("corro.peer.datagram.bytes.recv.total", "By", "Payload bytes of membership datagrams received.");
        _streamsAccepted = meter.CreateCounter<long>("corro.peer.stream.accept.total", "{stream}", "Peer streams (broadcast or sync) accepted; all are bidirectional (type=\"bi\").");
        _streamBytesSent = meter.CreateCounter<long>("corro.peer.stream.bytes.sent.total", "By", "Bytes written to peer streams (broadcast and sync frames), counted per flush.");
        _streamBytesRecv = meter.CreateCounter<long>("corro.peer.stream.bytes.recv.total", "By", "Bytes read from peer streams (broadcast and sync frames), counted as consumed.");
        _streamsOpened = meter.CreateCounter<long>("corro.peer.stream.connect.total", "{stream}", "Peer streams (broadcast or sync) this node opened; all are bidirectional (type=\"bi\").");
    }

    /// <summary>Adds the gauges that read the running cluster's state when collected.</summary>
    public void Observe(SwimMembership membership, ChangeBroadcaster broadcaster, SwimOptions swim)
    {
        var meter = _meter;
        meter.CreateObservableGauge("corro.gossip.members", () => (long)ActiveMembers(membership), "{member}", "Other members active (alive or suspect) in this node's view.");
        meter.CreateObservableGauge("corro.gossip.cluster_size", () => (long)ActiveMembers(membership) + 1, "{member}", "Active members including this node.");
        meter.CreateObservableGauge("corro.gossip.updates_backlog", () => (long)membership.UpdatesBacklog, "{update}", "Membership updates waiting to be piggybacked on probes.");
        meter.CreateObservableGauge("corro.gossip.config.max_transmissions", () => (long)swim.MaxTransmissions(ActiveMembers(membership) + 1), "{transmission}", "How many times a membership update is sent, for the current cluster size.");
        meter.CreateObservableGauge("corro.gossip.config.num_indirect_probes", () => (long)swim.NumIndirectProbes, "{member}", "Members asked to probe a member that missed a direct probe.");
        meter.CreateObservableCounter("corro.broadcast.recv.count", () => broadcaster.FramesReceived, "{frame}", "Broadcast frames received from peers.");
        meter.CreateObservableGauge("corro.broadcast.pending.count", () => (long)broadcaster.Pending, "{changeset}", "Local commits waiting to be broadcast.");
    }

    private static int ActiveMembers(SwimMembership membership)
    {
        var count = 0;
        foreach (var member in membership.Current.Members)
        {
            if (member.IsActive)
            {
                count++;
            }
        }

        return count;
    }

    public void MemberChanged(MemberState? previous, MemberState current)
    {
        var was = previous?.IsActive == true;
        if (!was && current.IsActive)
        {
            _memberAdded.Add(1);
        }
        else if (was && !current.IsActive)
        {
            _memberRemoved.Add(1);
        }
    }

    public void SyncAttempted(ActorId peer, System.Net.EndPoint address) =>
        _syncAttempts.Add(1, new KeyValuePair<string, object?>("id", peer.ToString()), new KeyValuePair<string, object?>("addr", address.ToString()));

    public void SyncedWith(ActorId peer, System.Net.EndPoint address) =>
        _syncClientMember.Add(1, new KeyValuePair<string, object?>("id", peer.ToString()), new KeyValuePair<string, object?>("addr", address.ToString()));

    public void SyncChangesReceived(int changes) => _syncChangesRecv.Add(changes);

    public void SyncChangesetSent(int changes, int bytes)
    {
        _syncChangesSent.Add(changes);
        _syncChunkSentBytes.Add(bytes);
    }

    public void DatagramSent(int bytes)
    {
        _datagramSent.Add(1);
        _datagramBytesSent.Add(bytes);
    }

    public void DatagramReceived(int bytes)
    {
        _datagramRecv.Add(1);
        _datagramBytesRecv.Add(bytes);
    }

    public void StreamAccepted() => _streamsAccepted.Add(1, Bidirectional);

    public void StreamOpened() => _streamsOpened.Add(1, Bidirectional);

    public void StreamBytesSent(long bytes) => _streamBytesSent.Add(bytes);

    public void StreamBytesReceived(long bytes) => _streamBytesRecv.Add(bytes);
}
