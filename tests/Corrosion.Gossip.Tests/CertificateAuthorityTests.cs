using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Corrosion.Gossip.Tls;
using Corrosion.TestKit;

namespace Corrosion.Gossip.Tests;

public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly TempDirectory _directory = new("corrosion-ca");
    private readonly CertificateAuthority _authority = new();

    public void Dispose() => _directory.Dispose();

    private static X509Chain ChainTrusting(X509Certificate2 root, string eku)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(eku));
        return chain;
    }

    [Fact]
    public void Generates_a_ca_with_default_file_names_and_a_private_key_file()
    {
        var ca = _authority.GenerateCa(_directory.Path);

        ca.CertificatePath.Should().Be(_directory.Combine("ca_cert.pem"));
        ca.KeyPath.Should().Be(_directory.Combine("ca_key.pem"));
        File.ReadAllText(ca.CertificatePath).Should().StartWith("-----BEGIN CERTIFICATE-----");
        File.ReadAllText(ca.KeyPath).Should().StartWith("-----BEGIN PRIVATE KEY-----", "keys are PKCS#8");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(ca.KeyPath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        using var certificate = CertificateAuthority.Load(ca.CertificatePath, ca.KeyPath);
        certificate.HasPrivateKey.Should().BeTrue();
        certificate.Subject.Should().Be(certificate.Issuer, "the CA is self-signed");
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority.Should().BeTrue();
    }

    [Fact]
    public void Regenerating_over_a_world_readable_server_key_file_narrows_it_to_0600()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var ca = _authority.GenerateCa(_directory.Combine("ca"));
        Directory.CreateDirectory(_directory.Combine("server"));
        var keyPath = _directory.Combine("server", "server_key.pem");
        File.WriteAllText(keyPath, "old");
        File.SetUnixFileMode(keyPath, (UnixFileMode)0b110_100_100);
        _authority.GenerateServer(_directory.Combine("server"), IPAddress.Loopback, ca.CertificatePath, ca.KeyPath);
        File.GetUnixFileMode(keyPath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public void A_ca_is_never_generated_over_an_existing_one()
    {
        File.WriteAllText(_directory.Combine("ca_cert.pem"), "old");

        var act = () => _authority.GenerateCa(_directory.Path);

        act.Should().Throw<IOException>().WithMessage($"{_directory.Combine("ca_cert.pem")} already exists*nothing was written");
        File.Exists(_directory.Combine("ca_key.pem")).Should().BeFalse();
    }

    [Fact]
    public void A_server_certificate_names_its_ip_and_chains_to_the_ca_only()
    {
        var ca = _authority.GenerateCa(_directory.Combine("ca"));
        var other = _authority.GenerateCa(_directory.Combine("other"));
        var server = _authority.GenerateServer(_directory.Combine("server"), IPAddress.Parse("fdaa::3"), ca.CertificatePath, ca.KeyPath, "node-1.internal");

        server.CertificatePath.Should().EndWith("server_cert.pem");
        server.KeyPath.Should().EndWith("server_key.pem");
        using var certificate = CertificateAuthority.Load(server.CertificatePath, server.KeyPath);
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        san.EnumerateIPAddresses().Should().Equal(IPAddress.Parse("fdaa::3"));
        san.EnumerateDnsNames().Should().Equal("node-1.internal");
        certificate.MatchesHostname("fdaa::3").Should().BeTrue();
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority.Should().BeFalse();

        using var root = CertificateAuthority.LoadCertificate(ca.CertificatePath);
        using var otherRoot = CertificateAuthority.LoadCertificate(other.CertificatePath);
        using var good = ChainTrusting(root, "1.3.6.1.5.5.7.3.1");
        good.Build(certificate).Should().BeTrue(string.Join(", ", good.ChainStatus.Select(s => s.StatusInformation)));
        using var bad = ChainTrusting(otherRoot, "1.3.6.1.5.5.7.3.1");
        bad.Build(certificate).Should().BeFalse("a certificate must not chain to another CA");
        using var wrongUsage = ChainTrusting(root, "1.3.6.1.5.5.7.3.2");
        wrongUsage.Build(certificate).Should().BeFalse("a server certificate is not a client certificate");
    }

    [Fact]
    public void A_client_certificate_has_the_client_auth_usage_and_chains_to_the_ca()
    {
        var ca = _authority.GenerateCa(_directory.Path);
        var client = _authority.GenerateClient(_directory.Path, ca.CertificatePath, ca.KeyPath);

        client.CertificatePath.Should().Be(_directory.Combine("client_cert.pem"));
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(client.KeyPath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        using var certificate = CertificateAuthority.Load(client.CertificatePath, client.KeyPath);
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages
            .Cast<Oid>().Select(o => o.Value).Should().Equal("1.3.6.1.5.5.7.3.2");
        using var root = CertificateAuthority.LoadCertificate(ca.CertificatePath);
        using var chain = ChainTrusting(root, "1.3.6.1.5.5.7.3.2");
        chain.Build(certificate).Should().BeTrue(string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void Signing_with_a_leaf_instead_of_a_ca_is_refused()
    {
        var ca = _authority.GenerateCa(_directory.Combine("ca"));
        var client = _authority.GenerateClient(_directory.Combine("client"), ca.CertificatePath, ca.KeyPath);
        var act = () => _authority.GenerateServer(_directory.Combine("x"), IPAddress.Loopback, client.CertificatePath, client.KeyPath);
        act.Should().Throw<InvalidOperationException>().WithMessage("*not a CA certificate*");
        var missing = () => _authority.GenerateClient(_directory.Combine("y"), _directory.Combine("nope.pem"), ca.KeyPath);
        missing.Should().Throw<InvalidOperationException>().WithMessage("*--ca-cert*");
    }
}
