using System.Collections.Immutable;

namespace Corrosion.Gossip.Membership;

/// <summary>
/// An immutable view of the other members (never this node itself), ordered by actor id. Each change produces a new
/// snapshot with a higher <see cref="Version"/>; consumers diff against the last version they saw.
/// </summary>
public sealed class MembershipSnapshot
{
    public static MembershipSnapshot Empty { get; } = new(0, ImmutableSortedDictionary<ActorId, MemberState>.Empty);

    private readonly ImmutableSortedDictionary<ActorId, MemberState> _byId;

    internal MembershipSnapshot(long version, ImmutableSortedDictionary<ActorId, MemberState> byId)
    {
        Version = version;
        _byId = byId;
        Members = [.. byId.Values];
    }

    public long Version { get; }

    public IReadOnlyList<MemberState> Members { get; }

    /// <summary>Members that are Alive or Suspect.</summary>
    public IEnumerable<MemberState> Active => Members.Where(m => m.IsActive);

    internal ImmutableSortedDictionary<ActorId, MemberState> ById => _byId;

    public bool TryGet(ActorId id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MemberState? member) =>
        _byId.TryGetValue(id, out member);

    /// <summary>A new snapshot with <paramref name="member"/> set (or replaced), one version later.</summary>
    internal MembershipSnapshot With(MemberState member) => new(Version + 1, _byId.SetItem(member.Id, member));

    /// <summary>A new snapshot without <paramref name="id"/>, one version later.</summary>
    internal MembershipSnapshot Without(ActorId id) => new(Version + 1, _byId.Remove(id));

    public override string ToString() => $"v{Version}: [{string.Join(", ", Members)}]";
}
