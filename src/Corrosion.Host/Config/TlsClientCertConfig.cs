namespace Corrosion.Host.Config;

/// <summary><c>[gossip.tls.client]</c>: the client certificate for mutual TLS.</summary>
internal sealed class TlsClientCertConfig
{
    public string CertFile { get; set; } = string.Empty;

    public string KeyFile { get; set; } = string.Empty;
}
