using System.Diagnostics.Metrics;
using Corrosion.Options;
using Corrosion.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace Corrosion.Core.Tests.Node;

/// <summary><c>perf.wal_threshold_mb</c>: a write-ahead log file that outgrew the threshold is truncated on the next check.</summary>
public sealed class WalMaintenanceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_log_over_the_threshold_is_truncated_at_the_next_check_and_the_truncation_is_timed()
    {
        var time = new FakeTimeProvider();
        var schemaPath = _dir.Combine("todos.sql");
        await File.WriteAllTextAsync(schemaPath, Schemas.Todos);
        var options = new CorrosionOptions
        {
            DatabasePath = _dir.Combine("state.db"),
            SchemaPaths = [schemaPath],
            WalThresholdBytes = 64 * 1024,
            WalCheckInterval = TimeSpan.FromMinutes(5),
        };
        await using var node = await CorrosionNode.OpenAsync(options, time: time);

        var truncations = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, node.Metrics.Meter) && instrument.Name == "corro.db.wal.truncate.seconds")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            lock (truncations)
            {
                truncations.Add(seconds);
            }
        });
        listener.Start();

        for (var batch = 0; batch < 10; batch++)
        {
            await node.ExecuteAsync([.. Enumerable.Range(0, 100).Select(i => new Statement(
                "INSERT INTO todos (id, title) VALUES (?, ?)", [$"todo-{batch}-{i}", new string('x', 200)]))]);
        }

        var wal = new FileInfo(options.DatabasePath + "-wal");
        wal.Refresh();
        wal.Length.Should().BeGreaterThan(options.WalThresholdBytes, "the writes outgrew the threshold and no check ran since");

        time.Advance(options.WalCheckInterval);
        await Eventually.UntilAsync(
            () =>
            {
                wal.Refresh();
                lock (truncations)
                {
                    return Task.FromResult(wal.Length == 0 && truncations.Count == 1);
                }
            },
            TimeSpan.FromSeconds(20),
            "the log is truncated once the interval passed",
            () =>
            {
                lock (truncations)
                {
                    return Task.FromResult($"log {wal.Length} bytes, {truncations.Count} truncations timed");
                }
            });

        await using var rows = await node.QueryAsync("SELECT count(*) FROM todos");
        (await rows.ReadRowsAsync().SingleAsync()).Values[0].AsInteger.Should().Be(1000, "truncating lost nothing");
    }
}
