using Corrosion.TestKit;
using FluentAssertions;
using Xunit;

namespace Corrosion.Cluster.Tests;

public sealed class ClusterPartitionTests
{
    [Fact]
    public async Task Both_sides_of_a_partition_keep_writing_and_converge_after_it_heals()
    {
        await using var cluster = await InMemoryCluster.StartAsync(4, seed: 5);
        var nodes = cluster.Nodes;
        await Eventually.UntilAsync(() => nodes.All(n => n.Cluster.Members.Members.Count(m => m.Status == Corrosion.Gossip.Membership.MemberStatus.Alive) == 3), TimeSpan.FromSeconds(30), "four nodes to see each other");

        var left = nodes.Take(2).ToList();
        var right = nodes.Skip(2).ToList();
        cluster.Network.Partition(left.Select(n => n.Cluster.Transport.LocalEndPoint), right.Select(n => n.Cluster.Transport.LocalEndPoint));
        await left[0].Node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('shared', 'left'), ('l', 'left only')"]);
        await right[0].Node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('shared', 'right'), ('r', 'right only')"]);

        await Eventually.UntilAsync(async () => await InMemoryCluster.SnapshotAsync(left[1].Node) == await InMemoryCluster.SnapshotAsync(left[0].Node), TimeSpan.FromSeconds(30), "the left side to converge");
        await Eventually.UntilAsync(async () => await InMemoryCluster.SnapshotAsync(right[1].Node) == await InMemoryCluster.SnapshotAsync(right[0].Node), TimeSpan.FromSeconds(30), "the right side to converge");
        (await InMemoryCluster.SnapshotAsync(left[1].Node)).Should().NotContain("right only", "the partition holds");

        cluster.Network.Heal();
        await Eventually.UntilAsync(
            async () => (await Task.WhenAll(nodes.Select(n => InMemoryCluster.SnapshotAsync(n.Node)))).Distinct().Count() == 1,
            TimeSpan.FromSeconds(60),
            "all four nodes to converge after the heal");
        var final = await InMemoryCluster.SnapshotAsync(nodes[0].Node);
        final.Should().Contain("l|left only").And.Contain("r|right only").And.Contain("shared|right", "'right' > 'left' at equal col_version");
    }
}
