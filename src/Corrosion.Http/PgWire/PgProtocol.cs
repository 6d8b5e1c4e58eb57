using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Text;
using Corrosion.Storage;

namespace Corrosion.Http.PgWire;

/// <summary>
/// The PostgreSQL v3 wire format in one place: framing of the startup packet and of tagged messages, decoding of
/// every frontend message the listener understands, and the backend messages it writes (<see cref="PgMessageWriter"/>).
/// A malformed frame throws <see cref="PgProtocolException"/>; the caller answers it and closes that connection.
/// </summary>
internal static class PgProtocol
{
    /// <summary>Protocol 3.0 as a startup packet's version field.</summary>
    public const int ProtocolVersion3 = 3 << 16;

    public const int SslRequestCode = (1234 << 16) | 5679;
    public const int GssEncRequestCode = (1234 << 16) | 5680;
    public const int CancelRequestCode = (1234 << 16) | 5678;

    /// <summary>The largest startup packet accepted (PostgreSQL's own limit is 10000 bytes).</summary>
    public const int MaxStartupLength = 10_000;

    /// <summary>The largest tagged message accepted, length field included.</summary>
    public const int MaxMessageLength = 64 * 1024 * 1024;

    /// <summary>Reads one length-prefixed startup packet (no type byte). False when more bytes are needed.</summary>
    public static bool TryReadStartup(ref ReadOnlySequence<byte> buffer, out StartupPacket packet)
    {
        packet = default;
        if (buffer.Length < 4)
        {
            return false;
        }

        var length = ReadInt32(buffer.Slice(0, 4));
        if (length < 8 || length > MaxStartupLength)
        {
            throw new PgProtocolException($"invalid startup packet length {length}");
        }

        if (buffer.Length < length)
        {
            return false;
        }

        var code = ReadInt32(buffer.Slice(4, 4));
        var body = buffer.Slice(8, length - 8);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (code == ProtocolVersion3)
        {
            var reader = new SequenceReader<byte>(body);
            while (true)
            {
                var name = ReadCString(ref reader);
                if (name.Length == 0)
                {
                    break;
                }

                parameters[name] = ReadCString(ref reader);
            }
        }

        packet = new StartupPacket(code, parameters);
        buffer = buffer.Slice(length);
        return true;
    }

    /// <summary>Reads one tagged message (type byte, then an Int32 length that counts itself). False when more bytes are needed.</summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out FrontendMessage message)
    {
        message = null!;
        if (buffer.Length < 5)
        {
            return false;
        }

        var type = buffer.FirstSpan[0];
        var length = ReadInt32(buffer.Slice(1, 4));
        if (length < 4 || length > MaxMessageLength)
        {
            throw new PgProtocolException($"invalid message length {length} for message type '{Printable(type)}'");
        }

        if (buffer.Length < 1L + length)
        {
            return false;
        }

        message = Decode(type, buffer.Slice(5, length - 4));
        buffer = buffer.Slice(1 + length);
        return true;
    }

    /// <summary>Decodes the payload of one frontend message. Everything is copied out of the buffer.</summary>
    public static FrontendMessage Decode(byte type, ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        FrontendMessage message = type switch
        {
            (byte)'Q' => new QueryMessage(ReadCString(ref reader)),
            (byte)'P' => DecodeParse(ref reader),
            (byte)'B' => DecodeBind(ref reader),
            (byte)'D' => new DescribeMessage(ReadTarget(ref reader), ReadCString(ref reader)),
            (byte)'E' => new ExecuteMessage(ReadCString(ref reader), ReadInt32(ref reader)),
            (byte)'C' => new CloseMessage(ReadTarget(ref reader), ReadCString(ref reader)),
            (byte)'S' => SyncMessage.Instance,
            (byte)'H' => FlushMessage.Instance,
            (byte)'X' => TerminateMessage.Instance,
            _ => throw new PgProtocolException($"unsupported frontend message type '{Printable(type)}'"),
        };

        if (reader.Remaining != 0)
        {
            throw new PgProtocolException($"message '{Printable(type)}' has {reader.Remaining} trailing byte(s)");
        }

        return message;
    }

    private static ParseMessage DecodeParse(ref SequenceReader<byte> reader)
    {
        var name = ReadCString(ref reader);
        var sql = ReadCString(ref reader);
        var count = ReadCount(ref reader);
        var types = new uint[count];
        for (var i = 0; i < count; i++)
        {
            types[i] = (uint)ReadInt32(ref reader);
        }

        return new ParseMessage(name, sql, types);
    }

    private static BindMessage DecodeBind(ref SequenceReader<byte> reader)
    {
        var portal = ReadCString(ref reader);
        var statement = ReadCString(ref reader);
        var formatCount = ReadCount(ref reader);
        var formats = new short[formatCount];
        for (var i = 0; i < formatCount; i++)
        {
            formats[i] = ReadFormat(ref reader);
        }

        var valueCount = ReadCount(ref reader);
        var values = new byte[]?[valueCount];
        for (var i = 0; i < valueCount; i++)
        {
            var length = ReadInt32(ref reader);
            if (length == -1)
            {
                continue;
            }

            if (length < 0 || length > reader.Remaining)
            {
                throw new PgProtocolException($"Bind parameter {i + 1} has invalid length {length}");
            }

            values[i] = reader.UnreadSequence.Slice(0, length).ToArray();
            reader.Advance(length);
        }

        var resultCount = ReadCount(ref reader);
        var resultFormats = new short[resultCount];
        for (var i = 0; i < resultCount; i++)
        {
            resultFormats[i] = ReadFormat(ref reader);
        }

        return new BindMessage(portal, statement, formats, values, resultFormats);
    }

    private static short ReadFormat(ref SequenceReader<byte> reader)
    {
        var format = ReadInt16(ref reader);
        return format is 0 or 1 ? format : throw new PgProtocolException($"invalid format code {format}");
    }

    private static int ReadCount(ref SequenceReader<byte> reader)
    {
        var count = ReadInt16(ref reader);
        return count >= 0 ? count : throw new PgProtocolException($"invalid count {count}");
    }

    private static char ReadTarget(ref SequenceReader<byte> reader)
    {
        if (!reader.TryRead(out var b))
        {
            throw new PgProtocolException("message ends early");
        }

        return b is (byte)'S' or (byte)'P' ? (char)b : throw new PgProtocolException($"invalid Describe/Close target '{Printable(b)}'");
    }

    private static string ReadCString(ref SequenceReader<byte> reader)
    {
        if (!reader.TryReadTo(out ReadOnlySequence<byte> text, (byte)0))
        {
            throw new PgProtocolException("a string is not terminated by a zero byte");
        }

        return Encoding.UTF8.GetString(text);
    }

    private static short ReadInt16(ref SequenceReader<byte> reader) =>
        reader.TryReadBigEndian(out short value) ? value : throw new PgProtocolException("message ends early");

    private static int ReadInt32(ref SequenceReader<byte> reader) =>
        reader.TryReadBigEndian(out int value) ? value : throw new PgProtocolException("message ends early");

    private static int ReadInt32(ReadOnlySequence<byte> four)
    {
        Span<byte> bytes = stackalloc byte[4];
        four.CopyTo(bytes);
        return BinaryPrimitives.ReadInt32BigEndian(bytes);
    }

    private static string Printable(byte b) => b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"0x{b:x2}";
}

/// <summary>The first packet of a connection: protocol version (or a request code) and the startup parameters.</summary>
internal readonly record struct StartupPacket(int Code, IReadOnlyDictionary<string, string> Parameters);

/// <summary>A decoded frontend message.</summary>
internal abstract record FrontendMessage;

/// <summary><c>Q</c>: a simple query, possibly several statements separated by semicolons.</summary>
internal sealed record QueryMessage(string Sql) : FrontendMessage;

/// <summary><c>P</c>: prepare <paramref name="Sql"/> as statement <paramref name="Name"/> ("" = unnamed).</summary>
internal sealed record ParseMessage(string Name, string Sql, uint[] ParameterTypes) : FrontendMessage;

/// <summary><c>B</c>: bind parameter values to a statement, creating a portal.</summary>
internal sealed record BindMessage(string Portal, string Statement, short[] ParameterFormats, byte[]?[] Parameters, short[] ResultFormats) : FrontendMessage;

/// <summary><c>D</c>: describe statement (<c>S</c>) or portal (<c>P</c>).</summary>
internal sealed record DescribeMessage(char Target, string Name) : FrontendMessage;

/// <summary><c>E</c>: run a portal, returning at most <paramref name="MaxRows"/> rows (0 = all).</summary>
internal sealed record ExecuteMessage(string Portal, int MaxRows) : FrontendMessage;

/// <summary><c>C</c>: close statement (<c>S</c>) or portal (<c>P</c>).</summary>
internal sealed record CloseMessage(char Target, string Name) : FrontendMessage;

/// <summary><c>S</c>: end of an extended-protocol batch; answer with ReadyForQuery.</summary>
internal sealed record SyncMessage : FrontendMessage
{
    public static readonly SyncMessage Instance = new();
}

/// <summary><c>H</c>: send what is buffered.</summary>
internal sealed record FlushMessage : FrontendMessage
{
    public static readonly FlushMessage Instance = new();
}

/// <summary><c>X</c>: the client is closing the connection.</summary>
internal sealed record TerminateMessage : FrontendMessage
{
    public static readonly TerminateMessage Instance = new();
}

/// <summary>A frame the listener cannot parse: answered with SQLSTATE 08P01 and the connection is closed.</summary>
internal sealed class PgProtocolException : Exception
{
    public PgProtocolException()
    {
    }

    public PgProtocolException(string message)
        : base(message)
    {
    }

    public PgProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Writes backend messages onto the connection's <see cref="PipeWriter"/>. Each message is assembled in a scratch
/// buffer so its length can be written first; <see cref="FlushAsync"/> sends what is buffered.
/// </summary>
internal sealed class PgMessageWriter
{
    private readonly PipeWriter _output;
    private readonly ArrayBufferWriter<byte> _body = new(256);
    private byte _type;

    public PgMessageWriter(PipeWriter output)
    {
        _output = output;
    }

    /// <summary>Bytes written since the last flush.</summary>
    public long Unflushed => _output.UnflushedBytes;

    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

    /// <summary>A single byte with no framing (the answer to SSLRequest / GSSENCRequest).</summary>
    public void WriteRawByte(byte value)
    {
        var span = _output.GetSpan(1);
        span[0] = value;
        _output.Advance(1);
    }

    public void AuthenticationOk()
    {
        Begin('R');
        Int32(0);
        End();
    }

    public void ParameterStatus(string name, string value)
    {
        Begin('S');
        CString(name);
        CString(value);
        End();
    }

    public void BackendKeyData(int processId, int secretKey)
    {
        Begin('K');
        Int32(processId);
        Int32(secretKey);
        End();
    }

    /// <summary><c>Z</c> with the transaction status: <c>I</c> idle, <c>T</c> in a block, <c>E</c> in a failed block.</summary>
    public void ReadyForQuery(char status)
    {
        Begin('Z');
        Byte((byte)status);
        End();
    }

    public void ParseComplete() => Empty('1');

    public void BindComplete() => Empty('2');

    public void CloseComplete() => Empty('3');

    public void NoData() => Empty('n');

    public void PortalSuspended() => Empty('s');

    public void EmptyQueryResponse() => Empty('I');

    public void CommandComplete(string tag)
    {
        Begin('C');
        CString(tag);
        End();
    }

    public void ParameterDescription(IReadOnlyList<uint> types)
    {
        Begin('t');
        Int16((short)types.Count);
        foreach (var type in types)
        {
            Int32((int)type);
        }

        End();
    }

    public void RowDescription(IReadOnlyList<PgColumn> columns, IReadOnlyList<short> formats)
    {
        Begin('T');
        Int16((short)columns.Count);
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            CString(column.Name);
            Int32(0); // table oid: not a PostgreSQL table
            Int16(0); // column attribute number
            Int32((int)column.TypeOid);
            Int16(PgTypes.TypeSize(column.TypeOid));
            Int32(-1); // type modifier
            Int16(formats[i]);
        }

        End();
    }

    /// <summary><c>D</c>: one row, each cell encoded for its column's type and format (null = SQL NULL).</summary>
    public void DataRow(IReadOnlyList<PgColumn> columns, IReadOnlyList<short> formats, ReadOnlySpan<SqlValue> values)
    {
        Begin('D');
        Int16((short)values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i].IsNull)
            {
                Int32(-1);
                continue;
            }

            // Reserve the length, encode in place, then patch the length.
            var lengthAt = _body.WrittenCount;
            Int32(0);
            var written = PgTypes.Encode(values[i], columns[i], formats[i] == 1, _body);
            BinaryPrimitives.WriteInt32BigEndian(MemoryMarshal.AsMemory(_body.WrittenMemory).Span.Slice(lengthAt, 4), written);
        }

        End();
    }

    /// <summary><c>E</c> (or <c>N</c> for a notice): severity, SQLSTATE and message.</summary>
    public void ErrorResponse(string severity, string sqlState, string message, bool notice = false)
    {
        Begin(notice ? 'N' : 'E');
        Byte((byte)'S');
        CString(severity);
        Byte((byte)'V');
        CString(severity);
        Byte((byte)'C');
        CString(sqlState);
        Byte((byte)'M');
        CString(message);
        Byte(0);
        End();
    }

    private void Empty(char type)
    {
        Begin(type);
        End();
    }

    private void Begin(char type)
    {
        _type = (byte)type;
        _body.ResetWrittenCount();
    }

    private void End()
    {
        var length = _body.WrittenCount + 4;
        var span = _output.GetSpan(length + 1);
        span[0] = _type;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], length);
        _body.WrittenSpan.CopyTo(span[5..]);
        _output.Advance(length + 1);
    }

    private void Byte(byte value)
    {
        _body.GetSpan(1)[0] = value;
        _body.Advance(1);
    }

    private void Int16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_body.GetSpan(2), value);
        _body.Advance(2);
    }

    private void Int32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_body.GetSpan(4), value);
        _body.Advance(4);
    }

    private void CString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        var span = _body.GetSpan(count + 1);
        Encoding.UTF8.GetBytes(value, span);
        span[count] = 0;
        _body.Advance(count + 1);
    }
}
