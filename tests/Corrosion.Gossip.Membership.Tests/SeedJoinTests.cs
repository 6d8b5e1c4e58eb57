using Xunit.Abstractions;

namespace Corrosion.Gossip.Membership.Tests;

public sealed class SeedJoinTests(ITestOutputHelper output)
{
    /// <summary>
    /// A hundred members start at once, all through the same seed (as the simulation benchmark does). The seed's feed
    /// carries every member it knows, so each joiner knows the whole cluster from its first answer, and periodic
    /// announces to random members close any gap the join dissemination left. With a one-datagram feed (about 20
    /// members) this took 99 simulated seconds (about n probe periods): most pairs met only when one probed the other.
    /// </summary>
    [Fact]
    public async Task A_hundred_members_starting_together_through_one_seed_all_see_each_other_within_a_few_periods()
    {
        const int count = 100;
        await using var cluster = new SwimCluster();
        var seed = await cluster.StartAsync(0);
        var nodes = new List<SwimTestNode> { seed };
        for (var i = 1; i < count; i++)
        {
            nodes.Add(await cluster.StartAsync(i, [seed], settle: false));
        }

        var options = SwimCluster.FastOptions();
        var deadline = options.AnnouncePeriod + (options.ProbePeriod * 5);
        var took = await cluster.RunUntilAsync(
            () => nodes.All(n => n.Membership.Current.Members.Count(m => m.Status == MemberStatus.Alive) == count - 1),
            deadline,
            $"{count} members alive everywhere");

        output.WriteLine($"{count} members joined through one seed in {took.TotalSeconds:0.##} simulated seconds");
        cluster.AllSeeEachOther(nodes).Should().BeTrue("every member knows every other run, alive");
        nodes.Should().OnlyContain(n => n.Membership.Statistics.HandlerErrors == 0 && n.Membership.Statistics.SendFailures == 0);
    }
}
