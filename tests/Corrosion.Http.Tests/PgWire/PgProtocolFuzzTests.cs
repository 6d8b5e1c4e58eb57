using System.Buffers;
using System.Buffers.Binary;
using Corrosion.Http.PgWire;

namespace Corrosion.Http.Tests.PgWire;

/// <summary>The codec never fails with anything but <see cref="PgProtocolException"/> (or "need more bytes") on any input.</summary>
public sealed class PgProtocolFuzzTests
{
    private static readonly byte[] Types = "QPBDECSHXpdfF?"u8.ToArray();

    [Fact]
    public void Random_frames_decode_or_throw_a_protocol_exception()
    {
        var random = new Random(20261125);
        var decoded = 0;
        var rejected = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var body = new byte[random.Next(0, 40)];
            random.NextBytes(body);
            if (random.Next(3) == 0)
            {
                // Mostly zero bytes: plausible strings and counts.
                Array.Clear(body, 0, body.Length / 2);
            }

            var frame = new byte[5 + body.Length];
            frame[0] = Types[random.Next(Types.Length)];
            var length = random.Next(4) == 0 ? random.Next(int.MinValue, int.MaxValue) : body.Length + 4;
            BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), length);
            body.CopyTo(frame, 5);

            var buffer = new ReadOnlySequence<byte>(frame);
            try
            {
                if (PgProtocol.TryReadMessage(ref buffer, out var message))
                {
                    message.Should().NotBeNull();
                    decoded++;
                }
            }
            catch (PgProtocolException)
            {
                rejected++;
            }
        }

        decoded.Should().BeGreaterThan(50, "some random frames are valid messages");
        rejected.Should().BeGreaterThan(100, "most random frames are rejected");
    }

    [Fact]
    public void Random_startup_packets_parse_or_throw_a_protocol_exception()
    {
        var random = new Random(5432);
        for (var i = 0; i < 10_000; i++)
        {
            var packet = new byte[random.Next(0, 64)];
            random.NextBytes(packet);
            if (packet.Length >= 8 && random.Next(2) == 0)
            {
                BinaryPrimitives.WriteInt32BigEndian(packet, packet.Length);
                BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(4), PgProtocol.ProtocolVersion3);
            }

            var buffer = new ReadOnlySequence<byte>(packet);
            try
            {
                PgProtocol.TryReadStartup(ref buffer, out _);
            }
            catch (PgProtocolException)
            {
                // Refused: the connection would get 08P01 and be closed.
            }
        }
    }
}
