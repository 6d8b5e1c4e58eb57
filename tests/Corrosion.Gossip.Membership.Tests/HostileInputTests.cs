using System.Net;
using Corrosion.Gossip.Protocol;

namespace Corrosion.Gossip.Membership.Tests;

public sealed class HostileInputTests
{
    [Fact]
    public async Task Members_of_another_cluster_are_ignored()
    {
        await using var cluster = new SwimCluster();
        var nodes = await cluster.StartManyAsync(2);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(10), "initial join");

        var stranger = await cluster.StartAsync(2, [nodes[0]], configure: o => o.ClusterId = 7);
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(15));

        nodes[0].Membership.Current.TryGet(stranger.Id, out _).Should().BeFalse("its messages carry cluster id 7");
        nodes[1].Membership.Current.TryGet(stranger.Id, out _).Should().BeFalse();
        nodes[0].Membership.Statistics.ForeignClusterDropped.Should().BeGreaterThanOrEqualTo(4, "it kept announcing with backoff");
        stranger.Membership.IsJoined.Should().BeFalse("nobody of cluster 7 answered");
        stranger.Membership.Current.Members.Should().BeEmpty();
        cluster.AllSeeEachOther(nodes).Should().BeTrue();
    }

    [Fact]
    public async Task Malformed_truncated_and_fuzzed_datagrams_are_dropped_and_counted_and_the_loop_keeps_running()
    {
        await using var cluster = new SwimCluster();
        var nodes = await cluster.StartManyAsync(2);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(10), "initial join");
        var target = nodes[1];
        var from = new IPEndPoint(IPAddress.Parse("10.9.9.9"), 4001);
        var before = target.Membership.Statistics;

        var valid = SwimCodec.Encode(new SwimMessage(
            SwimMessageKind.Gossip,
            0,
            new Member(ActorId.NewRandom(), from, cluster.Time.GetUtcNow()),
            0,
            0,
            null,
            [new MemberState(new Member(ActorId.NewRandom(), new IPEndPoint(IPAddress.IPv6Loopback, 5), cluster.Time.GetUtcNow()), MemberStatus.Suspect, 3)]));
        var inputs = new List<byte[]> { Array.Empty<byte>(), new byte[] { 1 }, new byte[] { 2, 7, 0, 0 }, new byte[70_000] };
        for (var length = 0; length < valid.Length; length++)
        {
            inputs.Add(valid[..length]);
        }

        inputs.Add([.. valid, 0]);
        var random = new Random(42);
        for (var i = 0; i < 500; i++)
        {
            var mutated = (byte[])valid.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            inputs.Add(mutated);
            var noise = new byte[random.Next(0, 200)];
            random.NextBytes(noise);
            if (noise.Length > 0)
            {
                noise[0] = SwimCodec.Version;
            }

            inputs.Add(noise);
        }

        var expectedMalformed = inputs.Count(bytes => !Decodes(bytes));
        expectedMalformed.Should().BeGreaterThan(valid.Length, "every truncation and most mutations are invalid");
        foreach (var input in inputs)
        {
            cluster.Network.Inject(from, target.Address, input);
        }

        await cluster.SettleAsync();
        var after = target.Membership.Statistics;
        (after.MalformedDropped - before.MalformedDropped).Should().Be(expectedMalformed);
        after.HandlerErrors.Should().Be(0, "well-formed hostile messages are handled like any other");

        // Still running: a new member joins through the fuzzed node, and it keeps answering probes. (The well-formed
        // hostile messages planted fake members, so a full mesh of the real ones takes longer; not asserted here.)
        var late = await cluster.StartAsync(5, [target]);
        await cluster.RunUntilAsync(
            () => late.StatusOf(target) == MemberStatus.Alive && target.StatusOf(late) == MemberStatus.Alive,
            TimeSpan.FromSeconds(5),
            "join through the fuzzed node");
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(20));
        nodes[0].StatusOf(target).Should().Be(MemberStatus.Alive, "the fuzzed node still answers probes");
        target.StatusOf(nodes[0]).Should().Be(MemberStatus.Alive);
        target.Membership.Statistics.HandlerErrors.Should().Be(0);
    }

    private static bool Decodes(byte[] bytes)
    {
        try
        {
            SwimCodec.Decode(bytes);
            return true;
        }
        catch (SwimProtocolException)
        {
            return false;
        }
    }
}
