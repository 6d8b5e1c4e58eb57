namespace Corrosion.Metrics;

/// <summary>
/// The <see cref="System.Diagnostics.Metrics.Meter"/> every Corrosion instrument belongs to. Instrument names follow
/// Corrosion's (<c>corro.changes.committed</c>); the Prometheus exposition turns dots into underscores.
/// </summary>
public static class CorrosionMeter
{
    /// <summary>The meter's name, for <c>MeterListener</c>s and OpenTelemetry's <c>AddMeter</c>.</summary>
    public const string Name = "Corrosion";
}
