namespace Corrosion.Gossip.Transport;

/// <summary><c>[gossip.tls]</c>: the node's certificate, the CA that signs the cluster's certificates, mutual TLS.</summary>
public sealed class GossipTlsOptions
{
    /// <summary><c>gossip.tls.cert_file</c>: PEM server certificate (optionally followed by its chain). Required.</summary>
    public string CertFile { get; set; } = string.Empty;

    /// <summary><c>gossip.tls.key_file</c>: PEM private key of <see cref="CertFile"/> (PKCS#8, SEC1 or PKCS#1). Required.</summary>
    public string KeyFile { get; set; } = string.Empty;

    /// <summary><c>gossip.tls.ca_file</c>: PEM CA certificate(s) peers must chain to. When unset, the system trust store is used.</summary>
    public string? CaFile { get; set; }

    /// <summary><c>gossip.tls.insecure</c>: do not verify the server certificate of peers this node connects to.</summary>
    public bool Insecure { get; set; }

    /// <summary><c>[gossip.tls.client]</c>: mutual TLS. When set, this node presents this certificate when it connects and
    /// requires every connecting peer to present one signed by <see cref="CaFile"/>.</summary>
    public GossipTlsClientOptions? Client { get; set; }
}
