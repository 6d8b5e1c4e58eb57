using System.Net;

namespace Corrosion.Gossip.Membership.Tests;

public sealed class MemberPrecedenceTests
{
    private static readonly ActorId Id = ActorId.NewRandom();
    private static readonly DateTimeOffset Run1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Run2 = Run1.AddSeconds(1);

    private static MemberState State(MemberStatus status, uint incarnation, DateTimeOffset? run = null) =>
        new(new Member(Id, new IPEndPoint(IPAddress.Loopback, 4001), run ?? Run1), status, incarnation);

    [Theory]
    [InlineData(MemberStatus.Alive, 1, MemberStatus.Alive, 2, true)]
    [InlineData(MemberStatus.Alive, 2, MemberStatus.Alive, 2, false)]
    [InlineData(MemberStatus.Alive, 2, MemberStatus.Suspect, 2, true)]
    [InlineData(MemberStatus.Alive, 2, MemberStatus.Suspect, 1, false)]
    [InlineData(MemberStatus.Suspect, 2, MemberStatus.Alive, 2, false)]
    [InlineData(MemberStatus.Suspect, 2, MemberStatus.Alive, 3, true)]
    [InlineData(MemberStatus.Suspect, 2, MemberStatus.Suspect, 2, false)]
    [InlineData(MemberStatus.Suspect, 2, MemberStatus.Down, 2, true)]
    [InlineData(MemberStatus.Down, 2, MemberStatus.Alive, 2, false)]
    [InlineData(MemberStatus.Down, 2, MemberStatus.Alive, 3, true)]
    [InlineData(MemberStatus.Down, 2, MemberStatus.Suspect, 2, false)]
    [InlineData(MemberStatus.Alive, 2, MemberStatus.Left, 2, true)]
    [InlineData(MemberStatus.Down, 2, MemberStatus.Left, 2, true)]
    [InlineData(MemberStatus.Left, 2, MemberStatus.Down, 2, false)]
    public void Within_one_run_incarnation_then_status_decides(MemberStatus current, uint currentIncarnation, MemberStatus incoming, uint incomingIncarnation, bool supersedes)
    {
        MemberPrecedence.Supersedes(State(current, currentIncarnation), State(incoming, incomingIncarnation)).Should().Be(supersedes);
    }

    [Fact]
    public void A_later_run_always_wins_and_an_earlier_one_never_does()
    {
        MemberPrecedence.Supersedes(State(MemberStatus.Down, 9, Run1), State(MemberStatus.Alive, 0, Run2)).Should().BeTrue();
        MemberPrecedence.Supersedes(State(MemberStatus.Alive, 0, Run2), State(MemberStatus.Alive, 9, Run1)).Should().BeFalse();
        MemberPrecedence.Supersedes(null, State(MemberStatus.Alive, 0)).Should().BeTrue("anything beats knowing nothing");
    }
}
