namespace Corrosion.Gossip.Transport;

/// <summary>Filled by the certificate validation of one handshake: why this node refused the peer's certificate, if it did.</summary>
internal sealed class CertificateCheck
{
    public string? Rejection { get; set; }
}
