using Corrosion.Gossip.Cluster;
using Corrosion.Gossip.Membership;
using Corrosion.TestKit;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Cluster;

/// <summary>
/// The host stops the cluster layer with what is left of its shutdown budget. When HTTP requests draining before it
/// spent all of it, the token is already cancelled; that must bound the wait, not fail the stop (the agent logged
/// "Corrosion Agent failed ... A task was canceled" and exited 1).
/// </summary>
public sealed class StopDeadlineTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Stop_with_an_already_cancelled_token_does_not_throw_and_the_node_still_leaves()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var nodeA = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var nodeB = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        await using var a = LoopbackClusterService.Create(nodeA);
        await a.StartAsync(cts.Token);
        await using var b = LoopbackClusterService.Create(nodeB, LoopbackClusterService.AddressOf(a));
        await b.StartAsync(cts.Token);
        await LoopbackClusterService.SeeEachOtherAsync(a, nodeA, b, nodeB, TimeSpan.FromSeconds(30));

        var stop = () => b.StopAsync(new CancellationToken(canceled: true));

        await stop.Should().NotThrowAsync("a spent stop deadline means 'stop waiting', not 'the stop failed'");
        await Eventually.UntilAsync(
            () => Task.FromResult(a.Members.TryGet(nodeB.ActorId, out var member) && member.Status == MemberStatus.Left),
            TimeSpan.FromSeconds(30),
            "a sees b Left (the graceful leave still went out)",
            () => Task.FromResult($"a's view: {a.Members}"));

        await a.StopAsync(CancellationToken.None);
    }
}
