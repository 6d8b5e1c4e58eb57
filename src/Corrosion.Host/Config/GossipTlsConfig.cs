namespace Corrosion.Host.Config;

/// <summary><c>[gossip.tls]</c>: peer TLS.</summary>
internal sealed class GossipTlsConfig
{
    /// <summary><c>cert_file</c> (required in this section).</summary>
    public string CertFile { get; set; } = string.Empty;

    /// <summary><c>key_file</c> (required in this section).</summary>
    public string KeyFile { get; set; } = string.Empty;

    /// <summary><c>ca_file</c>: optional CA to verify peers with.</summary>
    public string? CaFile { get; set; }

    /// <summary><c>insecure</c>: skip checking the signing authority. Default false.</summary>
    public bool Insecure { get; set; }

    /// <summary><c>[gossip.tls.client]</c>: client certificate for mutual TLS; null when absent.</summary>
    public TlsClientCertConfig? Client { get; set; }
}
