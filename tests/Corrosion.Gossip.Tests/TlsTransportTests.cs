using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Corrosion.Gossip.Transport;
using Corrosion.Gossip.Transport.Tcp;
using Corrosion.TestKit;
using static Corrosion.Gossip.Tests.TransportTestHelpers;

namespace Corrosion.Gossip.Tests;

public sealed class TlsTransportTests(TestPki pki) : IClassFixture<TestPki>
{
    private static TcpUdpPeerTransport Tls(GossipTlsOptions tls, string addr = "127.0.0.1:0", ListLoggerProvider? logs = null) =>
        TcpUdpPeerTransport.Bind(new GossipTransportOptions { Addr = addr, Tls = tls }, logs);

    /// <summary>
    /// Sends a line and reads the echo. A refused peer fails in the handshake, or (TLS 1.3 with client certificates, where the
    /// client finishes its handshake before the server has checked its certificate) on the first read or with an empty stream.
    /// </summary>
    private static async Task<string> TryEchoAsync(IPeerTransport client, IPeerTransport server, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await client.ConnectAsync(server.LocalEndPoint, cancellationToken);
            var echoed = await RoundTripAsync(connection, "hello over tls"u8.ToArray(), cancellationToken);
            return echoed.Length == 0 ? "refused: closed without an echo" : Encoding.UTF8.GetString(echoed);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException)
        {
            return $"refused: {e.GetType().Name}";
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Streams_work_between_nodes_with_certificates_from_the_cluster_ca(bool ipv6)
    {
        using var deadline = Deadline();
        var addr = ipv6 ? "[::1]:0" : "127.0.0.1:0";
        await using var server = Tls(pki.Cluster.Tls(ipv6: ipv6), addr);
        await using var client = Tls(pki.Cluster.Tls(ipv6: ipv6), addr);
        server.IsSecure.Should().BeTrue();
        var serving = ServeEchoAsync(server, deadline.Token);

        await using (var connection = await client.ConnectAsync(server.LocalEndPoint, deadline.Token))
        {
            connection.RemoteCertificate.Should().NotBeNull();
            connection.RemoteCertificate!.Issuer.Should().Be("CN=cluster CA");
            Encoding.UTF8.GetString(await RoundTripAsync(connection, "hello over tls"u8.ToArray(), deadline.Token)).Should().Be("hello over tls");
        }

        await server.DisposeAsync();
        await serving;
    }

    [Fact]
    public async Task A_server_whose_certificate_is_from_another_ca_is_refused_and_the_listener_keeps_accepting()
    {
        using var deadline = Deadline();
        await using var server = Tls(pki.Other.Tls());
        await using var client = Tls(pki.Cluster.Tls());
        await using var sameCa = Tls(pki.Other.Tls());
        var serving = ServeEchoAsync(server, deadline.Token);

        var act = async () => await client.ConnectAsync(server.LocalEndPoint, deadline.Token);
        await act.Should().ThrowAsync<AuthenticationException>();

        (await TryEchoAsync(sameCa, server, deadline.Token)).Should().Be("hello over tls", "a failed handshake must not stop the listener");
        await server.DisposeAsync();
        await serving;
    }

    [Fact]
    public async Task A_certificate_for_another_ip_is_refused()
    {
        using var deadline = Deadline();
        // The server listens on 127.0.0.1 but presents the certificate issued for ::1.
        var tls = pki.Cluster.Tls();
        tls.CertFile = pki.Cluster.ServerV6.CertificatePath;
        tls.KeyFile = pki.Cluster.ServerV6.KeyPath;
        await using var server = Tls(tls);
        await using var client = Tls(pki.Cluster.Tls());
        var serving = ServeEchoAsync(server, deadline.Token);

        (await TryEchoAsync(client, server, deadline.Token)).Should().StartWith("refused");
        await server.DisposeAsync();
        await serving;
    }

    [Fact]
    public async Task Insecure_skips_server_verification()
    {
        using var deadline = Deadline();
        await using var server = Tls(pki.Other.Tls());
        await using var client = Tls(pki.Cluster.Tls(insecure: true));
        await using var strict = Tls(pki.Cluster.Tls());
        var serving = ServeEchoAsync(server, deadline.Token);

        (await TryEchoAsync(client, server, deadline.Token)).Should().Be("hello over tls");
        (await TryEchoAsync(strict, server, deadline.Token)).Should().StartWith("refused", "the same server is refused without insecure");
        await server.DisposeAsync();
        await serving;
    }

    [Fact]
    public async Task Mutual_tls_refuses_a_peer_without_a_client_certificate_and_accepts_a_good_one()
    {
        using var deadline = Deadline();
        using var logs = new ListLoggerProvider();
        await using var server = Tls(pki.Cluster.Tls(mutual: true), logs: logs);
        await using var noCertificate = Tls(pki.Cluster.Tls(mutual: false));
        await using var good = Tls(pki.Cluster.Tls(mutual: true));
        var accepted = new List<IPeerConnection>();
        var serving = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAsync(deadline.Token))
            {
                accepted.Add(connection);
                _ = EchoAsync(connection, deadline.Token);
            }
        });

        (await TryEchoAsync(noCertificate, server, deadline.Token)).Should().StartWith("refused");
        await Eventually.UntilAsync(() => server.FailedHandshakes == 1, TimeSpan.FromSeconds(10), "the server to refuse the peer without a client certificate");
        accepted.Should().BeEmpty();
        // The counter is raised just before the warning is logged, on the server's accept loop.
        await Eventually.UntilAsync(
            () => logs.Entries.Any(e => e.EventId.Id == 2001 && e.Level == Microsoft.Extensions.Logging.LogLevel.Warning),
            TimeSpan.FromSeconds(10),
            "the refused handshake to be logged as a warning");

        (await TryEchoAsync(good, server, deadline.Token)).Should().Be("hello over tls");
        accepted.Should().ContainSingle().Which.RemoteCertificate!.Subject.Should().Be("CN=Corrosion client");

        await server.DisposeAsync();
        await serving;
        foreach (var connection in accepted)
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task Mutual_tls_refuses_a_client_certificate_from_another_ca()
    {
        using var deadline = Deadline();
        await using var server = Tls(pki.Cluster.Tls(mutual: true));
        // Trusts the cluster CA for the server, but presents a client certificate signed by the other CA.
        var tls = pki.Cluster.Tls(mutual: true);
        tls.Client = new GossipTlsClientOptions { CertFile = pki.Other.Client.CertificatePath, KeyFile = pki.Other.Client.KeyPath };
        await using var foreign = Tls(tls);
        var serving = ServeEchoAsync(server, deadline.Token);

        (await TryEchoAsync(foreign, server, deadline.Token)).Should().StartWith("refused");
        await Eventually.UntilAsync(() => server.FailedHandshakes == 1, TimeSpan.FromSeconds(10), "the server to refuse the foreign client certificate");
        await server.DisposeAsync();
        await serving;
    }

    [Fact]
    public async Task A_server_certificate_cannot_stand_in_for_a_client_certificate()
    {
        using var deadline = Deadline();
        await using var server = Tls(pki.Cluster.Tls(mutual: true));
        var tls = pki.Cluster.Tls(mutual: true);
        tls.Client = new GossipTlsClientOptions { CertFile = pki.Cluster.ServerV4.CertificatePath, KeyFile = pki.Cluster.ServerV4.KeyPath };
        await using var wrongUsage = Tls(tls);
        var serving = ServeEchoAsync(server, deadline.Token);

        (await TryEchoAsync(wrongUsage, server, deadline.Token)).Should().StartWith("refused", "the server certificate lacks the client-auth EKU");
        await Eventually.UntilAsync(() => server.FailedHandshakes == 1, TimeSpan.FromSeconds(10), "the server to refuse the server certificate used as a client certificate");
        await server.DisposeAsync();
        await serving;
    }

    [Fact]
    public async Task Datagrams_are_authenticated_and_unauthenticated_ones_are_dropped_and_counted()
    {
        using var deadline = Deadline();
        await using var node = Tls(pki.Cluster.Tls());
        await using var peer = Tls(pki.Cluster.Tls());
        await using var foreign = Tls(pki.Other.Tls());
        await using var plain = TcpUdpPeerTransport.Bind(new GossipTransportOptions { Addr = "127.0.0.1:0", Plaintext = true });
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        node.MaxDatagramSize.Should().Be(1200 - DatagramAuthenticator.Overhead);
        await plain.SendDatagramAsync(node.LocalEndPoint, "plain"u8.ToArray(), deadline.Token);
        await foreign.SendDatagramAsync(node.LocalEndPoint, "foreign"u8.ToArray(), deadline.Token);
        var forged = new byte[40];
        forged[0] = DatagramAuthenticator.Magic;
        forged[1] = DatagramAuthenticator.Version;
        await raw.SendToAsync(forged, SocketFlags.None, node.LocalEndPoint, deadline.Token);
        await Eventually.UntilAsync(() => node.UnauthenticatedDatagramsDropped == 3, TimeSpan.FromSeconds(10), "three unauthenticated datagrams dropped");

        await peer.SendDatagramAsync(node.LocalEndPoint, "member"u8.ToArray(), deadline.Token);
        var received = await node.ReceiveOneAsync(deadline.Token);
        received.Payload.ToArray().Should().Equal("member"u8.ToArray(), "only the datagram from the same cluster gets through, and it comes first");
        received.RemoteEndPoint.Should().Be(peer.LocalEndPoint);
        node.UnauthenticatedDatagramsDropped.Should().Be(3);
    }

    [Fact]
    public async Task A_tampered_datagram_is_dropped()
    {
        using var deadline = Deadline();
        await using var node = Tls(pki.Cluster.Tls());
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var tls = PeerTlsContextAccessor.Load(pki.Cluster.Tls());
        var sealer = new DatagramAuthenticator(tls.DatagramKey, TimeProvider.System);
        var buffer = new byte[64];
        var length = sealer.Seal("genuine"u8, buffer);

        buffer[DatagramAuthenticator.HeaderSize] ^= 1;
        await raw.SendToAsync(buffer.AsMemory(0, length), SocketFlags.None, node.LocalEndPoint, deadline.Token);
        buffer[DatagramAuthenticator.HeaderSize] ^= 1;
        await raw.SendToAsync(buffer.AsMemory(0, length), SocketFlags.None, node.LocalEndPoint, deadline.Token);

        (await node.ReceiveOneAsync(deadline.Token)).Payload.ToArray().Should().Equal("genuine"u8.ToArray());
        node.UnauthenticatedDatagramsDropped.Should().Be(1);
    }

    [Fact]
    public async Task A_replayed_datagram_outside_the_clock_window_is_dropped()
    {
        using var deadline = Deadline();
        await using var node = Tls(pki.Cluster.Tls());
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var tls = PeerTlsContextAccessor.Load(pki.Cluster.Tls());
        var old = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(5));
        var buffer = new byte[64];
        var length = new DatagramAuthenticator(tls.DatagramKey, old).Seal("stale"u8, buffer);
        await raw.SendToAsync(buffer.AsMemory(0, length), SocketFlags.None, node.LocalEndPoint, deadline.Token);

        await Eventually.UntilAsync(() => node.UnauthenticatedDatagramsDropped == 1, TimeSpan.FromSeconds(10), "the stale datagram dropped");
    }

    [Fact]
    public async Task Garbage_instead_of_a_tls_hello_is_logged_and_the_listener_keeps_accepting()
    {
        using var deadline = Deadline();
        await using var server = Tls(pki.Cluster.Tls());
        await using var client = Tls(pki.Cluster.Tls());
        var serving = ServeEchoAsync(server, deadline.Token);

        using (var junk = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await junk.ConnectAsync(server.LocalEndPoint, deadline.Token);
            await junk.SendAsync(new byte[] { 1, 7, 0, 0, 0, 3, 1, 2, 3, 0x16, 0x03, 0x01, 0xFF, 0xFF }, deadline.Token);
            junk.Shutdown(SocketShutdown.Send);
            await Eventually.UntilAsync(() => server.FailedHandshakes == 1, TimeSpan.FromSeconds(10), "the junk handshake to fail");
        }

        (await TryEchoAsync(client, server, deadline.Token)).Should().Be("hello over tls");
        await server.DisposeAsync();
        await serving;
    }
}
