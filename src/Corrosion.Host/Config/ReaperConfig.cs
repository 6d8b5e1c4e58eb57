namespace Corrosion.Host.Config;

/// <summary><c>[reaper]</c>: clean-up of long-deleted rows' bookkeeping.</summary>
internal sealed class ReaperConfig
{
    /// <summary><c>reaper.tables.&lt;name&gt;</c>.</summary>
    public Dictionary<string, ReaperTableConfig> Tables { get; set; } = new(StringComparer.Ordinal);

    public long CheckInterval { get; set; } = 3600;

    public bool CheckOrphanedPks { get; set; }

    public long RowLimit { get; set; } = 500;
}
