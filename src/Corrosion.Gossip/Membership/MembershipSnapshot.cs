using System.Collections.Immutable;

namespace Corrosion.Gossip.Membership;

/// <summary>
/// An immutable view of the other members (never this node itself), ordered by actor id. Each change produces a new
/// snapshot with a higher <see cref="Version"/>; consumers diff against the last version they saw.
/// </summary>
public sealed class MembershipSnapshot
{
    /// <summary>The snapshot with no members, version 0.</summary>
    public static MembershipSnapshot Empty { get; } = new(0, ImmutableSortedDictionary<ActorId, MemberState>.Empty);

    private readonly ImmutableSortedDictionary<ActorId, MemberState> _byId;

    internal MembershipSnapshot(long version, ImmutableSortedDictionary<ActorId, MemberState> byId)
    {
        Version = version;
        _byId = byId;
        Members = [.. byId.Values];
    }

    /// <summary>Increases with each change of membership; a newer snapshot has a higher version.</summary>
    public long Version { get; }

    /// <summary>Every known member other than this node, whatever its status, ordered by actor id.</summary>
    public IReadOnlyList<MemberState> Members { get; }

    /// <summary>Members that are Alive or Suspect.</summary>
    public IEnumerable<MemberState> Active => Members.Where(m => m.IsActive);

    internal ImmutableSortedDictionary<ActorId, MemberState> ById => _byId;

    /// <summary>Looks a member up by actor id.</summary>
    /// <param name="id">The member's actor id.</param>
    /// <param name="member">The member's state, or <see langword="null"/> when it is not in this snapshot.</param>
    /// <returns><see langword="true"/> if the snapshot holds the member.</returns>
    public bool TryGet(ActorId id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MemberState? member) =>
        _byId.TryGetValue(id, out member);

    /// <summary>A new snapshot with <paramref name="member"/> set (or replaced), one version later.</summary>
    internal MembershipSnapshot With(MemberState member) => new(Version + 1, _byId.SetItem(member.Id, member));

    /// <summary>A new snapshot without <paramref name="id"/>, one version later.</summary>
    internal MembershipSnapshot Without(ActorId id) => new(Version + 1, _byId.Remove(id));

    /// <summary>The version and the members, for logs.</summary>
    public override string ToString() => $"v{Version}: [{string.Join(", ", Members)}]";
}
