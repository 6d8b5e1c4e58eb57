using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Corrosion.Gossip.Tls;

/// <summary>
/// Certificates for <c>[gossip.tls]</c>, as <c>corrosion tls ca|server|client generate</c> writes them: a self-signed
/// ECDSA P-256 CA, server certificates for an IP address signed by it, and client certificates (mutual TLS) signed by it.
/// Files are PEM; keys are unencrypted PKCS#8 written with mode 0600 on Unix.
/// </summary>
/// <param name="timeProvider">The clock that dates the certificates' validity; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
public sealed class CertificateAuthority(TimeProvider? timeProvider = null)
{
    /// <summary>The CA certificate's file name, written by <see cref="GenerateCa"/>.</summary>
    public const string CaCertificateFileName = "ca_cert.pem";
    /// <summary>The CA private key's file name, written by <see cref="GenerateCa"/>.</summary>
    public const string CaKeyFileName = "ca_key.pem";
    /// <summary>The server certificate's file name, written by <see cref="GenerateServer"/>.</summary>
    public const string ServerCertificateFileName = "server_cert.pem";
    /// <summary>The server private key's file name, written by <see cref="GenerateServer"/>.</summary>
    public const string ServerKeyFileName = "server_key.pem";
    /// <summary>The client certificate's file name, written by <see cref="GenerateClient"/>.</summary>
    public const string ClientCertificateFileName = "client_cert.pem";
    /// <summary>The client private key's file name, written by <see cref="GenerateClient"/>.</summary>
    public const string ClientKeyFileName = "client_key.pem";

    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);
    private static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(825);
    private static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    private readonly TimeProvider _timeProvider = timeProvider ?? TimeProvider.System;

    /// <summary>
    /// Generates a CA and writes <c>ca_cert.pem</c> and <c>ca_key.pem</c> into <paramref name="outputDirectory"/>.
    /// Refuses (<see cref="IOException"/>, nothing written) when either file exists there: a new CA key in place of
    /// the one that signed a cluster's certificates cannot sign certificates that cluster accepts.
    /// </summary>
    public CertificateFiles GenerateCa(string outputDirectory, string commonName = "Corrosion CA")
    {
        foreach (var name in (ReadOnlySpan<string>)[CaKeyFileName, CaCertificateFileName])
        {
            var existing = Path.GetFullPath(Path.Combine(outputDirectory, name));
            if (File.Exists(existing))
            {
                throw new IOException($"{existing} already exists; refusing to replace a CA (move it away or write the new CA elsewhere), nothing was written");
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(X509BasicConstraintsExtension.CreateForCertificateAuthority(pathLengthConstraint: 0));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = _timeProvider.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now - Backdate, now + CaLifetime);
        return Write(outputDirectory, CaCertificateFileName, CaKeyFileName, certificate, key);
    }

    /// <summary>
    /// Generates a server certificate for <paramref name="address"/> (IP SAN; plus DNS SANs for <paramref name="dnsNames"/>)
    /// signed by the CA in <paramref name="caCertificatePath"/>/<paramref name="caKeyPath"/>, and writes
    /// <c>server_cert.pem</c> and <c>server_key.pem</c>.
    /// </summary>
    public CertificateFiles GenerateServer(string outputDirectory, IPAddress address, string caCertificatePath, string caKeyPath, params string[] dnsNames)
    {
        ArgumentNullException.ThrowIfNull(address);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(address);
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }

        return GenerateLeaf(outputDirectory, ServerCertificateFileName, ServerKeyFileName, $"CN={address}", san.Build(), ServerAuthOid, caCertificatePath, caKeyPath);
    }

    /// <summary>Generates a client certificate (client-auth EKU) signed by the CA and writes <c>client_cert.pem</c> and <c>client_key.pem</c>.</summary>
    public CertificateFiles GenerateClient(string outputDirectory, string caCertificatePath, string caKeyPath, string commonName = "Corrosion client")
    {
        return GenerateLeaf(outputDirectory, ClientCertificateFileName, ClientKeyFileName, $"CN={commonName}", san: null, ClientAuthOid, caCertificatePath, caKeyPath);
    }

    /// <summary>Loads a certificate and its private key from PEM files.</summary>
    public static X509Certificate2 Load(string certificatePath, string keyPath) =>
        X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

    /// <summary>Loads the first certificate of a PEM file (no key).</summary>
    public static X509Certificate2 LoadCertificate(string certificatePath) =>
        X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));

    private CertificateFiles GenerateLeaf(
        string outputDirectory,
        string certificateFileName,
        string keyFileName,
        string subject,
        X509Extension? san,
        string ekuOid,
        string caCertificatePath,
        string caKeyPath)
    {
        using var ca = LoadCa(caCertificatePath, caKeyPath);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ekuOid)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (san is not null)
        {
            request.CertificateExtensions.Add(san);
        }

        var now = _timeProvider.GetUtcNow();
        var notAfter = now + LeafLifetime;
        if (notAfter > ca.NotAfter)
        {
            notAfter = ca.NotAfter;
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(ca, now - Backdate, notAfter, serial);
        return Write(outputDirectory, certificateFileName, keyFileName, certificate, key);
    }

    private static X509Certificate2 LoadCa(string caCertificatePath, string caKeyPath)
    {
        X509Certificate2 ca;
        try
        {
            ca = Load(caCertificatePath, caKeyPath);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"cannot load the CA from --ca-cert {caCertificatePath} and --ca-key {caKeyPath}: {e.Message}", e);
        }

        var constraints = ca.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is not { CertificateAuthority: true })
        {
            ca.Dispose();
            throw new InvalidOperationException($"--ca-cert {caCertificatePath} is not a CA certificate (no CA basic constraint)");
        }

        return ca;
    }

    private static CertificateFiles Write(string outputDirectory, string certificateFileName, string keyFileName, X509Certificate2 certificate, ECDsa key)
    {
        Directory.CreateDirectory(outputDirectory);
        var certificatePath = Path.GetFullPath(Path.Combine(outputDirectory, certificateFileName));
        var keyPath = Path.GetFullPath(Path.Combine(outputDirectory, keyFileName));
        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        return new CertificateFiles(certificatePath, keyPath);
    }

    /// <summary>Writes a secret so that no other user can read it at any moment (created 0600, or narrowed before writing).</summary>
    private static void WritePrivate(string path, string contents)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            if (File.Exists(path))
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(contents);
        writer.Write('\n');
    }
}
