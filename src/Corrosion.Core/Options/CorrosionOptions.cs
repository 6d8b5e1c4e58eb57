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

    /// <summary><c>db.cache_size_kib</c>: SQLite page cache; negative means KiB (SQLite's convention).</summary>
    public long CacheSizeKib { get; set; } = -1048576;

    /// <summary>Read-only connections in the reader pool.</summary>
    public int ReadConnections { get; set; } = 8;

    /// <summary>How long a statement waits on a locked database before failing.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Changes per changeset chunk when reading a version back (cr-sqlite keeps big versions in pieces).</summary>
    public int MaxChangesPerChunk { get; set; } = 1000;
}
