using Corrosion.Gossip.Protocol;

namespace Corrosion.Gossip.Membership;

/// <summary>
/// Member updates waiting to be piggybacked, each sent a bounded number of times (SWIM's infection-style
/// dissemination). A newer update about a member replaces the older one. Updates sent least are picked first.
/// Used only by the membership loop (not thread-safe).
/// </summary>
internal sealed class SwimUpdateQueue
{
    private readonly Dictionary<ActorId, Entry> _entries = [];
    private long _sequence;

    public int Count => _entries.Count;

    public void Enqueue(MemberState update, int transmissions)
    {
        _entries[update.Id] = new Entry(update with { Since = default }, transmissions, ++_sequence);
    }

    public void Clear() => _entries.Clear();

    /// <summary>
    /// Appends to <paramref name="into"/> as many pending updates as fit in <paramref name="budget"/> bytes (skipping
    /// members already in it), fewest transmissions first, newest first among equals, and counts one transmission for
    /// each. Returns the bytes used.
    /// </summary>
    public int Take(List<MemberState> into, int budget)
    {
        if (_entries.Count == 0 || budget <= 0)
        {
            return 0;
        }

        var used = 0;
        var candidates = _entries.Values.OrderByDescending(e => e.Remaining).ThenByDescending(e => e.Sequence).ToList();
        foreach (var entry in candidates)
        {
            var length = SwimCodec.UpdateLength(entry.Update);
            if (used + length > budget || into.Count >= SwimCodec.MaxUpdates)
            {
                continue;
            }

            if (into.Exists(u => u.Id == entry.Update.Id))
            {
                continue;
            }

            into.Add(entry.Update);
            used += length;
            if (entry.Remaining <= 1)
            {
                _entries.Remove(entry.Update.Id);
            }
            else
            {
                _entries[entry.Update.Id] = entry with { Remaining = entry.Remaining - 1 };
            }
        }

        return used;
    }

    private readonly record struct Entry(MemberState Update, int Remaining, long Sequence);
}
