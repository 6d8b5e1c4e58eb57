using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Corrosion.Host.Tls;

/// <summary>
/// Key pairs for <c>[gossip.tls]</c>, as <c>corrosion tls ... generate</c> writes them: a CA, server certificates
/// (signed by the CA, with the node's IP as subject alternative name) and client certificates for mutual TLS.
/// ECDSA P-384 with SHA-384, like the original's.
/// </summary>
internal static class CertificateGenerator
{
    public const string CaCertFile = "ca_cert.pem";
    public const string CaKeyFile = "ca_key.pem";
    public const string ServerCertFile = "server_cert.pem";
    public const string ServerKeyFile = "server_key.pem";
    public const string ClientCertFile = "client_cert.pem";
    public const string ClientKeyFile = "client_key.pem";

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>A self-signed CA valid for 10 years.</summary>
    public static X509Certificate2 CreateCa(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest("CN=Corrosion Root CA, O=Corrosion", key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
    }

    /// <summary>A server certificate for <paramref name="ip"/>, signed by <paramref name="ca"/>, valid for 1 year.</summary>
    public static X509Certificate2 CreateServer(X509Certificate2 ca, IPAddress ip, DateTimeOffset now)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(ip);
        return CreateSigned(ca, $"CN={ip}, O=Corrosion", ServerAuth, names.Build(), now);
    }

    /// <summary>A client certificate signed by <paramref name="ca"/>, valid for 1 year.</summary>
    public static X509Certificate2 CreateClient(X509Certificate2 ca, DateTimeOffset now) =>
        CreateSigned(ca, "CN=Corrosion client, O=Corrosion", ClientAuth, null, now);

    /// <summary>Reads a CA certificate and its private key (PKCS#8 or SEC1 PEM).</summary>
    public static X509Certificate2 LoadCa(string certPath, string keyPath)
    {
        var cert = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        if (cert.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
        {
            cert.Dispose();
            throw new CryptographicException($"{certPath} is not a CA certificate");
        }

        return cert;
    }

    /// <summary>Writes the certificate and its private key as PEM; the key file is owner-only (0600).</summary>
    public static void WritePem(X509Certificate2 certificate, string certPath, string keyPath)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new CryptographicException("the certificate has no ECDSA private key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem() + "\n");
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
            return;
        }

        using var stream = new FileStream(keyPath, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    private static X509Certificate2 CreateSigned(X509Certificate2 ca, string subject, Oid usage, X509Extension? names, DateTimeOffset now)
    {
        using var caKey = ca.GetECDsaPrivateKey() ?? throw new CryptographicException("the CA certificate has no ECDSA private key");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (names is not null)
        {
            request.CertificateExtensions.Add(names);
        }

        var notAfter = now.AddYears(1) < ca.NotAfter ? now.AddYears(1) : new DateTimeOffset(ca.NotAfter);
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f;
        using var signed = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddDays(-1), notAfter, serial);
        return signed.CopyWithPrivateKey(key);
    }
}
