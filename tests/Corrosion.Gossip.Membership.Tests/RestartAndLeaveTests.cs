namespace Corrosion.Gossip.Membership.Tests;

public sealed class RestartAndLeaveTests
{
    [Fact]
    public async Task A_restarted_node_with_the_same_actor_id_is_alive_again_as_its_new_run()
    {
        await using var cluster = new SwimCluster();
        var nodes = await cluster.StartManyAsync(3);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(10), "initial join");

        var old = nodes[2];
        await cluster.KillAsync(old);
        var (_, down, _) = FailureDetectionTests.Deadlines(SwimCluster.FastOptions(), 3);
        await cluster.RunUntilAsync(() => nodes.Take(2).All(n => n.StatusOf(old) == MemberStatus.Down), down + TimeSpan.FromSeconds(5), "killed node down");

        // Same actor id, same address, bootstrapping through n0; a later start time makes it a new run.
        var restarted = await cluster.StartAsync(2, [nodes[0]], actorId: old.Id);
        restarted.Membership.Self.StartedAt.Should().BeAfter(old.Membership.Self.StartedAt);
        var live = new[] { nodes[0], nodes[1], restarted };
        var took = await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(live), TimeSpan.FromSeconds(10), "restarted node alive everywhere");

        took.Should().BeLessThan(TimeSpan.FromSeconds(3), "the new run supersedes the down one as soon as its announce and gossip arrive");
        foreach (var other in live.Take(2))
        {
            var state = other.View(restarted)!;
            state.Member.StartedAt.Should().Be(restarted.Membership.Self.StartedAt);
            state.Incarnation.Should().Be(0, "a new run starts over at incarnation 0");
        }
    }

    [Fact]
    public async Task A_restart_is_recognised_even_before_the_old_run_was_declared_down()
    {
        await using var cluster = new SwimCluster();
        var nodes = await cluster.StartManyAsync(3);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(10), "initial join");

        var old = nodes[2];
        await cluster.KillAsync(old);
        await cluster.AdvanceAsync(TimeSpan.FromMilliseconds(500));
        nodes[0].StatusOf(old).Should().Be(MemberStatus.Alive, "too early for anyone to notice");

        var restarted = await cluster.StartAsync(2, [nodes[0]], actorId: old.Id);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther([nodes[0], nodes[1], restarted]), TimeSpan.FromSeconds(5), "restarted node alive everywhere");

        // Well past the suspicion timeout: the old run's suspicion (if any) cannot bring the new run down.
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(20));
        cluster.AllSeeEachOther([nodes[0], nodes[1], restarted]).Should().BeTrue($"state:\n{cluster.Describe()}");
    }

    [Fact]
    public async Task A_node_that_stops_gracefully_is_seen_as_left_without_waiting_for_detection()
    {
        await using var cluster = new SwimCluster();
        var nodes = await cluster.StartManyAsync(4);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(10), "initial join");

        var leaving = nodes[3];
        await cluster.StopAsync(leaving);

        // No simulated time has passed: the Leave message itself told everyone.
        foreach (var other in nodes.Take(3))
        {
            other.StatusOf(leaving).Should().Be(MemberStatus.Left, $"{other} got the leave; state:\n{cluster.Describe()}");
        }

        // And it stays Left: nobody probes or suspects a member that left.
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(20));
        nodes.Take(3).Should().OnlyContain(n => n.StatusOf(leaving) == MemberStatus.Left);
        cluster.AllSeeEachOther(nodes.Take(3)).Should().BeTrue();
    }

    [Fact]
    public async Task A_node_stopped_before_any_answer_to_its_join_still_tells_its_join_target_it_left()
    {
        await using var cluster = new SwimCluster();
        var seed = await cluster.StartAsync(0);
        cluster.Network.Block(SwimCluster.AddressOf(0), SwimCluster.AddressOf(1));
        var joiner = await cluster.StartAsync(1, [seed]);
        await cluster.RunUntilAsync(() => seed.StatusOf(joiner) == MemberStatus.Alive, TimeSpan.FromSeconds(5), "the seed heard the join");
        joiner.Membership.Current.Members.Should().NotContain(m => m.IsActive, "no answer reached the joiner");

        await cluster.StopAsync(joiner);

        seed.StatusOf(joiner).Should().Be(MemberStatus.Left, $"the joiner's leave went to its join target; state:\n{cluster.Describe()}");
    }

    [Fact]
    public async Task A_leave_that_reaches_one_member_spreads_to_the_others_by_gossip()
    {
        await using var cluster = new SwimCluster();
        var nodes = await cluster.StartManyAsync(4);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(10), "initial join");

        var leaving = nodes[3];
        cluster.Network.Block(leaving.Address, nodes[1].Address);
        cluster.Network.Block(leaving.Address, nodes[2].Address);
        await cluster.StopAsync(leaving);
        cluster.Network.Heal();
        nodes[0].StatusOf(leaving).Should().Be(MemberStatus.Left);

        var took = await cluster.RunUntilAsync(
            () => nodes.Take(3).All(n => n.StatusOf(leaving) == MemberStatus.Left),
            TimeSpan.FromSeconds(5),
            "leave gossiped to everyone");
        took.Should().BeLessThanOrEqualTo(SwimCluster.FastOptions().GossipPeriod * 2);
    }

    [Fact]
    public async Task A_restarted_node_rejoins_through_persisted_members_without_bootstrap()
    {
        await using var cluster = new SwimCluster();
        var nodes = await cluster.StartManyAsync(3);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(10), "initial join");
        var old = nodes[2];
        await cluster.AdvanceAsync(SwimCluster.FastOptions().PersistInterval * 2);
        await cluster.KillAsync(old);

        ((InMemoryMemberStore)old.Store).Members.Select(m => m.Id).Should().BeEquivalentTo([nodes[0].Id, nodes[1].Id], "known members were persisted");

        // No bootstrap at all, only the store of the previous run.
        var restarted = await cluster.StartAsync(2, bootstrap: null, actorId: old.Id, store: old.Store);
        var live = new[] { nodes[0], nodes[1], restarted };
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(live), TimeSpan.FromSeconds(10), "rejoined from persisted members");
        restarted.Membership.IsJoined.Should().BeTrue();
    }

    [Fact]
    public async Task Without_bootstrap_or_persisted_members_a_node_stays_alone()
    {
        await using var cluster = new SwimCluster();
        var nodes = await cluster.StartManyAsync(2);
        var loner = await cluster.StartAsync(2);

        await cluster.AdvanceAsync(TimeSpan.FromSeconds(20));
        loner.Membership.IsJoined.Should().BeFalse();
        loner.Membership.Current.Members.Should().BeEmpty();
        nodes[0].Membership.Current.TryGet(loner.Id, out _).Should().BeFalse();
    }
}
