using Corrosion.TestKit;
using Corrosion.Gossip.Transport;
using Corrosion.Gossip.Transport.Tcp;
using Microsoft.Extensions.Options;

namespace Corrosion.Gossip.Tests;

public sealed class PeerTransportFactoryTests(TestPki pki) : IClassFixture<TestPki>
{
    private static IEnumerable<string> Failures(GossipTransportOptions options) =>
        new GossipTransportOptionsValidator().Validate(null, options).Failures ?? [];

    [Fact]
    public async Task Starts_tcp_udp_here_and_logs_the_transport_and_address()
    {
        using var logs = new ListLoggerProvider();
        var factory = new PeerTransportFactory(logs);
        factory.SelectedTransportName.Should().Be("tcp+udp", "this machine has no libmsquic");

        await using var transport = await factory.StartAsync(new GossipTransportOptions { Addr = "[::]:0", Plaintext = true });
        transport.Should().BeOfType<TcpUdpPeerTransport>();
        transport.Name.Should().Be("tcp+udp");
        var port = ((System.Net.IPEndPoint)transport.LocalEndPoint).Port;
        logs.Entries.Should().Contain(e => e.EventId.Id == 2000 && e.Message == $"Starting peer API on tcp+udp/[::]:{port}");
    }

    [Fact]
    public async Task Refuses_a_config_with_neither_plaintext_nor_tls()
    {
        var act = async () => await new PeerTransportFactory().StartAsync(new GossipTransportOptions { Addr = "127.0.0.1:0" });
        (await act.Should().ThrowAsync<OptionsValidationException>())
            .Which.Message.Should().Contain("set gossip.plaintext = true or configure [gossip.tls]");
    }

    [Fact]
    public void Validation_names_the_key_of_every_problem()
    {
        Failures(new GossipTransportOptions { Addr = "", Plaintext = true }).Should().Equal("gossip.addr: is required");
        Failures(new GossipTransportOptions { Addr = "localhost:8787", Plaintext = true }).Should().Equal("gossip.addr: 'localhost:8787' is not ip:port");
        Failures(new GossipTransportOptions { Addr = "127.0.0.1", Plaintext = true }).Should().Equal("gossip.addr: '127.0.0.1' is not ip:port");
        Failures(new GossipTransportOptions { Addr = "::1:80", Plaintext = true }).Should().Equal("gossip.addr: '::1:80' is not ip:port");
        Failures(new GossipTransportOptions { Addr = "[::]:8787", Plaintext = true, MaxMtu = 1000 })
            .Should().Equal("gossip.max_mtu: must be between 1200 and 65507, got 1000");
        Failures(new GossipTransportOptions { Addr = "[::]:8787", Plaintext = true, IdleTimeout = TimeSpan.Zero })
            .Should().Equal("gossip.idle_timeout_secs: must be positive, got 0");
        Failures(new GossipTransportOptions { Addr = "[::]:8787", Plaintext = true, ExternalAddr = "nope" })
            .Should().Equal("gossip.external_addr: 'nope' is not ip:port");

        Failures(new GossipTransportOptions
        {
            Addr = "[::]:8787",
            Tls = new GossipTlsOptions
            {
                CertFile = "/x/cert.pem",
                KeyFile = pki.Cluster.ServerV4.KeyPath,
                CaFile = "/x/ca.pem",
                Client = new GossipTlsClientOptions { CertFile = "/x/client.pem", KeyFile = "" },
            },
        }).Should().Equal(
            "gossip.tls.cert_file: file not found: /x/cert.pem",
            "gossip.tls.ca_file: file not found: /x/ca.pem",
            "gossip.tls.client.cert_file: file not found: /x/client.pem",
            "gossip.tls.client.key_file: is required");

        Failures(new GossipTransportOptions { Addr = "[::]:8787", Tls = pki.Cluster.Tls(mutual: true, insecure: true) })
            .Should().Equal("gossip.tls.client: mutual TLS needs gossip.tls.ca_file to verify the certificates peers present");
        Failures(new GossipTransportOptions { Addr = "[::]:8787", Tls = pki.Cluster.Tls(mutual: true) }).Should().BeEmpty();
        Failures(new GossipTransportOptions { Addr = "0.0.0.0:8787", Plaintext = true, MaxMtu = 1372, DisableGso = true }).Should().BeEmpty();
    }

    [Fact]
    public async Task Plaintext_wins_over_tls_with_a_warning()
    {
        using var logs = new ListLoggerProvider();
        await using var transport = await new PeerTransportFactory(logs).StartAsync(
            new GossipTransportOptions { Addr = "127.0.0.1:0", Plaintext = true, Tls = pki.Cluster.Tls() });
        ((TcpUdpPeerTransport)transport).IsSecure.Should().BeFalse();
        logs.Entries.Should().Contain(e => e.EventId.Id == 2006);
    }

    [Fact]
    public void Defaults_match_the_documented_toml_defaults()
    {
        var options = new GossipTransportOptions();
        options.Plaintext.Should().BeFalse();
        options.IdleTimeout.Should().Be(TimeSpan.FromSeconds(30));
        options.MaxMtu.Should().BeNull();
        options.DisableGso.Should().BeFalse();
        new GossipTlsOptions().Insecure.Should().BeFalse();
    }

    [Fact]
    public async Task An_unreadable_certificate_names_its_key_at_start()
    {
        using var directory = new Corrosion.TestKit.TempDirectory();
        var junk = directory.WriteFile("cert.pem", "not a certificate");
        var tls = pki.Cluster.Tls();
        tls.CertFile = junk;
        var act = async () => await new PeerTransportFactory().StartAsync(new GossipTransportOptions { Addr = "127.0.0.1:0", Tls = tls });
        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().StartWith("gossip.tls.cert_file/gossip.tls.key_file: cannot load");
    }
}
