namespace Corrosion.Gossip.Membership;

/// <summary>
/// Where known members are kept across restarts (the engine implements it over <c>__corro_members</c>). A node that
/// starts with members in its store announces itself to them, so it rejoins without its bootstrap list.
/// </summary>
internal interface IMemberStore
{
    /// <summary>Replaces the stored members with <paramref name="members"/>.</summary>
    Task SaveAsync(IReadOnlyList<MemberState> members, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<MemberState>> LoadAsync(CancellationToken cancellationToken = default);
}
