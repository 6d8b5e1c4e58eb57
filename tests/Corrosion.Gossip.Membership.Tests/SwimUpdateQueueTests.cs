using System.Net;
using Corrosion.Gossip.Protocol;

namespace Corrosion.Gossip.Membership.Tests;

public sealed class SwimUpdateQueueTests
{
    private static MemberState Update(MemberStatus status = MemberStatus.Alive, uint incarnation = 0, ActorId? id = null) =>
        new(new Member(id ?? ActorId.NewRandom(), new IPEndPoint(IPAddress.Loopback, 4001), DateTimeOffset.UnixEpoch), status, incarnation);

    [Fact]
    public void An_update_is_sent_exactly_max_transmissions_times()
    {
        var queue = new SwimUpdateQueue();
        queue.Enqueue(Update(), 3);

        var sent = 0;
        for (var i = 0; i < 10; i++)
        {
            var into = new List<MemberState>();
            queue.Take(into, 1000);
            sent += into.Count;
        }

        sent.Should().Be(3);
        queue.Count.Should().Be(0);
    }

    [Fact]
    public void A_newer_update_about_a_member_replaces_the_pending_one()
    {
        var queue = new SwimUpdateQueue();
        var id = ActorId.NewRandom();
        queue.Enqueue(Update(MemberStatus.Alive, 1, id), 3);
        queue.Enqueue(Update(MemberStatus.Suspect, 1, id), 3);

        var into = new List<MemberState>();
        queue.Take(into, 1000);
        into.Should().ContainSingle().Which.Status.Should().Be(MemberStatus.Suspect);
    }

    [Fact]
    public void Updates_are_packed_up_to_the_budget_least_sent_first()
    {
        var queue = new SwimUpdateQueue();
        var old = Update();
        queue.Enqueue(old, 5);
        var first = new List<MemberState>();
        queue.Take(first, 1000);
        for (var i = 0; i < 10; i++)
        {
            queue.Enqueue(Update(), 5);
        }

        var length = SwimCodec.UpdateLength(old);
        var into = new List<MemberState>();
        var used = queue.Take(into, (length * 4) + 1);

        into.Should().HaveCount(4, "only four fit in the budget");
        used.Should().Be(length * 4);
        into.Should().NotContain(u => u.Id == old.Id, "it was already sent once; fresher updates go first");
    }
}
