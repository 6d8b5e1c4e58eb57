namespace Corrosion.Gossip.Membership.Tests;

public sealed class JoinTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    public async Task Members_joining_through_one_bootstrap_node_all_see_each_other_alive(int count)
    {
        await using var cluster = new SwimCluster();
        var nodes = await cluster.StartManyAsync(count);

        var took = await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(30), $"{count} members alive everywhere");

        took.Should().BeLessThan(TimeSpan.FromSeconds(10), "joins spread by piggybacking and 200 ms gossip rounds");
        foreach (var node in nodes)
        {
            node.Membership.IsJoined.Should().BeTrue($"{node} got an answer");
            node.Membership.Current.Members.Should().HaveCount(count - 1, $"{node} knows everyone but itself");
            node.Membership.Statistics.HandlerErrors.Should().Be(0);
            node.Membership.Statistics.SendFailures.Should().Be(0, "no datagram exceeded the transport's size");
        }

        // And it stays that way: nobody is suspected while everyone answers.
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(30));
        cluster.AllSeeEachOther(nodes).Should().BeTrue($"no false suspicion in a healthy cluster; state:\n{cluster.Describe()}");
    }

    [Fact]
    public async Task Ten_members_converge_with_a_packet_size_that_fits_only_a_few_updates()
    {
        await using var cluster = new SwimCluster(o => o.MaxPacketSize = 400);
        var nodes = await cluster.StartManyAsync(10);

        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(60), "ten members alive everywhere with 400-byte packets");
        nodes.Should().OnlyContain(n => n.Membership.Statistics.SendFailures == 0);
    }

    [Fact]
    public async Task A_member_advertising_its_wildcard_address_is_reached_at_the_source_of_its_datagrams()
    {
        await using var cluster = new SwimCluster();
        var a = await cluster.StartAsync(0);
        var b = await cluster.StartAsync(1, [a], configure: o => o.AdvertisedAddress = new System.Net.IPEndPoint(System.Net.IPAddress.Any, 4001));
        var c = await cluster.StartAsync(2, [a]);

        await cluster.RunUntilAsync(
            () => a.StatusOf(b) == MemberStatus.Alive && c.StatusOf(b) == MemberStatus.Alive && b.Membership.Current.Members.Count(m => m.Status == MemberStatus.Alive) == 2,
            TimeSpan.FromSeconds(10),
            "b alive everywhere");
        a.View(b)!.Member.Address.Should().Be(SwimCluster.AddressOf(1), "the wildcard is replaced by where b's datagrams come from");
        c.View(b)!.Member.Address.Should().Be(SwimCluster.AddressOf(1));

        // And it is probed successfully there: nobody suspects it.
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(20));
        a.StatusOf(b).Should().Be(MemberStatus.Alive);
        c.StatusOf(b).Should().Be(MemberStatus.Alive);

        // Its refutation (an update naming its wildcard address) does not make it unreachable.
        cluster.Network.Isolate(b.Address);
        await cluster.RunUntilAsync(() => a.StatusOf(b) == MemberStatus.Down && c.StatusOf(b) == MemberStatus.Down, TimeSpan.FromSeconds(30), "b down");
        cluster.Network.Heal();
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther([a, b, c]), TimeSpan.FromSeconds(30), "b alive again after refuting");
        b.Membership.Incarnation.Should().BeGreaterThan(0);
        a.View(b)!.Member.Address.Should().Be(SwimCluster.AddressOf(1));
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(20));
        cluster.AllSeeEachOther([a, b, c]).Should().BeTrue($"state:\n{cluster.Describe()}");
    }

    [Fact]
    public async Task A_store_that_fails_to_load_does_not_prevent_joining_through_bootstrap()
    {
        await using var cluster = new SwimCluster();
        var a = await cluster.StartAsync(0);
        var b = await cluster.StartAsync(1, [a], store: new FailingStore());

        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther([a, b]), TimeSpan.FromSeconds(5), "joined despite the store");
        b.Membership.Statistics.HandlerErrors.Should().Be(0);
    }

    private sealed class FailingStore : IMemberStore
    {
        public Task SaveAsync(IReadOnlyList<MemberState> members, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<IReadOnlyList<MemberState>> LoadAsync(CancellationToken cancellationToken = default) =>
            throw new IOException("disk on fire");
    }

    [Fact]
    public async Task A_node_keeps_announcing_with_backoff_until_its_bootstrap_answers()
    {
        await using var cluster = new SwimCluster();
        var a = await cluster.StartAsync(0);
        cluster.Network.Isolate(a.Address);
        var b = await cluster.StartAsync(1, [a]);

        await cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        b.Membership.IsJoined.Should().BeFalse("its bootstrap is unreachable");
        var sentWhileAlone = b.Membership.Statistics.MessagesSent;
        // Backoff 0.5, 1, 2, 4, 4 ... s: the first announce plus 4 or 5 retries in 10 s, not one per step.
        sentWhileAlone.Should().BeInRange(4, 6);

        cluster.Network.Heal();
        var took = await cluster.RunUntilAsync(() => cluster.AllSeeEachOther([a, b]), TimeSpan.FromSeconds(10), "a and b joined after heal");
        took.Should().BeLessThanOrEqualTo(SwimCluster.FastOptions().AnnounceBackoffMax + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Watchers_get_the_current_snapshot_then_each_newer_version()
    {
        await using var cluster = new SwimCluster();
        var a = await cluster.StartAsync(0);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<MembershipSnapshot>();

        // Subscribe before b starts: the first item is the snapshot current at that moment.
        var enumerator = a.Membership.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        (await enumerator.MoveNextAsync()).Should().BeTrue();
        seen.Add(enumerator.Current);
        var watch = Task.Run(async () =>
        {
            await using (enumerator)
            {
                while (await enumerator.MoveNextAsync())
                {
                    lock (seen)
                    {
                        seen.Add(enumerator.Current);
                    }
                }
            }
        });

        var b = await cluster.StartAsync(1, [a]);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther([a, b]), TimeSpan.FromSeconds(10), "a and b alive");
        await cluster.StopAsync(a);
        await watch.WaitAsync(TimeSpan.FromSeconds(10));

        lock (seen)
        {
            seen[0].Version.Should().Be(0, "the first item is the snapshot current when watching started");
            seen.Select(s => s.Version).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
            seen.Last().Should().BeSameAs(a.Membership.Current, "the last item is the final snapshot");
            seen.Last().Members.Should().ContainSingle(m => m.Id == b.Id && m.Status == MemberStatus.Alive);
        }
    }
}
