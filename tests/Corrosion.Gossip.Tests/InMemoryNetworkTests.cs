using System.Net;
using System.Net.Sockets;
using System.Text;
using Corrosion.Gossip.Transport;
using Corrosion.Gossip.Transport.Memory;
using Microsoft.Extensions.Time.Testing;
using static Corrosion.Gossip.Tests.TransportTestHelpers;

namespace Corrosion.Gossip.Tests;

public sealed class InMemoryNetworkTests
{
    private static IPEndPoint Ep(int last, int port = 8787) => new(IPAddress.Parse($"10.0.0.{last}"), port);

    private static async Task<List<string>> DrainAsync(IPeerTransport transport, string sentinel, CancellationToken cancellationToken)
    {
        var seen = new List<string>();
        await foreach (var datagram in transport.ReceiveDatagramsAsync(cancellationToken))
        {
            var text = Encoding.UTF8.GetString(datagram.Payload.Span);
            if (text == sentinel)
            {
                return seen;
            }

            seen.Add(text);
        }

        return seen;
    }

    private static async Task SendAllAsync(IPeerTransport from, IPeerTransport to, int count, string prefix = "m")
    {
        for (var i = 0; i < count; i++)
        {
            await from.SendDatagramAsync(to.LocalEndPoint, Encoding.UTF8.GetBytes($"{prefix}{i}"));
        }
    }

    [Fact]
    public async Task Without_loss_every_datagram_arrives_in_order_from_the_sender_address()
    {
        using var deadline = Deadline();
        var network = new InMemoryNetwork(new Random(1));
        await using var a = network.CreateTransport(Ep(1));
        await using var b = network.CreateTransport(Ep(2));

        await SendAllAsync(a, b, 100);
        await a.SendDatagramAsync(b.LocalEndPoint, "end"u8.ToArray());

        (await DrainAsync(b, "end", deadline.Token)).Should().Equal(Enumerable.Range(0, 100).Select(i => $"m{i}"));
        (await Task.Run(async () =>
        {
            await b.SendDatagramAsync(a.LocalEndPoint, "back"u8.ToArray());
            return await a.ReceiveOneAsync(deadline.Token);
        })).RemoteEndPoint.Should().Be(Ep(2));
        network.DatagramsDropped.Should().Be(0);
    }

    [Fact]
    public async Task Full_loss_drops_every_datagram()
    {
        using var deadline = Deadline();
        var network = new InMemoryNetwork(new Random(1)) { LossRate = 1 };
        await using var a = network.CreateTransport(Ep(1));
        await using var b = network.CreateTransport(Ep(2));

        await SendAllAsync(a, b, 100);
        network.LossRate = 0;
        await a.SendDatagramAsync(b.LocalEndPoint, "end"u8.ToArray());

        (await DrainAsync(b, "end", deadline.Token)).Should().BeEmpty();
        network.DatagramsDropped.Should().Be(100);
    }

    [Fact]
    public async Task Duplication_delivers_each_datagram_twice()
    {
        using var deadline = Deadline();
        var network = new InMemoryNetwork(new Random(1)) { DuplicationRate = 1 };
        await using var a = network.CreateTransport(Ep(1));
        await using var b = network.CreateTransport(Ep(2));

        await SendAllAsync(a, b, 10);
        network.DuplicationRate = 0;
        await a.SendDatagramAsync(b.LocalEndPoint, "end"u8.ToArray());

        (await DrainAsync(b, "end", deadline.Token)).Should().Equal(Enumerable.Range(0, 10).SelectMany(i => new[] { $"m{i}", $"m{i}" }));
        network.DatagramsDuplicated.Should().Be(10);
    }

    [Fact]
    public async Task A_seeded_random_makes_lossy_runs_repeatable()
    {
        async Task<List<string>> RunAsync(int seed)
        {
            using var deadline = Deadline();
            var network = new InMemoryNetwork(new Random(seed)) { LossRate = 0.5, DuplicationRate = 0.2 };
            await using var a = network.CreateTransport(Ep(1));
            await using var b = network.CreateTransport(Ep(2));
            await SendAllAsync(a, b, 200);
            network.LossRate = 0;
            network.DuplicationRate = 0;
            await a.SendDatagramAsync(b.LocalEndPoint, "end"u8.ToArray());
            return await DrainAsync(b, "end", deadline.Token);
        }

        var first = await RunAsync(42);
        var second = await RunAsync(42);
        var other = await RunAsync(7);

        first.Should().Equal(second);
        first.Count.Should().BeInRange(60, 170, "about half of 200 are lost and a fifth of the rest duplicated");
        other.Should().NotEqual(first);
    }

    [Fact]
    public async Task Delay_and_jitter_follow_the_injected_time_provider()
    {
        using var deadline = Deadline();
        var time = new FakeTimeProvider();
        var network = new InMemoryNetwork(new Random(3), time) { Delay = TimeSpan.FromMilliseconds(100), Jitter = TimeSpan.FromMilliseconds(50) };
        await using var a = network.CreateTransport(Ep(1));
        await using var b = network.CreateTransport(Ep(2));

        await a.SendDatagramAsync(b.LocalEndPoint, "late"u8.ToArray());
        var receive = b.ReceiveOneAsync(deadline.Token);
        time.Advance(TimeSpan.FromMilliseconds(99));
        await Task.Yield();
        receive.IsCompleted.Should().BeFalse("the datagram is not due before 100 ms");
        network.DatagramsDelivered.Should().Be(0);

        time.Advance(TimeSpan.FromMilliseconds(51));
        (await receive).Payload.ToArray().Should().Equal("late"u8.ToArray());
    }

    [Fact]
    public async Task Partition_blocks_datagrams_and_connects_both_ways_breaks_open_streams_and_heal_restores()
    {
        using var deadline = Deadline();
        var network = new InMemoryNetwork(new Random(1));
        await using var a = network.CreateTransport(Ep(1));
        await using var b = network.CreateTransport(Ep(2));
        await using var c = network.CreateTransport(Ep(3));

        var open = await a.ConnectAsync(b.LocalEndPoint, deadline.Token);
        var openAccepted = await b.AcceptOneAsync(deadline.Token);

        network.Partition([a.LocalEndPoint], [b.LocalEndPoint]);
        network.CanReach(a.LocalEndPoint, b.LocalEndPoint).Should().BeFalse();
        network.CanReach(a.LocalEndPoint, c.LocalEndPoint).Should().BeTrue();

        // Existing stream: both sides see the break.
        (await ObserveEndAsync(open.Transport.Input, deadline.Token)).Should().Be(nameof(IOException));
        (await ObserveEndAsync(openAccepted.Transport.Input, deadline.Token)).Should().Be(nameof(IOException));

        // New connects fail both ways; a third node is unaffected.
        var aToB = async () => await a.ConnectAsync(b.LocalEndPoint, deadline.Token);
        var bToA = async () => await b.ConnectAsync(a.LocalEndPoint, deadline.Token);
        await aToB.Should().ThrowAsync<SocketException>();
        await bToA.Should().ThrowAsync<SocketException>();
        await using (await a.ConnectAsync(c.LocalEndPoint, deadline.Token))
        {
        }

        // Datagrams are dropped both ways.
        await a.SendDatagramAsync(b.LocalEndPoint, "lost"u8.ToArray());
        await b.SendDatagramAsync(a.LocalEndPoint, "lost"u8.ToArray());
        network.DatagramsDropped.Should().Be(2);

        network.Heal();
        await a.SendDatagramAsync(b.LocalEndPoint, "end"u8.ToArray());
        (await DrainAsync(b, "end", deadline.Token)).Should().BeEmpty("the datagram sent during the partition stays lost");
        var serving = ServeEchoAsync(b, deadline.Token);
        await using (var healed = await a.ConnectAsync(b.LocalEndPoint, deadline.Token))
        {
            Encoding.UTF8.GetString(await RoundTripAsync(healed, "again"u8.ToArray(), deadline.Token)).Should().Be("again");
        }

        await open.DisposeAsync();
        await openAccepted.DisposeAsync();
        await b.DisposeAsync();
        await serving;
    }

    [Fact]
    public async Task Streams_carry_large_payloads_through_in_memory_pipes()
    {
        using var deadline = Deadline();
        var network = new InMemoryNetwork(new Random(1));
        await using var a = network.CreateTransport();
        await using var b = network.CreateTransport();
        a.LocalEndPoint.Should().NotBe(b.LocalEndPoint, "port 0 picks distinct fake ports");
        var serving = ServeEchoAsync(b, deadline.Token);

        var data = new byte[3 * 1024 * 1024];
        new Random(5).NextBytes(data);
        await using (var connection = await a.ConnectAsync(b.LocalEndPoint, deadline.Token))
        {
            connection.RemoteEndPoint.Should().Be(b.LocalEndPoint);
            (await RoundTripAsync(connection, data, deadline.Token)).Should().Equal(data);
        }

        await b.DisposeAsync();
        await serving;
    }

    [Fact]
    public async Task Unbound_destinations_refuse_connects_and_lose_datagrams_and_sizes_are_bounded()
    {
        var network = new InMemoryNetwork(new Random(1)) { MaxDatagramSize = 1300 };
        await using var a = network.CreateTransport(Ep(1));
        var connect = async () => await a.ConnectAsync(Ep(9));
        await connect.Should().ThrowAsync<SocketException>();
        await a.SendDatagramAsync(Ep(9), "nobody"u8.ToArray());
        network.DatagramsDropped.Should().Be(1);

        var big = async () => await a.SendDatagramAsync(Ep(9), new byte[1301]);
        await big.Should().ThrowAsync<DatagramTooLargeException>();
        var taken = () => network.CreateTransport(Ep(1));
        taken.Should().Throw<AddressInUseException>();
    }
}
