using Corrosion.TestKit;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Corrosion.Gossip.Tests.Cluster;

/// <summary>
/// Two nodes whose schema files disagree (b has a NOT NULL that a lacks). a's NULL cannot be merged on b: b must say
/// so in its log, keep taking a's other versions, and stop cleanly. SQLite's constraint error escaped the merge as an
/// exception the cluster layer did not expect: the broadcast stream ended with no log line, and a sync round that
/// met it ended b's sync loop for good (then failed b's stop).
/// </summary>
public sealed class SchemaMismatchTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    // a writes NULL titles that b's schema refuses.
    private const string WriterSchema = "CREATE TABLE todos (id TEXT NOT NULL PRIMARY KEY, title TEXT);";
    private const string StricterSchema = "CREATE TABLE todos (id TEXT NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '');";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_change_the_peer_schema_refuses_is_logged_and_later_versions_still_arrive()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var logs = new ListLoggerProvider();
        await using var nodeA = await NodeFactory.OpenAsync(_dir, "a", WriterSchema);
        await using var nodeB = await NodeFactory.OpenAsync(_dir, "b", StricterSchema);
        await using var a = LoopbackClusterService.Create(nodeA);
        await a.StartAsync(cts.Token);
        await using var b = LoopbackClusterService.Create(nodeB, logs, LoopbackClusterService.AddressOf(a));
        await b.StartAsync(cts.Token);
        await LoopbackClusterService.SeeEachOtherAsync(a, nodeA, b, nodeB, Deadline);

        await nodeA.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('null', NULL)"], cts.Token);

        await Eventually.UntilAsync(
            () => logs.Entries.Any(e => e.Level >= LogLevel.Warning && e.Message.Contains("NOT NULL constraint failed: todos.title", StringComparison.Ordinal)),
            Deadline,
            "b to log why it refused a's version");

        await nodeA.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('fine', 'x')"], cts.Token);
        await Eventually.UntilAsync(
            async () => (await NodeQueries.RowsAsync(nodeB, "SELECT id, title FROM todos")).SequenceEqual(["fine|x"]),
            Deadline,
            "a's next version on b");

        await b.Invoking(s => s.StopAsync(CancellationToken.None)).Should().NotThrowAsync();
        await a.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_version_the_peer_schema_refuses_does_not_hold_back_the_versions_synced_with_it()
    {
        // b joins after a wrote everything, so all of it comes by sync: the refused version was in the same apply
        // batch as the rest, the batch was rolled back and the session ended, every round, so b never got any of it.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var logs = new ListLoggerProvider();
        await using var nodeA = await NodeFactory.OpenAsync(_dir, "a", WriterSchema);
        await using var nodeB = await NodeFactory.OpenAsync(_dir, "b", StricterSchema);
        await using var a = LoopbackClusterService.Create(nodeA);
        await a.StartAsync(cts.Token);
        await nodeA.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('first', 'x')"], cts.Token);
        await nodeA.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('null', NULL)"], cts.Token);
        for (var i = 0; i < 5; i++)
        {
            await nodeA.ExecuteAsync([new Statement("INSERT INTO todos (id, title) VALUES (?, 'x')", [$"later{i}"])], cts.Token);
        }

        await using var b = LoopbackClusterService.Create(nodeB, logs, LoopbackClusterService.AddressOf(a));
        await b.StartAsync(cts.Token);

        string[] expected = ["first|x", "later0|x", "later1|x", "later2|x", "later3|x", "later4|x"];
        await Eventually.UntilAsync(
            async () => (await NodeQueries.RowsAsync(nodeB, "SELECT id, title FROM todos ORDER BY id")).SequenceEqual(expected),
            Deadline,
            "a's mergeable versions on b",
            async () => string.Join(", ", await NodeQueries.RowsAsync(nodeB, "SELECT id, title FROM todos ORDER BY id")));
        // Every round offers the refused version again: it is a warning once, then debug (a warning per version per
        // round was thousands of lines a minute).
        await Eventually.UntilAsync(
            () => logs.Entries.Any(e => e.Level == LogLevel.Debug && e.Message.Contains("again: ", StringComparison.Ordinal) && e.Message.Contains("NOT NULL constraint failed: todos.title", StringComparison.Ordinal)),
            Deadline,
            "b to meet the refused version in a later round");
        logs.Entries.Where(e => e.Level >= LogLevel.Warning && e.Message.Contains("NOT NULL constraint failed: todos.title", StringComparison.Ordinal))
            .Should().ContainSingle();

        // A round that only met the refused version got nothing: no "synced 1 changes" line (one a second, forever).
        static bool Again(string message) => message.Contains("again: ", StringComparison.Ordinal);
        // (From the second repeat on: the first rounds ran concurrently with the ones that brought the rows.)
        await Eventually.UntilAsync(
            () => logs.Entries.Count(e => Again(e.Message)) >= 4,
            Deadline,
            "three more rounds that meet the refused version");
        var entries = logs.Entries.ToList();
        var repeats = entries.Select((e, i) => (e, i)).Where(x => Again(x.e.Message)).Select(x => x.i).ToList();
        entries[repeats[1]..repeats[3]].Should().NotContain(e => e.EventId.Name == "Synced" || e.EventId.Name == "SyncedAsServer");

        await b.Invoking(s => s.StopAsync(CancellationToken.None)).Should().NotThrowAsync();
        await a.StopAsync(CancellationToken.None);
    }
}
