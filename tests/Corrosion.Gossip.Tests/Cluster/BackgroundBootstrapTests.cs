using System.Net;
using System.Net.Sockets;
using Corrosion.Gossip.Cluster;
using Corrosion.TestKit;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Cluster;

/// <summary>
/// Bootstrap names are resolved after the cluster layer started: a DNS server that has not answered yet does not
/// hold up the start, and the node joins through the name once it resolves.
/// </summary>
public sealed class BackgroundBootstrapTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Start_does_not_wait_for_dns_and_the_node_joins_once_the_name_resolves()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var dns = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answering = AnswerWhenReleasedAsync(dns, release.Task, cts.Token);

        await using var nodeA = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var nodeB = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        await using var a = LoopbackClusterService.Create(nodeA);
        await a.StartAsync(cts.Token);
        var portA = ((IPEndPoint)a.LocalEndPoint!).Port;

        await using var b = LoopbackClusterService.Create(nodeB, $"node-a.internal:{portA}@{dns.Client.LocalEndPoint}");
        await b.StartAsync(cts.Token);

        // b started while its DNS query is unanswered (a blocking start would have timed the query out and never join).
        release.SetResult();
        await Eventually.UntilAsync(
            () => Task.FromResult(b.Members.Active.Any(m => m.Member.Id == nodeA.ActorId)),
            TimeSpan.FromSeconds(30),
            "b joins a through the name resolved after start");

        await b.StopAsync(CancellationToken.None);
        await a.StopAsync(CancellationToken.None);
        await cts.CancelAsync();
        await answering;
    }

    /// <summary>Holds every query until released, then answers A queries with 127.0.0.1 and others with no records.</summary>
    private static async Task AnswerWhenReleasedAsync(UdpClient dns, Task released, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var query = await dns.ReceiveAsync(cancellationToken);
                await released.WaitAsync(cancellationToken);
                var request = query.Buffer;
                var offset = 12;
                while (request[offset] != 0)
                {
                    offset += request[offset] + 1;
                }

                var type = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(offset + 1));
                var answer = new List<byte>(request[..(offset + 5)]);
                answer[2] = 0x81;
                answer[3] = 0x80;
                answer[7] = type == 1 ? (byte)1 : (byte)0;
                if (type == 1)
                {
                    answer.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
                }

                await dns.SendAsync(answer.ToArray(), query.RemoteEndPoint, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
