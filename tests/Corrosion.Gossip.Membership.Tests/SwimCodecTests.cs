using System.Buffers.Binary;
using System.Net;
using Corrosion.Gossip.Protocol;

namespace Corrosion.Gossip.Membership.Tests;

public sealed class SwimCodecTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, 123, TimeSpan.Zero);

    private static Member MemberAt(string address, int port = 4001) =>
        new(ActorId.NewRandom(), new IPEndPoint(IPAddress.Parse(address), port), Start, 3);

    private static SwimMessage Sample() => new(
        SwimMessageKind.PingReq,
        3,
        MemberAt("10.0.0.1"),
        uint.MaxValue,
        42,
        MemberAt("::1", 65535),
        [
            new MemberState(MemberAt("192.168.1.2", 1), MemberStatus.Alive, 0),
            new MemberState(MemberAt("fe80::1"), MemberStatus.Suspect, 7),
            new MemberState(MemberAt("10.0.0.3"), MemberStatus.Down, 8),
            new MemberState(MemberAt("10.0.0.4"), MemberStatus.Left, 9),
        ]);

    [Fact]
    public void A_message_round_trips()
    {
        var message = Sample();
        var bytes = SwimCodec.Encode(message);

        bytes.Length.Should().Be(SwimCodec.EncodedLength(message));
        bytes[0].Should().Be(SwimCodec.Version, "the first byte is the format version");
        var decoded = SwimCodec.Decode(bytes);
        decoded.Should().BeEquivalentTo(message, o => o.ComparingByMembers<SwimMessage>());
        decoded.Sender.Should().Be(message.Sender);
        decoded.Target.Should().Be(message.Target);
        decoded.Updates.Should().Equal(message.Updates);
    }

    [Fact]
    public void A_message_without_target_or_updates_round_trips()
    {
        var message = new SwimMessage(SwimMessageKind.Ping, 3, MemberAt("127.0.0.1"), 1, 2, null, []);
        SwimCodec.Decode(SwimCodec.Encode(message)).Should().BeEquivalentTo(message, o => o.ComparingByMembers<SwimMessage>());
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        var bytes = SwimCodec.Encode(Sample());
        for (var length = 0; length < bytes.Length; length++)
        {
            var act = () => SwimCodec.Decode(bytes.AsSpan(0, length));
            act.Should().Throw<SwimProtocolException>($"a {length}-byte prefix of {bytes.Length}");
        }
    }

    [Theory]
    [InlineData(0, (byte)2, "version")]
    [InlineData(1, (byte)0, "kind")]
    [InlineData(1, (byte)99, "kind")]
    public void Unknown_version_or_kind_is_rejected(int offset, byte value, string what)
    {
        var bytes = SwimCodec.Encode(Sample());
        bytes[offset] = value;
        var act = () => SwimCodec.Decode(bytes);
        act.Should().Throw<SwimProtocolException>().WithMessage($"*{what}*");
    }

    [Fact]
    public void Trailing_bytes_an_oversized_datagram_and_an_impossible_update_count_are_rejected()
    {
        var bytes = SwimCodec.Encode(Sample());
        FluentActions.Invoking(() => SwimCodec.Decode([.. bytes, 0])).Should().Throw<SwimProtocolException>().WithMessage("*trailing*");
        FluentActions.Invoking(() => SwimCodec.Decode(new byte[SwimCodec.MaxDatagramLength + 1])).Should().Throw<SwimProtocolException>();

        var noUpdates = SwimCodec.Encode(new SwimMessage(SwimMessageKind.Gossip, 0, MemberAt("10.0.0.1"), 0, 0, null, []));
        BinaryPrimitives.WriteUInt16BigEndian(noUpdates.AsSpan(noUpdates.Length - 2), ushort.MaxValue);
        FluentActions.Invoking(() => SwimCodec.Decode(noUpdates)).Should().Throw<SwimProtocolException>().WithMessage("*update count*");
    }

    [Fact]
    public void Random_input_only_ever_throws_the_protocol_exception()
    {
        var random = new Random(7);
        var valid = SwimCodec.Encode(Sample());
        for (var i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = (byte[])valid.Clone();
                input[random.Next(input.Length)] = (byte)random.Next(256);
                input = input[..random.Next(input.Length + 1)];
            }
            else
            {
                input = new byte[random.Next(300)];
                random.NextBytes(input);
                if (input.Length > 1)
                {
                    input[0] = SwimCodec.Version;
                    input[1] = (byte)random.Next(1, 9);
                }
            }

            try
            {
                SwimCodec.Decode(input);
            }
            catch (SwimProtocolException)
            {
            }
        }
    }

    [Fact]
    public void The_largest_header_plus_one_update_fits_the_default_packet_size()
    {
        (SwimCodec.MaxHeaderLength + SwimCodec.MaxUpdateLength).Should().BeLessThan(new SwimOptions().MaxPacketSize);
        var ipv6 = MemberAt("::1");
        SwimCodec.UpdateLength(new MemberState(ipv6, MemberStatus.Alive, 0)).Should().Be(SwimCodec.MaxUpdateLength);
    }
}
