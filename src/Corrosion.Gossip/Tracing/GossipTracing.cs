using System.Diagnostics;
using System.Net;
using Corrosion.Crdt;
using Corrosion.Gossip.Sync;
using Corrosion.Tracing;

namespace Corrosion.Gossip.Tracing;

/// <summary>
/// The cluster layer's spans, started on the engine's activity source (<see cref="CorrosionActivitySource.Name"/>),
/// so one <c>AddSource</c> sees the node and its cluster layer. Null source or no listener: no span.
/// </summary>
internal static class GossipTracing
{
    public static Activity? StartSync(ActivitySource? source, ActivityKind kind, EndPoint peer)
    {
        if (source is null || !source.HasListeners())
        {
            return null;
        }

        var activity = source.StartActivity(CorrosionActivitySource.Sync, kind);
        activity?.SetTag("network.peer.address", peer.ToString());
        return activity;
    }

    public static void Synced(Activity? activity, SyncResult result, int changesSent)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("corrosion.peer.actor_id", result.Peer.ToString());
        activity.SetTag("corrosion.changesets.sent", result.ChangesetsSent);
        activity.SetTag("corrosion.changes.sent", changesSent);
        activity.SetTag("corrosion.changesets.received", result.ChangesetsReceived);
        activity.SetTag("corrosion.changes.received", result.ChangesReceived);
    }

    public static Activity? StartBroadcastReceive(ActivitySource? source, EndPoint from, Changeset changeset, int hops)
    {
        if (source is null || !source.HasListeners())
        {
            return null;
        }

        var activity = source.StartActivity(CorrosionActivitySource.BroadcastReceive, ActivityKind.Consumer);
        if (activity is not null)
        {
            activity.SetTag("network.peer.address", from.ToString());
            activity.SetTag("corrosion.remote.actor_id", changeset.ActorId.ToString());
            activity.SetTag("corrosion.version", changeset.Version);
            activity.SetTag("corrosion.changes", changeset.Changes.Count);
            activity.SetTag("corrosion.broadcast.hops", hops);
        }

        return activity;
    }
}
