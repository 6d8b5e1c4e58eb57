using System.Runtime.Versioning;
using System.Text;
using Corrosion.Gossip.Transport;
using Corrosion.Gossip.Transport.Quic;
using Xunit.Abstractions;
using static Corrosion.Gossip.Tests.TransportTestHelpers;

namespace Corrosion.Gossip.Tests;

/// <summary>
/// QUIC needs libmsquic, which this image lacks. xunit 2.9.3 has no dynamic skip and Xunit.SkippableFact is not a pinned
/// package, so these tests return early (logging why) where QUIC is unsupported; their names end in
/// <c>_WhenQuicIsSupported</c> to say so.
/// </summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("windows")]
[SupportedOSPlatform("macos")]
public sealed class QuicPeerTransportTests(ITestOutputHelper output, TestPki pki) : IClassFixture<TestPki>
{
    private bool Unsupported()
    {
        if (QuicPeerTransport.IsSupported)
        {
            return false;
        }

        output.WriteLine("Not run: System.Net.Quic is not supported here (libmsquic missing).");
        return true;
    }

    [Fact]
    public async Task Datagrams_and_streams_round_trip_with_plaintext_WhenQuicIsSupported()
    {
        if (Unsupported())
        {
            return;
        }

        using var deadline = Deadline();
        await using var a = await QuicPeerTransport.BindAsync(new GossipTransportOptions { Addr = "127.0.0.1:0", Plaintext = true });
        await using var b = await QuicPeerTransport.BindAsync(new GossipTransportOptions { Addr = "127.0.0.1:0", Plaintext = true });

        await a.SendDatagramAsync(b.LocalEndPoint, "ping"u8.ToArray(), deadline.Token);
        var ping = await b.ReceiveOneAsync(deadline.Token);
        ping.Payload.ToArray().Should().Equal("ping"u8.ToArray());
        ping.RemoteEndPoint.Should().Be(a.LocalEndPoint);

        var serving = ServeEchoAsync(b, deadline.Token);
        await using (var connection = await a.ConnectAsync(b.LocalEndPoint, deadline.Token))
        {
            Encoding.UTF8.GetString(await RoundTripAsync(connection, "over quic"u8.ToArray(), deadline.Token)).Should().Be("over quic");
        }

        await b.DisposeAsync();
        await serving;
    }

    [Fact]
    public async Task Mutual_tls_refuses_a_peer_without_a_client_certificate_WhenQuicIsSupported()
    {
        if (Unsupported())
        {
            return;
        }

        using var deadline = Deadline();
        await using var server = await QuicPeerTransport.BindAsync(new GossipTransportOptions { Addr = "127.0.0.1:0", Tls = pki.Cluster.Tls(mutual: true) });
        await using var bare = await QuicPeerTransport.BindAsync(new GossipTransportOptions { Addr = "127.0.0.1:0", Tls = pki.Cluster.Tls() });
        await using var good = await QuicPeerTransport.BindAsync(new GossipTransportOptions { Addr = "127.0.0.1:0", Tls = pki.Cluster.Tls(mutual: true) });
        var serving = ServeEchoAsync(server, deadline.Token);

        var refused = async () =>
        {
            await using var connection = await bare.ConnectAsync(server.LocalEndPoint, deadline.Token);
            var echoed = await RoundTripAsync(connection, "x"u8.ToArray(), deadline.Token);
            if (echoed.Length > 0)
            {
                throw new InvalidOperationException("a peer without a client certificate was served");
            }

            throw new IOException("closed");
        };
        await refused.Should().ThrowAsync<Exception>().Where(e => !(e is InvalidOperationException));

        await using (var connection = await good.ConnectAsync(server.LocalEndPoint, deadline.Token))
        {
            Encoding.UTF8.GetString(await RoundTripAsync(connection, "ok"u8.ToArray(), deadline.Token)).Should().Be("ok");
        }

        await server.DisposeAsync();
        await serving;
    }

    [Fact]
    public void Is_not_selected_where_unsupported()
    {
        var factory = new PeerTransportFactory();
        var supported = QuicPeerTransport.IsSupported;
        factory.SelectedTransportName.Should().Be(supported ? "quic" : "tcp+udp");
        new PeerTransportFactory { PreferQuic = false }.SelectedTransportName.Should().Be("tcp+udp");
    }
}
