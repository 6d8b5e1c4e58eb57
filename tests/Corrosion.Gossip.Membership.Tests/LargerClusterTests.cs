using Xunit.Abstractions;

namespace Corrosion.Gossip.Membership.Tests;

public sealed class LargerClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Twenty_five_members_join_and_a_silent_one_is_down_everywhere_within_the_deadline()
    {
        await using var cluster = new SwimCluster();
        var nodes = await cluster.StartManyAsync(25);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(60), "25 members alive everywhere");

        var silent = nodes[13];
        var others = nodes.Where(n => n != silent).ToList();
        var options = SwimCluster.FastOptions();
        var (_, down, notBefore) = FailureDetectionTests.Deadlines(options, 25);
        cluster.Network.Isolate(silent.Address);

        var firstDown = TimeSpan.MaxValue;
        var start = cluster.Time.GetUtcNow();
        var took = await cluster.RunUntilAsync(
            () =>
            {
                if (firstDown == TimeSpan.MaxValue && others.Any(n => n.StatusOf(silent) == MemberStatus.Down))
                {
                    firstDown = cluster.Time.GetUtcNow() - start;
                }

                return others.All(n => n.StatusOf(silent) == MemberStatus.Down);
            },
            down + TimeSpan.FromSeconds(30),
            "silent member down on all 24 others");

        output.WriteLine($"first down after {firstDown}, down everywhere after {took}; bounds: not before {notBefore}, within {down}");
        firstDown.Should().BeGreaterThanOrEqualTo(notBefore);
        took.Should().BeLessThanOrEqualTo(down, $"the documented deadline 2(n-1)P + S(n) + 2 gossip periods = {down}");
        others.Should().OnlyContain(n => others.Where(o => o != n).All(o => n.StatusOf(o) == MemberStatus.Alive), "nobody else was suspected");
    }
}
