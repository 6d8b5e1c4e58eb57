namespace Corrosion.Host.Config;

/// <summary><c>consul.client.tls</c>.</summary>
internal sealed class ConsulTlsConfig
{
    public string? CaFile { get; set; }

    public string? CertFile { get; set; }

    public string? KeyFile { get; set; }
}
