namespace Corrosion.Host.Config;

/// <summary>Command-line settings that win over the config file: <c>--api-addr</c>, <c>--db-path</c>, <c>--admin-path</c>.</summary>
internal sealed record ConfigOverrides(string? ApiAddr = null, string? DbPath = null, string? AdminPath = null)
{
    public static ConfigOverrides None { get; } = new();
}
