using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Corrosion.Gossip.Transport;
using Corrosion.Gossip.Transport.Tcp;
using Microsoft.Extensions.Time.Testing;
using static Corrosion.Gossip.Tests.TransportTestHelpers;

namespace Corrosion.Gossip.Tests;

public sealed class TcpUdpPeerTransportTests
{
    private static TcpUdpPeerTransport Plain(string addr = "127.0.0.1:0", int? maxMtu = null, TimeProvider? time = null, TimeSpan? idle = null) =>
        TcpUdpPeerTransport.Bind(
            new GossipTransportOptions { Addr = addr, Plaintext = true, MaxMtu = maxMtu, IdleTimeout = idle ?? TimeSpan.FromSeconds(30) },
            timeProvider: time);

    [Theory]
    [InlineData("127.0.0.1:0")]
    [InlineData("[::1]:0")]
    public async Task Datagrams_round_trip_and_report_the_sender_listening_address(string addr)
    {
        using var deadline = Deadline();
        await using var a = Plain(addr);
        await using var b = Plain(addr);

        await a.SendDatagramAsync(b.LocalEndPoint, "ping"u8.ToArray(), deadline.Token);
        var ping = await b.ReceiveOneAsync(deadline.Token);
        ping.Payload.ToArray().Should().Equal("ping"u8.ToArray());
        ping.RemoteEndPoint.Should().Be(a.LocalEndPoint, "datagrams leave from the UDP socket bound on the gossip port");

        await b.SendDatagramAsync(ping.RemoteEndPoint, "pong"u8.ToArray(), deadline.Token);
        var pong = await a.ReceiveOneAsync(deadline.Token);
        pong.Payload.ToArray().Should().Equal("pong"u8.ToArray());
    }

    [Fact]
    public async Task Dual_stack_wildcard_receives_from_ipv4_and_ipv6()
    {
        using var deadline = Deadline();
        await using var any = Plain("[::]:0");
        await using var v4 = Plain("127.0.0.1:0");
        await using var v6 = Plain("[::1]:0");
        var port = any.Ip().Port;

        await v4.SendDatagramAsync(new IPEndPoint(IPAddress.Loopback, port), "four"u8.ToArray(), deadline.Token);
        (await any.ReceiveOneAsync(deadline.Token)).RemoteEndPoint.Should().Be(v4.LocalEndPoint, "IPv4-mapped senders are reported as plain IPv4");
        await v6.SendDatagramAsync(new IPEndPoint(IPAddress.IPv6Loopback, port), "six"u8.ToArray(), deadline.Token);
        (await any.ReceiveOneAsync(deadline.Token)).RemoteEndPoint.Should().Be(v6.LocalEndPoint);
    }

    [Fact]
    public async Task Port_zero_is_read_back_and_tcp_and_udp_share_it()
    {
        using var deadline = Deadline();
        await using var server = Plain();
        var port = server.Ip().Port;
        port.Should().BeGreaterThan(0);

        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), deadline.Token);
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await udp.SendToAsync("raw"u8.ToArray(), SocketFlags.None, new IPEndPoint(IPAddress.Loopback, port), deadline.Token);
        (await server.ReceiveOneAsync(deadline.Token)).Payload.ToArray().Should().Equal("raw"u8.ToArray());
        await using var accepted = await server.AcceptOneAsync(deadline.Token);
        accepted.RemoteEndPoint.Should().Be(tcp.LocalEndPoint);
    }

    [Fact]
    public async Task A_taken_port_is_refused_with_AddressInUseException()
    {
        await using var first = Plain();
        var act = () => Plain($"127.0.0.1:{first.Ip().Port}");
        act.Should().Throw<AddressInUseException>().WithMessage("*gossip.addr*in use*");
    }

    [Fact]
    public async Task When_the_udp_port_is_taken_port_zero_retries_with_a_new_port()
    {
        // Occupy UDP ports so that the first TCP port the OS hands out is likely to collide; whatever happens, the
        // transport must come up with TCP and UDP on one free port.
        var blockers = new List<Socket>();
        try
        {
            for (var i = 0; i < 64; i++)
            {
                var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
                probe.Dispose();
                var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                try
                {
                    udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                    blockers.Add(udp);
                }
                catch (SocketException)
                {
                    udp.Dispose();
                }
            }

            await using var transport = Plain();
            var bound = transport.Ip().Port;
            blockers.Select(b => ((IPEndPoint)b.LocalEndPoint!).Port).Should().NotContain(bound);
        }
        finally
        {
            blockers.ForEach(b => b.Dispose());
        }
    }

    [Fact]
    public async Task A_stream_echoes_several_megabytes()
    {
        using var deadline = Deadline(60);
        await using var server = Plain();
        await using var client = Plain();
        var serving = ServeEchoAsync(server, deadline.Token);

        var data = RandomNumberGenerator.GetBytes(4 * 1024 * 1024 + 17);
        await using (var connection = await client.ConnectAsync(server.LocalEndPoint, deadline.Token))
        {
            connection.RemoteEndPoint.Should().Be(server.LocalEndPoint);
            var echoed = await RoundTripAsync(connection, data, deadline.Token);
            echoed.Length.Should().Be(data.Length);
            SHA256.HashData(echoed).Should().Equal(SHA256.HashData(data));
        }

        await server.DisposeAsync();
        await serving;
    }

    [Fact]
    public async Task Many_concurrent_streams_each_get_their_own_bytes_back()
    {
        using var deadline = Deadline(60);
        await using var server = Plain("[::1]:0");
        await using var client = Plain("[::1]:0");
        var serving = ServeEchoAsync(server, deadline.Token);

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            var data = new byte[1000 + i];
            new Random(i).NextBytes(data);
            await using var connection = await client.ConnectAsync(server.LocalEndPoint, deadline.Token);
            var echoed = await RoundTripAsync(connection, data, deadline.Token);
            return echoed.AsSpan().SequenceEqual(data);
        }));

        results.Should().AllBeEquivalentTo(true);
        await server.DisposeAsync();
        await serving;
    }

    [Fact]
    public async Task Max_mtu_bounds_datagrams_and_larger_sends_are_refused()
    {
        using var deadline = Deadline();
        await using var a = Plain(maxMtu: 1300);
        await using var b = Plain(maxMtu: 1300);
        a.MaxDatagramSize.Should().Be(1300);

        await a.SendDatagramAsync(b.LocalEndPoint, new byte[1300], deadline.Token);
        (await b.ReceiveOneAsync(deadline.Token)).Payload.Length.Should().Be(1300);

        var act = async () => await a.SendDatagramAsync(b.LocalEndPoint, new byte[1301], deadline.Token);
        (await act.Should().ThrowAsync<DatagramTooLargeException>())
            .WithMessage("*1301 bytes exceeds the maximum of 1300*gossip.max_mtu*");
    }

    [Fact]
    public async Task Default_mtu_is_1200()
    {
        await using var a = Plain();
        a.MaxDatagramSize.Should().Be(1200);
    }

    [Fact]
    public async Task An_idle_stream_is_closed_after_the_idle_timeout_and_an_active_one_is_not()
    {
        using var deadline = Deadline();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = Plain(time: time, idle: TimeSpan.FromSeconds(30));
        await using var client = Plain(time: time, idle: TimeSpan.FromSeconds(30));

        await using var connection = await client.ConnectAsync(server.LocalEndPoint, deadline.Token);
        await using var accepted = await server.AcceptOneAsync(deadline.Token);

        // Traffic within the timeout keeps it open.
        time.Advance(TimeSpan.FromSeconds(20));
        await connection.Transport.Output.WriteAsync("still here"u8.ToArray(), deadline.Token);
        var read = await accepted.Transport.Input.ReadAtLeastAsync(10, deadline.Token);
        read.Buffer.Length.Should().Be(10);
        accepted.Transport.Input.AdvanceTo(read.Buffer.End);
        time.Advance(TimeSpan.FromSeconds(20));

        // Then 30 s of silence closes both ends.
        time.Advance(TimeSpan.FromSeconds(15));
        // Throws OperationCanceledException (failing the test) if the stream stays open until the deadline.
        (await ObserveEndAsync(accepted.Transport.Input, deadline.Token)).Should().NotBeNull();
        (await ObserveEndAsync(connection.Transport.Input, deadline.Token)).Should().NotBeNull();
    }

    [Fact]
    public async Task Connecting_to_a_port_nobody_listens_on_fails()
    {
        using var deadline = Deadline();
        await using var client = Plain();
        var freePort = client.Ip().Port;
        await client.DisposeAsync();
        await using var other = Plain();
        var act = async () => await other.ConnectAsync(new IPEndPoint(IPAddress.Loopback, freePort), deadline.Token);
        await act.Should().ThrowAsync<SocketException>();
    }

    [Fact]
    public async Task Disposing_ends_the_datagram_and_accept_enumerations_and_closes_open_streams()
    {
        using var deadline = Deadline();
        var server = Plain();
        await using var client = Plain();
        await using var connection = await client.ConnectAsync(server.LocalEndPoint, deadline.Token);
        var accepted = await server.AcceptOneAsync(deadline.Token);
        var datagrams = Task.Run(async () =>
        {
            var count = 0;
            await foreach (var unused in server.ReceiveDatagramsAsync(deadline.Token))
            {
                count++;
            }

            return count;
        });
        var accepts = Task.Run(async () =>
        {
            var count = 0;
            await foreach (var unused in server.AcceptAsync(deadline.Token))
            {
                count++;
            }

            return count;
        });

        await server.DisposeAsync();
        (await datagrams).Should().Be(0);
        (await accepts).Should().Be(0);
        (await ObserveEndAsync(connection.Transport.Input, deadline.Token)).Should().NotBeNull();
        await accepted.DisposeAsync();
        var send = async () => await server.SendDatagramAsync(client.LocalEndPoint, new byte[1], deadline.Token);
        await send.Should().ThrowAsync<ObjectDisposedException>();
    }
}
