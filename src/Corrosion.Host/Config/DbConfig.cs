namespace Corrosion.Host.Config;

/// <summary><c>[db]</c>: the SQLite database.</summary>
internal sealed class DbConfig
{
    public const long DefaultCacheSizeKib = -1048576;

    /// <summary><c>db.path</c> (required): the SQLite database file.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary><c>db.schema_paths</c>: <c>.sql</c> files or directories of them. Default: none.</summary>
    public List<string> SchemaPaths { get; set; } = [];

    /// <summary><c>db.subscriptions_path</c>: default <c>&lt;dir of path&gt;/subscriptions</c> (left to the engine when null).</summary>
    public string? SubscriptionsPath { get; set; }

    /// <summary><c>db.cache_size_kib</c>: SQLite's page cache; negative is KiB. Default -1048576 (1 GiB).</summary>
    public long CacheSizeKib { get; set; } = DefaultCacheSizeKib;
}
