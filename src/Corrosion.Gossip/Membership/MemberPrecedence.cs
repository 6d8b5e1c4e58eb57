namespace Corrosion.Gossip.Membership;

/// <summary>
/// SWIM's rules for whether an incoming statement about a member replaces what is known:
/// a later run (start time) always wins and an earlier one never does; within one run, Alive needs a higher
/// incarnation; Suspect beats Alive at the same or a higher incarnation; Down beats Alive and Suspect at the same or a
/// higher incarnation; Left beats anything but Left at the same or a higher incarnation; and any status beats any
/// other at a strictly higher incarnation.
/// </summary>
internal static class MemberPrecedence
{
    public static bool Supersedes(MemberState? current, MemberState incoming)
    {
        if (current is null)
        {
            return true;
        }

        if (incoming.Member.StartedAt != current.Member.StartedAt)
        {
            return incoming.Member.StartedAt > current.Member.StartedAt;
        }

        if (incoming.Incarnation != current.Incarnation)
        {
            return incoming.Incarnation > current.Incarnation;
        }

        // Same run, same incarnation: only a "worse" status wins.
        return Rank(incoming.Status) > Rank(current.Status);
    }

    private static int Rank(MemberStatus status) => status switch
    {
        MemberStatus.Alive => 0,
        MemberStatus.Suspect => 1,
        MemberStatus.Down => 2,
        _ => 3,
    };
}
