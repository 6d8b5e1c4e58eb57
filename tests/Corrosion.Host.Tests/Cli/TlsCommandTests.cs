using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Corrosion.Host.Tests.Cli;

public sealed class TlsCommandTests
{
    [Fact]
    public async Task Ca_server_and_client_certificates_chain_to_the_generated_ca()
    {
        using var dir = new TempDir();

        var ca = await CliRunner.RunAsync(dir, "tls", "ca", "generate", "--output-path", dir.Path);
        var caCert = dir.Combine("ca_cert.pem");
        var caKey = dir.Combine("ca_key.pem");
        var server = await CliRunner.RunAsync(dir, "tls", "server", "generate", "10.0.0.7", "--ca-key", caKey, "--ca-cert", caCert, "--output-path", dir.Combine("server"));
        var client = await CliRunner.RunAsync(dir, "tls", "client", "generate", "--ca-key", caKey, "--ca-cert", caCert, "--output-path", dir.Combine("client"));

        ca.Should().Be((0, $"Wrote CA cert to {caCert}\nWrote CA key to {caKey}\n", string.Empty));
        server.ExitCode.Should().Be(0, server.Err);
        client.ExitCode.Should().Be(0, client.Err);

        using var root = X509CertificateLoader.LoadCertificateFromFile(caCert);
        using var serverCert = X509Certificate2.CreateFromPemFile(dir.Combine("server", "server_cert.pem"), dir.Combine("server", "server_key.pem"));
        using var clientCert = X509Certificate2.CreateFromPemFile(dir.Combine("client", "client_cert.pem"), dir.Combine("client", "client_key.pem"));
        Chains(root, serverCert).Should().BeTrue();
        Chains(root, clientCert).Should().BeTrue();
        serverCert.HasPrivateKey.Should().BeTrue();
        serverCert.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses().Should().Equal(IPAddress.Parse("10.0.0.7"));
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(caKey).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public async Task Ca_generate_never_replaces_an_existing_ca()
    {
        using var dir = new TempDir();
        var first = await CliRunner.RunAsync(dir, "tls", "ca", "generate", "--output-path", dir.Path);
        first.ExitCode.Should().Be(0, first.Err);
        var key = File.ReadAllText(dir.Combine("ca_key.pem"));
        var certificate = File.ReadAllText(dir.Combine("ca_cert.pem"));

        var second = await CliRunner.RunAsync(dir, "tls", "ca", "generate", "--output-path", dir.Path);
        File.Delete(dir.Combine("ca_key.pem"));
        var certificateOnly = await CliRunner.RunAsync(dir, "tls", "ca", "generate", "--output-path", dir.Path);

        second.Should().Be((1, string.Empty,
            $"corrosion tls ca generate: {dir.Combine("ca_key.pem")} already exists; refusing to replace a CA (move it away or write the new CA elsewhere), nothing was written\n"));
        certificateOnly.ExitCode.Should().Be(1);
        certificateOnly.Err.Should().Contain(dir.Combine("ca_cert.pem"));
        File.Exists(dir.Combine("ca_key.pem")).Should().BeFalse("nothing is written when either file exists");
        File.ReadAllText(dir.Combine("ca_cert.pem")).Should().Be(certificate);
        key.Should().Contain("PRIVATE KEY");
    }

    [Fact]
    public async Task Server_generate_refuses_a_bad_ip_and_missing_ca_files()
    {
        using var dir = new TempDir();

        var badIp = await CliRunner.RunAsync(dir, "tls", "server", "generate", "not-an-ip", "--ca-key", "k", "--ca-cert", "c");
        var missing = await CliRunner.RunAsync(dir, "tls", "client", "generate", "--ca-key", dir.Combine("k.pem"), "--ca-cert", dir.Combine("c.pem"));
        var noFlags = await CliRunner.RunAsync(dir, "tls", "client", "generate");

        badIp.Should().Be((1, string.Empty, "corrosion tls server generate: 'not-an-ip' is not an IP address\n"));
        missing.ExitCode.Should().Be(1);
        missing.Err.Should().StartWith("corrosion tls client generate: ");
        noFlags.ExitCode.Should().Be(1);
        noFlags.Err.Should().Contain("--ca-key");
    }

    private static bool Chains(X509Certificate2 root, X509Certificate2 leaf)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }
}
