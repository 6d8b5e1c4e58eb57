using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Corrosion.Gossip.Cluster;

/// <summary>
/// A minimal DNS client for <c>gossip.bootstrap</c> entries that name their own server (<c>name:port@server:port</c>):
/// one UDP query each for A and AAAA records, answers parsed with compression pointers, no recursion of our own.
/// </summary>
internal static class DnsQuery
{
    private const ushort TypeA = 1;
    private const ushort TypeAaaa = 28;

    public static async Task<IReadOnlyList<IPAddress>> ResolveAsync(string name, IPEndPoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var addresses = new List<IPAddress>();
        using var socket = new UdpClient(server.AddressFamily);
        foreach (var type in new[] { TypeA, TypeAaaa })
        {
            var id = (ushort)Random.Shared.Next(ushort.MaxValue);
            var query = BuildQuery(id, name, type);
            await socket.SendAsync(query, server, cancellationToken).ConfigureAwait(false);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(timeout);
            try
            {
                while (true)
                {
                    var response = await socket.ReceiveAsync(wait.Token).ConfigureAwait(false);
                    if (response.Buffer.Length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(response.Buffer) == id)
                    {
                        addresses.AddRange(ParseAnswers(response.Buffer));
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }
        }

        return addresses;
    }

    internal static byte[] BuildQuery(ushort id, string name, ushort type)
    {
        var buffer = new List<byte>(32 + name.Length);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], 0x0100); // recursion desired
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 1);
        buffer.AddRange(header.ToArray());
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            var bytes = Encoding.ASCII.GetBytes(label);
            if (bytes.Length is 0 or > 63)
            {
                throw new ArgumentException($"'{name}' is not a valid DNS name", nameof(name));
            }

            buffer.Add((byte)bytes.Length);
            buffer.AddRange(bytes);
        }

        buffer.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        return [.. buffer];
    }

    internal static List<IPAddress> ParseAnswers(ReadOnlySpan<byte> message)
    {
        var result = new List<IPAddress>();
        if (message.Length < 12)
        {
            return result;
        }

        var questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        var offset = 12;
        for (var i = 0; i < questions; i++)
        {
            offset = SkipName(message, offset) + 4;
        }

        for (var i = 0; i < answers && offset < message.Length; i++)
        {
            offset = SkipName(message, offset);
            if (offset + 10 > message.Length)
            {
                break;
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
            offset += 10;
            if (offset + length > message.Length)
            {
                break;
            }

            if ((type == TypeA && length == 4) || (type == TypeAaaa && length == 16))
            {
                result.Add(new IPAddress(message.Slice(offset, length)));
            }

            offset += length;
        }

        return result;
    }

    private static int SkipName(ReadOnlySpan<byte> message, int offset)
    {
        while (offset < message.Length)
        {
            var length = message[offset];
            if (length == 0)
            {
                return offset + 1;
            }

            if ((length & 0xC0) == 0xC0)
            {
                return offset + 2;
            }

            offset += length + 1;
        }

        return offset;
    }
}
