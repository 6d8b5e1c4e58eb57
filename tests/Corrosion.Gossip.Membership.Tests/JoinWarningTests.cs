using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Corrosion.Gossip.Membership.Tests;

/// <summary>A node whose join targets never answer says so instead of staying silent after "started".</summary>
public sealed class JoinWarningTests
{
    [Fact]
    public async Task A_node_whose_bootstrap_never_answers_warns_and_stops_warning_once_it_joins()
    {
        await using var cluster = new SwimCluster();
        var logger = new CollectingLogger();
        var nobody = SwimCluster.AddressOf(7);
        var lonely = await cluster.StartAsync(0, configure: o => o.Bootstrap.Add(nobody), logger: logger);

        await cluster.RunUntilAsync(() => logger.Warnings(2519).Any(), TimeSpan.FromSeconds(60), "a warning that nobody answers");
        var warning = logger.Warnings(2519).First();
        warning.Should().Contain(nobody.ToString()).And.Contain("gossip.bootstrap");
        lonely.Membership.IsJoined.Should().BeFalse();

        // Once a peer answers, the warnings stop.
        var peer = await cluster.StartAsync(7);
        await cluster.RunUntilAsync(() => lonely.Membership.IsJoined, TimeSpan.FromSeconds(120), "the join once the bootstrap peer runs");
        var count = logger.Warnings(2519).Count();
        await cluster.AdvanceAsync(TimeSpan.FromMinutes(15));
        logger.Warnings(2519).Should().HaveCount(count, "a joined node does not warn about its join targets");
        peer.Membership.IsJoined.Should().BeTrue();
    }

    private sealed class CollectingLogger : ILogger<SwimMembership>
    {
        private readonly ConcurrentQueue<(int EventId, LogLevel Level, string Message)> _entries = new();

        public IEnumerable<string> Warnings(int eventId) => _entries.Where(e => e.EventId == eventId && e.Level == LogLevel.Warning).Select(e => e.Message);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}
