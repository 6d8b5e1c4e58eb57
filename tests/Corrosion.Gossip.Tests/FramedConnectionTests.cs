using System.Buffers.Binary;
using System.Collections.Concurrent;
using Corrosion.Gossip.Transport;
using Corrosion.Gossip.Transport.Tcp;
using static Corrosion.Gossip.Tests.TransportTestHelpers;

namespace Corrosion.Gossip.Tests;

/// <summary>The frame codec over a real transport: a hostile frame closes that connection and no other.</summary>
public sealed class FramedConnectionTests
{
    [Fact]
    public async Task A_hostile_frame_closes_only_its_own_connection()
    {
        using var deadline = Deadline();
        await using var server = TcpUdpPeerTransport.Bind(new GossipTransportOptions { Addr = "127.0.0.1:0", Plaintext = true });
        await using var client = TcpUdpPeerTransport.Bind(new GossipTransportOptions { Addr = "127.0.0.1:0", Plaintext = true });
        var outcomes = new ConcurrentQueue<string>();

        // A frame echo server: one loop per connection, closed on the first protocol error.
        var serving = Task.Run(async () =>
        {
            var loops = new List<Task>();
            try
            {
                await foreach (var connection in server.AcceptAsync(deadline.Token))
                {
                    loops.Add(Task.Run(
                        async () =>
                        {
                            await using (connection)
                            {
                                try
                                {
                                    while (await FrameCodec.ReadFrameAsync(connection.Transport.Input, 1024, deadline.Token) is { } frame)
                                    {
                                        using (frame)
                                        {
                                            await FrameCodec.WriteFrameAsync(connection.Transport.Output, frame.Type, frame.Payload, cancellationToken: deadline.Token);
                                        }
                                    }

                                    outcomes.Enqueue("clean end");
                                }
                                catch (PeerProtocolException e)
                                {
                                    outcomes.Enqueue($"protocol error: {e.Message}");
                                }
                            }
                        },
                        CancellationToken.None));
                }
            }
            catch (OperationCanceledException)
            {
            }

            await Task.WhenAll(loops);
        });

        await using var good = await client.ConnectAsync(server.LocalEndPoint, deadline.Token);
        await FrameCodec.WriteFrameAsync(good.Transport.Output, 1, "before"u8.ToArray(), cancellationToken: deadline.Token);
        using (var echoed = await FrameCodec.ReadFrameAsync(good.Transport.Input, cancellationToken: deadline.Token))
        {
            echoed!.Payload.ToArray().Should().Equal("before"u8.ToArray());
        }

        await using (var hostile = await client.ConnectAsync(server.LocalEndPoint, deadline.Token))
        {
            var header = new byte[FrameCodec.HeaderSize];
            header[0] = FrameCodec.CurrentVersion;
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(2), 1u << 31);
            await hostile.Transport.Output.WriteAsync(header, deadline.Token);
            (await ObserveEndAsync(hostile.Transport.Input, deadline.Token)).Should().NotBeNull("the server closes the hostile connection");
        }

        outcomes.Should().ContainSingle().Which.Should().Contain("exceeds the limit of 1024");
        await FrameCodec.WriteFrameAsync(good.Transport.Output, 2, "after"u8.ToArray(), cancellationToken: deadline.Token);
        using (var echoed = await FrameCodec.ReadFrameAsync(good.Transport.Input, cancellationToken: deadline.Token))
        {
            echoed!.Type.Should().Be(2);
            echoed.Payload.ToArray().Should().Equal("after"u8.ToArray(), "the other connection is unaffected");
        }

        await good.Transport.Output.CompleteAsync();
        (await FrameCodec.ReadFrameAsync(good.Transport.Input, cancellationToken: deadline.Token)).Should().BeNull();
        await server.DisposeAsync();
        await serving;
        outcomes.Should().Contain("clean end");
    }
}
