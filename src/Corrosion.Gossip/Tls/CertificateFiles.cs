namespace Corrosion.Gossip.Tls;

/// <summary>The two PEM files written for one certificate: the certificate and its PKCS#8 private key (mode 0600).</summary>
/// <param name="CertificatePath">The certificate file's full path.</param>
/// <param name="KeyPath">The private key file's full path.</param>
public sealed record CertificateFiles(string CertificatePath, string KeyPath);
