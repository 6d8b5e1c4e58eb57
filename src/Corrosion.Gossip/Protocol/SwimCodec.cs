using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Corrosion.Gossip.Membership;

namespace Corrosion.Gossip.Protocol;

/// <summary>
/// The SWIM wire format, all big-endian:
/// <code>
/// message  = version:u8(=1) kind:u8 cluster_id:u16 sender:member sender_incarnation:u32 probe_no:u32
///            has_target:u8(0|1) [target:member] update_count:u16 update*
/// member   = actor_id:16 started_at_unix_ms:i64 family:u8(4|6) address:4|16 port:u16
/// update   = member status:u8(0 alive,1 suspect,2 down,3 left) incarnation:u32
/// </code>
/// A datagram is at most <see cref="MaxDatagramLength"/> bytes and carries at most <see cref="MaxUpdates"/> updates;
/// anything else (truncated, trailing bytes, unknown version, kind, family or status) throws
/// <see cref="SwimProtocolException"/>.
/// </summary>
internal static class SwimCodec
{
    public const byte Version = 1;

    /// <summary>Largest datagram accepted (UDP's payload limit).</summary>
    public const int MaxDatagramLength = 65_507;

    public const int MaxUpdates = 1024;

    public const int MaxMemberLength = ActorId.Size + 8 + 1 + 16 + 2;

    public const int MaxUpdateLength = MaxMemberLength + 1 + 4;

    /// <summary>The largest header (message without updates), with a target.</summary>
    public const int MaxHeaderLength = 1 + 1 + 2 + MaxMemberLength + 4 + 4 + 1 + MaxMemberLength + 2;

    private const int MinMemberLength = ActorId.Size + 8 + 1 + 4 + 2;

    private const int MinUpdateLength = MinMemberLength + 1 + 4;

    public static int MemberLength(Member member) =>
        ActorId.Size + 8 + 1 + (member.Address.AddressFamily == AddressFamily.InterNetworkV6 ? 16 : 4) + 2;

    public static int UpdateLength(MemberState update) => MemberLength(update.Member) + 1 + 4;

    /// <summary>Bytes of <paramref name="message"/> without its updates.</summary>
    public static int HeaderLength(SwimMessage message) =>
        1 + 1 + 2 + MemberLength(message.Sender) + 4 + 4 + 1 + (message.Target is null ? 0 : MemberLength(message.Target)) + 2;

    public static int EncodedLength(SwimMessage message)
    {
        var length = HeaderLength(message);
        foreach (var update in message.Updates)
        {
            length += UpdateLength(update);
        }

        return length;
    }

    public static byte[] Encode(SwimMessage message)
    {
        var buffer = new byte[EncodedLength(message)];
        var written = Encode(message, buffer);
        return written == buffer.Length ? buffer : buffer[..written];
    }

    /// <summary>Writes <paramref name="message"/> into <paramref name="destination"/> and returns the bytes written.</summary>
    public static int Encode(SwimMessage message, Span<byte> destination)
    {
        if (message.Updates.Count > MaxUpdates)
        {
            throw new ArgumentException($"at most {MaxUpdates} updates per message, got {message.Updates.Count}", nameof(message));
        }

        if (destination.Length < EncodedLength(message))
        {
            throw new ArgumentException("destination too small", nameof(destination));
        }

        var position = 0;
        destination[position++] = Version;
        destination[position++] = (byte)message.Kind;
        BinaryPrimitives.WriteUInt16BigEndian(destination[position..], message.ClusterId);
        position += 2;
        position += WriteMember(message.Sender, destination[position..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination[position..], message.SenderIncarnation);
        position += 4;
        BinaryPrimitives.WriteUInt32BigEndian(destination[position..], message.ProbeNumber);
        position += 4;
        if (message.Target is null)
        {
            destination[position++] = 0;
        }
        else
        {
            destination[position++] = 1;
            position += WriteMember(message.Target, destination[position..]);
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[position..], (ushort)message.Updates.Count);
        position += 2;
        foreach (var update in message.Updates)
        {
            position += WriteMember(update.Member, destination[position..]);
            destination[position++] = (byte)update.Status;
            BinaryPrimitives.WriteUInt32BigEndian(destination[position..], update.Incarnation);
            position += 4;
        }

        return position;
    }

    /// <summary>Decodes one datagram; throws <see cref="SwimProtocolException"/> if it is not a valid message.</summary>
    public static SwimMessage Decode(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxDatagramLength)
        {
            Throw($"datagram of {datagram.Length} bytes exceeds {MaxDatagramLength}");
        }

        var reader = new Reader(datagram);
        var version = reader.ReadByte();
        if (version != Version)
        {
            Throw($"unsupported SWIM message version {version} (this node speaks {Version})");
        }

        var kindByte = reader.ReadByte();
        if (kindByte is < (byte)SwimMessageKind.Ping or > (byte)SwimMessageKind.Leave)
        {
            Throw($"unknown SWIM message kind {kindByte}");
        }

        var clusterId = reader.ReadUInt16();
        var sender = ReadMember(ref reader, clusterId);
        var senderIncarnation = reader.ReadUInt32();
        var probeNumber = reader.ReadUInt32();
        Member? target = reader.ReadByte() switch
        {
            0 => null,
            1 => ReadMember(ref reader, clusterId),
            var other => Throw<Member>($"bad target flag {other}"),
        };

        var count = reader.ReadUInt16();
        if (count > MaxUpdates || count * MinUpdateLength > reader.Remaining)
        {
            Throw($"update count {count} does not fit in the {reader.Remaining} bytes left");
        }

        var updates = new MemberState[count];
        for (var i = 0; i < count; i++)
        {
            var member = ReadMember(ref reader, clusterId);
            var status = reader.ReadByte();
            if (status > (byte)MemberStatus.Left)
            {
                Throw($"unknown member status {status}");
            }

            updates[i] = new MemberState(member, (MemberStatus)status, reader.ReadUInt32());
        }

        if (reader.Remaining != 0)
        {
            Throw($"{reader.Remaining} trailing bytes after the message");
        }

        return new SwimMessage((SwimMessageKind)kindByte, clusterId, sender, senderIncarnation, probeNumber, target, updates);
    }

    private static int WriteMember(Member member, Span<byte> destination)
    {
        member.Id.Span.CopyTo(destination);
        var position = ActorId.Size;
        BinaryPrimitives.WriteInt64BigEndian(destination[position..], member.StartedAt.ToUnixTimeMilliseconds());
        position += 8;
        var address = member.Address.Address;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            destination[position++] = 6;
        }
        else
        {
            destination[position++] = 4;
        }

        if (!address.TryWriteBytes(destination[position..], out var written))
        {
            throw new ArgumentException($"cannot encode address {address}", nameof(member));
        }

        position += written;
        BinaryPrimitives.WriteUInt16BigEndian(destination[position..], (ushort)member.Address.Port);
        return position + 2;
    }

    private static Member ReadMember(ref Reader reader, ushort clusterId)
    {
        var id = new ActorId(reader.ReadBytes(ActorId.Size));
        var startedAtMs = reader.ReadInt64();
        if (startedAtMs < 0 || startedAtMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            Throw($"start time {startedAtMs} ms is out of range");
        }

        var family = reader.ReadByte();
        var address = family switch
        {
            4 => new IPAddress(reader.ReadBytes(4)),
            6 => new IPAddress(reader.ReadBytes(16)),
            _ => Throw<IPAddress>($"unknown address family {family}"),
        };

        var port = reader.ReadUInt16();
        return new Member(id, new IPEndPoint(address, port), DateTimeOffset.FromUnixTimeMilliseconds(startedAtMs), clusterId);
    }

    [DoesNotReturn]
    private static void Throw(string message) => throw new SwimProtocolException(message);

    [DoesNotReturn]
    private static T Throw<T>(string message) => throw new SwimProtocolException(message);

    /// <summary>Bounds-checked big-endian reads over the datagram.</summary>
    private ref struct Reader(ReadOnlySpan<byte> buffer)
    {
        private readonly ReadOnlySpan<byte> _buffer = buffer;
        private int _position;

        public readonly int Remaining => _buffer.Length - _position;

        public byte ReadByte() => ReadBytes(1)[0];

        public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(ReadBytes(2));

        public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(ReadBytes(4));

        public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(ReadBytes(8));

        public ReadOnlySpan<byte> ReadBytes(int count)
        {
            if (Remaining < count)
            {
                Throw($"truncated: needed {count} bytes at offset {_position}, {Remaining} left");
            }

            var span = _buffer.Slice(_position, count);
            _position += count;
            return span;
        }
    }
}
