using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Corrosion.Gossip.Transport;

namespace Corrosion.Gossip.Tests;

internal static class TransportTestHelpers
{
    public static CancellationTokenSource Deadline(int seconds = 20) => new(TimeSpan.FromSeconds(seconds));

    public static async Task<PeerDatagram> ReceiveOneAsync(this IPeerTransport transport, CancellationToken cancellationToken)
    {
        await foreach (var datagram in transport.ReceiveDatagramsAsync(cancellationToken))
        {
            return datagram;
        }

        throw new InvalidOperationException($"datagram stream of {transport.LocalEndPoint} ended before a datagram arrived");
    }

    public static async Task<IPeerConnection> AcceptOneAsync(this IPeerTransport transport, CancellationToken cancellationToken)
    {
        await foreach (var connection in transport.AcceptAsync(cancellationToken))
        {
            return connection;
        }

        throw new InvalidOperationException($"accept stream of {transport.LocalEndPoint} ended before a connection arrived");
    }

    /// <summary>Copies everything read back to the writer until the peer completes.</summary>
    public static async Task EchoAsync(IPeerConnection connection, CancellationToken cancellationToken)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            foreach (var segment in result.Buffer)
            {
                await output.WriteAsync(segment, cancellationToken);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await output.CompleteAsync();
    }

    /// <summary>Echoes every connection the transport accepts until cancelled.</summary>
    public static async Task ServeEchoAsync(IPeerTransport transport, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>();
        try
        {
            await foreach (var connection in transport.AcceptAsync(cancellationToken))
            {
                tasks.Add(Task.Run(
                    async () =>
                {
                    await using (connection)
                    {
                        try
                        {
                            await EchoAsync(connection, cancellationToken);
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException)
                        {
                        }
                    }
                },
                    CancellationToken.None));
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(tasks);
    }

    /// <summary>Writes <paramref name="data"/> and completes, while reading everything back.</summary>
    public static async Task<byte[]> RoundTripAsync(IPeerConnection connection, byte[] data, CancellationToken cancellationToken)
    {
        var writer = Task.Run(async () =>
        {
            for (var offset = 0; offset < data.Length; offset += 64 * 1024)
            {
                var chunk = data.AsMemory(offset, Math.Min(64 * 1024, data.Length - offset));
                await connection.Transport.Output.WriteAsync(chunk, cancellationToken);
            }

            await connection.Transport.Output.CompleteAsync();
        }, cancellationToken);

        var received = await ReadToEndAsync(connection.Transport.Input, cancellationToken);
        await writer;
        return received;
    }

    public static async Task<byte[]> ReadToEndAsync(PipeReader input, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            foreach (var segment in result.Buffer)
            {
                buffer.Write(segment.Span);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return buffer.WrittenSpan.ToArray();
            }
        }
    }

    /// <summary>True when the reader reports end of stream or fails with a non-cancellation error (the stream was closed).</summary>
    public static async Task<string> ObserveEndAsync(PipeReader input, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(cancellationToken);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return "end of stream";
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return e.GetType().Name;
        }
    }

    public static IPEndPoint Ip(this IPeerTransport transport) => (IPEndPoint)transport.LocalEndPoint;
}
