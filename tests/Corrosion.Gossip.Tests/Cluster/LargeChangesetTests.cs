using Corrosion.TestKit;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Cluster;

/// <summary>
/// Versions whose changes add up to more than a peer frame (8 MiB), and single values bigger than one, reach the
/// other node by broadcast and by sync. Chunks were cut by change count only, so one transaction updating ten 1 MiB
/// rows became one 10 MiB frame that every peer refused ("peer frame of ... bytes exceeds the limit"), forever.
/// </summary>
public sealed class LargeChangesetTests : IDisposable
{
    private const string Schema = "CREATE TABLE kv (id TEXT NOT NULL PRIMARY KEY, v);";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_ten_megabyte_version_and_a_nine_megabyte_value_reach_a_connected_peer_by_broadcast()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var nodeA = await NodeFactory.OpenAsync(_dir, "a", Schema);
        await using var nodeB = await NodeFactory.OpenAsync(_dir, "b", Schema);
        await using var a = LoopbackClusterService.Create(nodeA);
        await a.StartAsync(cts.Token);
        await using var b = LoopbackClusterService.Create(nodeB, LoopbackClusterService.AddressOf(a));
        await b.StartAsync(cts.Token);
        await LoopbackClusterService.SeeEachOtherAsync(a, nodeA, b, nodeB, Deadline);

        await WriteLargeAsync(nodeA, cts.Token);

        await ExpectSameRowsAsync(nodeA, nodeB);
        await b.StopAsync(CancellationToken.None);
        await a.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_ten_megabyte_version_and_a_nine_megabyte_value_reach_a_late_joiner_by_sync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var nodeA = await NodeFactory.OpenAsync(_dir, "a", Schema);
        await using var nodeB = await NodeFactory.OpenAsync(_dir, "b", Schema);
        await using var a = LoopbackClusterService.Create(nodeA);
        await a.StartAsync(cts.Token);

        await WriteLargeAsync(nodeA, cts.Token);

        await using var b = LoopbackClusterService.Create(nodeB, LoopbackClusterService.AddressOf(a));
        await b.StartAsync(cts.Token);

        await ExpectSameRowsAsync(nodeA, nodeB);
        await b.StopAsync(CancellationToken.None);
        await a.StopAsync(CancellationToken.None);
    }

    private static async Task WriteLargeAsync(ICorrosionNode node, CancellationToken cancellationToken)
    {
        // Ten 1 MiB rows in one version, then all ten rewritten in another, then one 9 MiB value.
        var mebibyte = new string('x', 1 << 20);
        await node.ExecuteAsync(
            [.. Enumerable.Range(0, 10).Select(i => new Statement("INSERT INTO kv (id, v) VALUES (?, ?)", [$"big{i}", mebibyte]))],
            cancellationToken);
        await node.ExecuteAsync([new Statement("UPDATE kv SET v = v || 'y'")], cancellationToken);
        await node.ExecuteAsync([new Statement("INSERT INTO kv (id, v) VALUES ('huge', zeroblob(9000000))")], cancellationToken);
    }

    private static async Task ExpectSameRowsAsync(ICorrosionNode source, ICorrosionNode target)
    {
        const string Sql = "SELECT id, length(v), hex(substr(v, -2)) FROM kv ORDER BY id";
        var expected = await NodeQueries.RowsAsync(source, Sql);
        expected.Should().HaveCount(11);
        await Eventually.UntilAsync(
            async () => (await NodeQueries.RowsAsync(target, Sql)).SequenceEqual(expected),
            Deadline,
            "the other node to hold the large rows",
            async () => string.Join(", ", await NodeQueries.RowsAsync(target, Sql)));
    }
}
