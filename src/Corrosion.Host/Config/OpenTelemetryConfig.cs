namespace Corrosion.Host.Config;

/// <summary><c>telemetry.open-telemetry</c>: <c>"from-env"</c> or <c>{ exporter = { endpoint = "..." } }</c>.</summary>
internal sealed class OpenTelemetryConfig
{
    /// <summary>True for <c>"from-env"</c> (also accepted: <c>"from_env"</c>).</summary>
    public bool FromEnv { get; set; }

    /// <summary><c>exporter.endpoint</c>.</summary>
    public string? ExporterEndpoint { get; set; }
}
