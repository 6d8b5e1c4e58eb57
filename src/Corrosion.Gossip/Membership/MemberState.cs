namespace Corrosion.Gossip.Membership;

/// <summary>
/// A member, its status and the incarnation that status was stated for. <see cref="Since"/> is local: when this node
/// last saw the status change (it is not sent on the wire).
/// </summary>
/// <param name="Member">The member: actor id, address and start time.</param>
/// <param name="Status">What this node believes of the member.</param>
/// <param name="Incarnation">The member's incarnation the status was stated for (a member refutes suspicion with a higher one).</param>
/// <param name="Since">When this node last saw the status change (local only).</param>
public sealed record MemberState(Member Member, MemberStatus Status, uint Incarnation, DateTimeOffset Since = default)
{
    /// <summary>The member's actor id.</summary>
    public ActorId Id => Member.Id;

    /// <summary>Alive or Suspect: still probed and still a target for gossip.</summary>
    public bool IsActive => Status is MemberStatus.Alive or MemberStatus.Suspect;

    /// <summary><c>actorid@address Status#incarnation</c>.</summary>
    public override string ToString() => $"{Member} {Status}#{Incarnation}";
}
