namespace Corrosion.Host.Config;

/// <summary><c>[consul]</c>: the Consul client used by <c>corrosion consul sync</c>.</summary>
internal sealed class ConsulConfig
{
    public const string DefaultAddress = "127.0.0.1:8501";

    /// <summary><c>consul.client.address</c> (alias <c>addr</c>). Default <c>127.0.0.1:8501</c>.</summary>
    public string Address { get; set; } = DefaultAddress;

    /// <summary><c>consul.client.tls</c>; null when absent.</summary>
    public ConsulTlsConfig? Tls { get; set; }
}
