using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Corrosion.Gossip.Transport;
using Corrosion.Storage;

namespace Corrosion.Gossip.Protocol;

/// <summary>Bounds-checked reads of the peer wire format; every failure is a <see cref="PeerProtocolException"/>.</summary>
internal ref struct WireReader
{
    private SequenceReader<byte> _reader;

    public WireReader(ReadOnlySequence<byte> payload) => _reader = new SequenceReader<byte>(payload);

    public readonly bool End => _reader.End;

    public byte ReadByte() => _reader.TryRead(out var value) ? value : throw Truncated("byte");

    public ulong ReadUInt64()
    {
        return _reader.TryReadBigEndian(out long value) ? (ulong)value : throw Truncated("u64");
    }

    public long ReadInt64() => _reader.TryReadBigEndian(out long value) ? value : throw Truncated("i64");

    /// <summary>Unsigned LEB128, at most 10 bytes.</summary>
    public ulong ReadVarUInt()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new PeerProtocolException("varint longer than 10 bytes");
    }

    public long ReadVarLong(string what, long max = long.MaxValue)
    {
        var value = ReadVarUInt();
        return value > (ulong)max ? throw new PeerProtocolException($"{what} {value} is out of range (max {max})") : (long)value;
    }

    public byte[] ReadBytes(int maxLength, string what)
    {
        var length = (int)ReadVarLong($"{what} length", maxLength);
        if (_reader.Remaining < length)
        {
            throw Truncated(what);
        }

        var bytes = new byte[length];
        _reader.TryCopyTo(bytes);
        _reader.Advance(length);
        return bytes;
    }

    public string ReadString(int maxLength, string what)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(ReadBytes(maxLength, what));
        }
        catch (DecoderFallbackException ex)
        {
            throw new PeerProtocolException($"{what} is not valid UTF-8", ex);
        }
    }

    public ActorId ReadActorId()
    {
        Span<byte> bytes = stackalloc byte[ActorId.Size];
        return _reader.TryCopyTo(bytes) && Advance(ActorId.Size) ? new ActorId(bytes) : throw Truncated("actor id");
    }

    public SqlValue ReadValue(int maxLength)
    {
        var kind = ReadByte();
        return kind switch
        {
            (byte)SqlValueKind.Integer => SqlValue.FromInteger(ReadInt64()),
            (byte)SqlValueKind.Real => SqlValue.FromReal(BitConverter.Int64BitsToDouble(ReadInt64())),
            (byte)SqlValueKind.Text => SqlValue.FromText(ReadString(maxLength, "text value")),
            (byte)SqlValueKind.Blob => SqlValue.FromBlob(ReadBytes(maxLength, "blob value")),
            (byte)SqlValueKind.Null => SqlValue.Null,
            _ => throw new PeerProtocolException($"unknown value type {kind}"),
        };
    }

    private bool Advance(int count)
    {
        _reader.Advance(count);
        return true;
    }

    private static PeerProtocolException Truncated(string what) => new($"message ends in the middle of a {what}");
}

/// <summary>Writes of the peer wire format into a buffer writer.</summary>
internal readonly ref struct WireWriter
{
    private readonly IBufferWriter<byte> _output;

    public WireWriter(IBufferWriter<byte> output) => _output = output;

    public void WriteByte(byte value)
    {
        _output.GetSpan(1)[0] = value;
        _output.Advance(1);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    public void WriteUInt64(ulong value) => WriteInt64((long)value);

    public void WriteVarUInt(ulong value)
    {
        var span = _output.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _output.Advance(i);
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteVarUInt((ulong)bytes.Length);
        _output.Write(bytes);
    }

    public void WriteString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt((ulong)count);
        var span = _output.GetSpan(count);
        Encoding.UTF8.GetBytes(value, span);
        _output.Advance(count);
    }

    public void WriteActorId(ActorId actor) => _output.Write(actor.Span);

    public void WriteValue(SqlValue value)
    {
        WriteByte((byte)value.Kind);
        switch (value.Kind)
        {
            case SqlValueKind.Integer:
                WriteInt64(value.AsInteger);
                break;
            case SqlValueKind.Real:
                WriteInt64(BitConverter.DoubleToInt64Bits(value.AsReal));
                break;
            case SqlValueKind.Text:
                WriteString(value.AsText);
                break;
            case SqlValueKind.Blob:
                WriteBytes(value.AsBlob);
                break;
        }
    }
}
