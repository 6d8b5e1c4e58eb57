using Corrosion.Crdt;

namespace Corrosion.Gossip.Sync;

/// <summary>
/// Works out which versions a peer lacks that this node holds, from the two sync states: versions above the peer's
/// head, versions in the peer's gaps, and versions the peer holds only in part. That includes the peer's own actor:
/// a node restored from an older backup keeping its actor id gets back from peers the versions it wrote after it.
/// </summary>
internal static class SyncPlanner
{
    /// <summary>(actor, version) pairs to send, oldest first per actor, at most <paramref name="limit"/>.</summary>
    public static IReadOnlyList<(ActorId Actor, long Version)> VersionsToSend(SyncState local, SyncState peer, int limit)
    {
        var result = new List<(ActorId, long)>();
        foreach (var (actor, head) in local.Heads)
        {
            var held = new RangeSetView(head, local.Need.GetValueOrDefault(actor) ?? []);
            var peerHead = peer.Heads.GetValueOrDefault(actor);
            var wanted = new List<InclusiveRange>();
            if (head > peerHead)
            {
                wanted.Add(new InclusiveRange(peerHead + 1, head));
            }

            wanted.AddRange(peer.Need.GetValueOrDefault(actor) ?? []);
            if (peer.PartialNeed.TryGetValue(actor, out var partials))
            {
                wanted.AddRange(partials.Keys.Select(v => new InclusiveRange(v, v)));
            }

            // The sources overlap: a version a peer is still receiving (by broadcast) is held in part and lies above
            // its head, so it is in both the head range and the partial need; gaps can overlap too. Walking the ranges
            // in order from a cursor plans each version once (a big version was sent twice in one session).
            var next = 1L;
            foreach (var range in wanted.OrderBy(r => r.Start))
            {
                for (var v = Math.Max(range.Start, next); v <= Math.Min(range.End, head); v++)
                {
                    next = v + 1;
                    if (result.Count >= limit)
                    {
                        return result;
                    }

                    if (held.Contains(v))
                    {
                        result.Add((actor, v));
                    }
                }
            }
        }

        return result;
    }

    private readonly struct RangeSetView(long head, IReadOnlyList<InclusiveRange> gaps)
    {
        public bool Contains(long version) => version >= 1 && version <= head && !gaps.Any(g => g.Contains(version));
    }
}
