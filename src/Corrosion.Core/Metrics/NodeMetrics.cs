using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using Corrosion.Crdt;

namespace Corrosion.Metrics;

/// <summary>
/// The storage engine's instruments. Counters and histograms are recorded where the work happens (once per
/// transaction or apply batch, never per row); gauges are observed only when a listener collects them.
/// </summary>
internal sealed class NodeMetrics : IDisposable
{
    private static readonly KeyValuePair<string, object?> SourceLocal = new("source", "local");
    private static readonly KeyValuePair<string, object?> SourceRemote = new("source", "remote");
    private static readonly KeyValuePair<string, object?> QueueRead = new("queue", "read");
    private static readonly KeyValuePair<string, object?> QueueWrite = new("queue", "write");

    // Seconds: from 50 µs (an idle pool) to 10 s (a writer stuck behind a huge transaction).
    private static readonly double[] PoolBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _changesCommitted;
    private readonly Histogram<double> _poolQueue;
    private readonly Histogram<double> _poolExecution;
    private readonly Histogram<double> _walTruncate;
    private readonly Counter<long> _walTruncateBusy;

    public NodeMetrics(IMeterFactory? meterFactory, CorrosionNode node)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(new MeterOptions(CorrosionMeter.Name)) ?? new Meter(CorrosionMeter.Name);
        _changesCommitted = _meter.CreateCounter<long>(
            "corro.changes.committed", "{change}", "Column changes committed, by table and source (local write or remote apply).");
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = PoolBuckets };
        _poolQueue = _meter.CreateHistogram("corro.sqlite.pool.queue.seconds", "s", "Time waiting for a SQLite connection, by queue (read or write).", advice: advice);
        _poolExecution = _meter.CreateHistogram("corro.sqlite.pool.execution.seconds", "s", "Time a SQLite connection was held, by queue (read or write).", advice: advice);
        _walTruncate = _meter.CreateHistogram("corro.db.wal.truncate.seconds", "s", "Time to checkpoint and truncate a write-ahead log that outgrew perf.wal_threshold_mb.", advice: advice);
        _walTruncateBusy = _meter.CreateCounter<long>("corro.db.wal.truncate.busy", "{attempt}", "Truncations of the write-ahead log that readers kept from finishing.");

        var version = BuildVersion();
        _meter.CreateObservableGauge("corro.build.info", () => new Measurement<long>(1, new KeyValuePair<string, object?>("version", version)), description: "Always 1; the version label names the running build.");
        _meter.CreateObservableGauge("corro.db.table.rows.total", () => node.ObserveRowCounts().Tables, "{row}", "Rows per table of the schema (counted when collected, at most once per database change).");
        _meter.CreateObservableGauge("corro.db.buffered.changes.rows.total", () => node.ObserveRowCounts().Buffered, "{row}", "Changes of incomplete remote versions waiting in __corro_buffered_changes.");
        _meter.CreateObservableGauge("corro.sqlite.pool.read.connections", () => node.ObservePool().ReadOpen, "{connection}", "Read-only SQLite connections open.");
        _meter.CreateObservableGauge("corro.sqlite.pool.read.connections.idle", () => node.ObservePool().ReadIdle, "{connection}", "Read-only SQLite connections open and not in use.");
        _meter.CreateObservableGauge("corro.sqlite.pool.write.connections", () => node.ObservePool().WriteOpen, "{connection}", "Writer connections open (one while the node is open).");
        _meter.CreateObservableGauge("corro.sqlite.pool.write.connections.idle", () => node.ObservePool().WriteIdle, "{connection}", "Writer connections open and not in use.");
    }

    /// <summary>The meter, for other parts of the node (gossip, HTTP) that add their instruments to it.</summary>
    public Meter Meter => _meter;

    /// <summary>Whether a listener counts committed changes per table (then every local version is read back).</summary>
    public bool CountsChanges => _changesCommitted.Enabled;

    public void Committed(Changeset changeset, bool local)
    {
        if (!_changesCommitted.Enabled)
        {
            return;
        }

        // Changes come grouped by table (read back table by table): one Add per run of a table, not per change.
        var changes = changeset.Changes;
        var source = local ? SourceLocal : SourceRemote;
        var start = 0;
        for (var i = 1; i <= changes.Count; i++)
        {
            if (i == changes.Count || !string.Equals(changes[i].Table, changes[start].Table, StringComparison.Ordinal))
            {
                _changesCommitted.Add(i - start, new KeyValuePair<string, object?>("table", changes[start].Table), source);
                start = i;
            }
        }
    }

    public void WalTruncated(TimeSpan took) => _walTruncate.Record(took.TotalSeconds);

    public void WalTruncateBusy() => _walTruncateBusy.Add(1);

    public void WriteQueued(long startedTimestamp, long acquiredTimestamp) =>
        _poolQueue.Record(Stopwatch.GetElapsedTime(startedTimestamp, acquiredTimestamp).TotalSeconds, QueueWrite);

    public void WriteHeld(long acquiredTimestamp) =>
        _poolExecution.Record(Stopwatch.GetElapsedTime(acquiredTimestamp).TotalSeconds, QueueWrite);

    public void ReadQueued(long startedTimestamp, long acquiredTimestamp) =>
        _poolQueue.Record(Stopwatch.GetElapsedTime(startedTimestamp, acquiredTimestamp).TotalSeconds, QueueRead);

    public void ReadHeld(long acquiredTimestamp) =>
        _poolExecution.Record(Stopwatch.GetElapsedTime(acquiredTimestamp).TotalSeconds, QueueRead);

    private static string BuildVersion()
    {
        var informational = typeof(NodeMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }

    public void Dispose()
    {
        // A factory's meters live as long as the factory (the service provider); a meter of our own ends with the node.
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
