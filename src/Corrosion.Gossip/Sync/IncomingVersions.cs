using Corrosion.Crdt;

namespace Corrosion.Gossip.Sync;

/// <summary>
/// The versions this node's sync sessions are receiving right now. Both ends of a session plan what the other sends
/// from the two sync states they swapped, so once a session has the peer's state it knows what is coming, and every
/// session that starts meanwhile advertises those versions as held: a new node that pulls from one peer while a
/// second peer's sync session reaches it receives the database once, not twice. A session that fails releases its
/// claim, and the next round asks for whatever did not arrive.
/// </summary>
internal sealed class IncomingVersions
{
    private readonly Lock _gate = new();
    private readonly List<IReadOnlyList<(ActorId Actor, long Version)>> _expected = [];

    /// <summary>Records versions a session expects; dispose the result when the session ends, however it ends.</summary>
    public IDisposable Expect(IReadOnlyList<(ActorId Actor, long Version)> versions)
    {
        if (versions.Count == 0)
        {
            return Release.None;
        }

        lock (_gate)
        {
            _expected.Add(versions);
        }

        return new Release(this, versions);
    }

    /// <summary><paramref name="local"/> with the versions other sessions are receiving counted as held.</summary>
    public SyncState Advertise(SyncState local)
    {
        Dictionary<ActorId, List<long>> claimed;
        lock (_gate)
        {
            if (_expected.Count == 0)
            {
                return local;
            }

            claimed = _expected.SelectMany(v => v).GroupBy(v => v.Actor).ToDictionary(g => g.Key, g => g.Select(v => v.Version).ToList());
        }

        var heads = new Dictionary<ActorId, long>(local.Heads);
        var need = new Dictionary<ActorId, IReadOnlyList<InclusiveRange>>(local.Need);
        var partialNeed = new Dictionary<ActorId, IReadOnlyDictionary<long, IReadOnlyList<InclusiveRange>>>(local.PartialNeed);
        foreach (var (actor, versions) in claimed)
        {
            var head = heads.GetValueOrDefault(actor);
            var held = new RangeSet();
            held.Add(new InclusiveRange(1, head));
            foreach (var gap in need.GetValueOrDefault(actor) ?? [])
            {
                held.Remove(gap);
            }

            foreach (var version in versions)
            {
                held.Add(new InclusiveRange(version, version));
            }

            var newHead = Math.Max(head, versions.Max());
            heads[actor] = newHead;
            var gaps = held.Missing(new InclusiveRange(1, newHead));
            if (gaps.Count == 0)
            {
                need.Remove(actor);
            }
            else
            {
                need[actor] = gaps;
            }

            if (partialNeed.TryGetValue(actor, out var partials))
            {
                var remaining = partials.Where(p => !held.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value);
                if (remaining.Count == 0)
                {
                    partialNeed.Remove(actor);
                }
                else
                {
                    partialNeed[actor] = remaining;
                }
            }
        }

        return local with { Heads = heads, Need = need, PartialNeed = partialNeed };
    }

    private sealed class Release(IncomingVersions? owner, IReadOnlyList<(ActorId Actor, long Version)> versions) : IDisposable
    {
        public static Release None { get; } = new(null, []);

        private int _released;

        public void Dispose()
        {
            if (owner is null || Interlocked.Exchange(ref _released, 1) == 1)
            {
                return;
            }

            lock (owner._gate)
            {
                owner._expected.Remove(versions);
            }
        }
    }
}
