using Corrosion.Crdt;
using Corrosion.Gossip.Sync;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Sync;

public sealed class SyncPlannerTests
{
    private static readonly ActorId Writer = ActorId.Parse("a3f72d6d38a24d0daee8258e10071f13");
    private static readonly ActorId Peer = ActorId.Parse("0b6c2e8f3d1a4e5f9a7b8c6d5e4f3a2b");
    private static readonly ActorId Self = ActorId.Parse("5c7e8a4357984f62a0ceaddaa23fb9d8");

    private static SyncState State(
        ActorId self,
        long head,
        IReadOnlyList<InclusiveRange>? need = null,
        IReadOnlyDictionary<long, IReadOnlyList<InclusiveRange>>? partial = null) =>
        new(
            self,
            new Dictionary<ActorId, long> { [Writer] = head },
            need is null ? new Dictionary<ActorId, IReadOnlyList<InclusiveRange>>() : new Dictionary<ActorId, IReadOnlyList<InclusiveRange>> { [Writer] = need },
            partial is null
                ? new Dictionary<ActorId, IReadOnlyDictionary<long, IReadOnlyList<InclusiveRange>>>()
                : new Dictionary<ActorId, IReadOnlyDictionary<long, IReadOnlyList<InclusiveRange>>> { [Writer] = partial });

    /// <summary>
    /// A peer still receiving a big version by broadcast holds it in part and its head stays below it, so the version
    /// is both above the peer's head and in its partial need. It was planned twice: on a 3-node cluster each peer got
    /// a 19,779-row UPDATE's version sent twice in one session ("synced 39558 changes").
    /// </summary>
    [Fact]
    public void A_version_above_the_peers_head_that_it_also_holds_in_part_is_sent_once()
    {
        var local = State(Self, head: 10);
        var peer = State(Peer, head: 9, partial: new Dictionary<long, IReadOnlyList<InclusiveRange>> { [10] = [new InclusiveRange(5, 9)] });

        SyncPlanner.VersionsToSend(local, peer, limit: 100).Should().Equal((Writer, 10L));
    }

    [Fact]
    public void Overlapping_gaps_and_partials_are_each_planned_once_in_version_order()
    {
        var local = State(Self, head: 12);
        var peer = State(
            Peer,
            head: 8,
            need: [new InclusiveRange(2, 4), new InclusiveRange(3, 5)],
            partial: new Dictionary<long, IReadOnlyList<InclusiveRange>> { [4] = [new InclusiveRange(0, 1)], [10] = [new InclusiveRange(0, 1)] });

        SyncPlanner.VersionsToSend(local, peer, limit: 100).Select(p => p.Version).Should().Equal(2, 3, 4, 5, 9, 10, 11, 12);
        SyncPlanner.VersionsToSend(local, peer, limit: 3).Select(p => p.Version).Should().Equal(2, 3, 4);
    }

    /// <summary>
    /// A node restored from an older backup keeping its actor id lacks versions of its own actor that peers hold: they
    /// are planned for it like any actor's (they used to be skipped, so it never got them back).
    /// </summary>
    [Fact]
    public void The_peers_own_actor_versions_above_its_head_or_in_its_gaps_are_planned_and_held_ones_are_not()
    {
        var local = State(Self, head: 6);

        SyncPlanner.VersionsToSend(local, State(Writer, head: 4), limit: 100).Should().Equal((Writer, 5L), (Writer, 6L));
        SyncPlanner.VersionsToSend(local, State(Writer, head: 6, need: [new InclusiveRange(3, 4)]), limit: 100).Select(p => p.Version).Should().Equal(3, 4);
        SyncPlanner.VersionsToSend(local, State(Writer, head: 6), limit: 100).Should().BeEmpty("the peer holds all of them");
        SyncPlanner.VersionsToSend(local, State(Writer, head: 9), limit: 100).Should().BeEmpty("the peer is ahead of this node");
    }
}
