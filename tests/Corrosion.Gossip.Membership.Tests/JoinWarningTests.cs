using Corrosion.TestKit;
using Microsoft.Extensions.Logging;

namespace Corrosion.Gossip.Membership.Tests;

/// <summary>A node whose join targets never answer says so instead of staying silent after "started".</summary>
public sealed class JoinWarningTests
{
    [Fact]
    public async Task A_node_whose_bootstrap_never_answers_warns_and_stops_warning_once_it_joins()
    {
        await using var cluster = new SwimCluster();
        using var logs = new ListLoggerProvider();
        var logger = logs.CreateLogger<SwimMembership>();
        var nobody = SwimCluster.AddressOf(7);
        var lonely = await cluster.StartAsync(0, configure: o => o.Bootstrap.Add(nobody), logger: logger);

        await cluster.RunUntilAsync(() => logs.Messages(2519, LogLevel.Warning).Any(), TimeSpan.FromSeconds(60), "a warning that nobody answers");
        var warning = logs.Messages(2519, LogLevel.Warning).First();
        warning.Should().Contain(nobody.ToString()).And.Contain("gossip.bootstrap");
        warning.Should().Contain($"at the address it advertises, {lonely.Membership.Self.Address} (gossip.external_addr, else gossip.addr)",
            "peers that cannot reach the advertised address never answer either (a wrong gossip.external_addr)");
        lonely.Membership.IsJoined.Should().BeFalse();

        // Once a peer answers, the warnings stop.
        var peer = await cluster.StartAsync(7);
        await cluster.RunUntilAsync(() => lonely.Membership.IsJoined, TimeSpan.FromSeconds(120), "the join once the bootstrap peer runs");
        var count = logs.Messages(2519, LogLevel.Warning).Count();
        await cluster.AdvanceAsync(TimeSpan.FromMinutes(15));
        logs.Messages(2519, LogLevel.Warning).Should().HaveCount(count, "a joined node does not warn about its join targets");
        peer.Membership.IsJoined.Should().BeTrue();
    }
}
