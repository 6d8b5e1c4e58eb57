namespace Corrosion.Host.Config;

/// <summary>One <c>reaper.tables.&lt;name&gt;</c> entry.</summary>
internal sealed class ReaperTableConfig
{
    /// <summary><c>retention</c> (required), a duration such as <c>"7d"</c>.</summary>
    public string Retention { get; set; } = string.Empty;

    public string? MatchFilter { get; set; }
}
