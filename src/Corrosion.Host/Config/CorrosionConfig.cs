namespace Corrosion.Host.Config;

/// <summary>
/// The whole <c>config.toml</c>, after parsing and validation. Defaults equal the documented ones. Section types
/// live next to this one, one a file. Built by <see cref="ConfigParser"/>; mapped onto the libraries' options by
/// <see cref="ConfigMapper"/>.
/// </summary>
internal sealed class CorrosionConfig
{
    public DbConfig Db { get; set; } = new();

    public GossipConfig Gossip { get; set; } = new();

    public ApiConfig Api { get; set; } = new();

    public AdminConfig Admin { get; set; } = new();

    public TelemetryConfig Telemetry { get; set; } = new();

    public LogConfig Log { get; set; } = new();

    /// <summary><c>[consul]</c>; null when the section is absent.</summary>
    public ConsulConfig? Consul { get; set; }

    public PerfConfig Perf { get; set; } = new();

    /// <summary><c>[reaper]</c>; null when the section is absent.</summary>
    public ReaperConfig? Reaper { get; set; }
}
