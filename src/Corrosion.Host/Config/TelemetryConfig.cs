using System.Net;

namespace Corrosion.Host.Config;

/// <summary><c>[telemetry]</c>.</summary>
internal sealed class TelemetryConfig
{
    /// <summary><c>telemetry.prometheus.addr</c> (alias <c>bind_addr</c>); null: no exporter.</summary>
    public IPEndPoint? PrometheusAddr { get; set; }

    /// <summary><c>telemetry.open-telemetry</c>; null when absent.</summary>
    public OpenTelemetryConfig? OpenTelemetry { get; set; }
}
