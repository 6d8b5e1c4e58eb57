namespace Corrosion.Gossip.Transport;

/// <summary><c>[gossip.tls.client]</c>: the client certificate for mutual TLS.</summary>
public sealed class GossipTlsClientOptions
{
    /// <summary><c>gossip.tls.client.cert_file</c>: PEM client certificate (client-auth EKU), signed by the cluster CA.</summary>
    public string CertFile { get; set; } = string.Empty;

    /// <summary><c>gossip.tls.client.key_file</c>: PEM private key of <see cref="CertFile"/>.</summary>
    public string KeyFile { get; set; } = string.Empty;
}
