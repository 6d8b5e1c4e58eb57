namespace Corrosion.Gossip.Membership.Tests;

public sealed class ReproducibilityTests
{
    [Fact]
    public async Task The_same_seeds_give_the_same_run()
    {
        var first = await RunAsync(networkSeed: 5);
        var second = await RunAsync(networkSeed: 5);
        var other = await RunAsync(networkSeed: 6);

        second.Should().Be(first, "fake time, seeded randomness and canonical delivery order leave nothing to chance");
        other.Should().NotBe(first, "a different loss pattern gives a different run (so the comparison means something)");
    }

    private static async Task<string> RunAsync(int networkSeed)
    {
        await using var cluster = new SwimCluster(networkSeed: networkSeed);
        cluster.Network.LossRate = 0.05;
        var nodes = await cluster.StartManyAsync(5);
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(5));
        cluster.Network.Isolate(nodes[4].Address);
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(15));
        return $"sent {cluster.Network.Sent}, dropped {cluster.Network.Dropped}\n{cluster.Describe()}\n" +
            string.Join("\n", nodes.Select(n => string.Join(", ", n.Membership.Current.Members.Select(m => $"{m.Status}@{m.Since:O}"))));
    }
}
