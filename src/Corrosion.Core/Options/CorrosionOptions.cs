namespace Corrosion.Options;

/// <summary>The node's storage settings: the <c>[db]</c> section of the config.</summary>
public sealed class CorrosionOptions
{
    /// <summary><c>db.path</c>: the SQLite database file. Required.</summary>
    public string DatabasePath { get; set; } = string.Empty;

    /// <summary><c>db.schema_paths</c>: schema <c>.sql</c> files, or directories of them.</summary>
    public IList<string> SchemaPaths { get; set; } = [];

    /// <summary><c>db.subscriptions_path</c>: where subscriptions persist; defaults to <c>&lt;db dir&gt;/subscriptions</c>.</summary>
    public string? SubscriptionsPath { get; set; }

    /// <summary>How long a subscription with no client is kept (matched and persisted) before it is dropped.</summary>
    public TimeSpan SubscriptionRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Recent changes each subscription keeps for clients resuming with <c>from=</c>.</summary>
    public int SubscriptionHistoryLimit { get; set; } = 10_000;

    /// <summary>Events buffered per subscription client; a client that falls further behind is disconnected.</summary>
    public int SubscriptionClientBufferSize { get; set; } = 1024;

    /// <summary><c>db.cache_size_kib</c>: SQLite page cache; negative means KiB (SQLite's convention).</summary>
    public long CacheSizeKib { get; set; } = -1048576;

    /// <summary>Read-only connections in the reader pool.</summary>
    public int ReadConnections { get; set; } = 8;

    /// <summary>How long a statement waits on a locked database before failing.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Changes per changeset chunk when reading a version back (cr-sqlite keeps big versions in pieces).</summary>
    public int MaxChangesPerChunk { get; set; } = 1000;

    /// <summary>
    /// <c>perf.wal_threshold_mb</c> (in bytes here): a write-ahead log file larger than this is checkpointed and
    /// truncated, when the node opens and then every <see cref="WalCheckInterval"/>. SQLite's own checkpoints copy
    /// the log back but never shrink its file, which heavy writes can leave gigabytes long.
    /// </summary>
    public long WalThresholdBytes { get; set; } = 5120L * 1024 * 1024;

    /// <summary>How often the write-ahead log's size is checked against <see cref="WalThresholdBytes"/>.</summary>
    public TimeSpan WalCheckInterval { get; set; } = TimeSpan.FromMinutes(5);
}
