using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Corrosion.Gossip.Cluster;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Cluster;

public sealed class BootstrapResolverTests
{
    [Fact]
    public async Task Addresses_names_and_names_at_a_given_dns_server_resolve()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var dns = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var server = (IPEndPoint)dns.Client.LocalEndPoint!;
        var names = new List<string>();
        var answering = AnswerAsync(dns, names, cts.Token);

        var errors = new List<string>();
        var resolved = await BootstrapResolver.ResolveAsync(
            ["127.0.0.1:3333", "[::1]:3334", "localhost:3335", $"my-fly-app.internal:3336@{server}", "bad", "x:1@not-an-address"],
            (entry, error) => errors.Add($"{entry}: {error}"),
            cts.Token);

        resolved.Should().Contain(new IPEndPoint(IPAddress.Loopback, 3333));
        resolved.Should().Contain(new IPEndPoint(IPAddress.IPv6Loopback, 3334));
        resolved.Should().Contain(e => e.Port == 3335 && IPAddress.IsLoopback(e.Address));
        resolved.Should().Contain(new IPEndPoint(IPAddress.Parse("10.9.8.7"), 3336), "the fake DNS server's A record");
        names.Should().Contain("my-fly-app.internal");
        errors.Should().HaveCount(2);
        errors.Should().Contain(e => e.StartsWith("bad: expected host:port", StringComparison.Ordinal));
        errors.Should().Contain(e => e.Contains("not a DNS server address", StringComparison.Ordinal));
        await cts.CancelAsync();
        await answering;
    }

    /// <summary>Answers every A query with 10.9.8.7 and every other query with no records.</summary>
    private static async Task AnswerAsync(UdpClient dns, List<string> names, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var query = await dns.ReceiveAsync(cancellationToken);
                var request = query.Buffer;
                var offset = 12;
                var labels = new List<string>();
                while (request[offset] != 0)
                {
                    labels.Add(System.Text.Encoding.ASCII.GetString(request, offset + 1, request[offset]));
                    offset += request[offset] + 1;
                }

                names.Add(string.Join('.', labels));
                var type = BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(offset + 1));
                var questionEnd = offset + 5;
                var answer = new List<byte>(request[..questionEnd]);
                answer[2] = 0x81;
                answer[3] = 0x80;
                answer[7] = type == 1 ? (byte)1 : (byte)0;
                if (type == 1)
                {
                    answer.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 9, 8, 7]);
                }

                await dns.SendAsync(answer.ToArray(), query.RemoteEndPoint, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
