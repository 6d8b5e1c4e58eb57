using System.Buffers.Binary;
using System.Text;
using Corrosion.Storage;

namespace Corrosion.Crdt;

/// <summary>
/// cr-sqlite's packed primary key (<c>crsql_pack_columns</c>): a column count byte, then per column a tag byte
/// <c>(nbytes &lt;&lt; 3) | type</c> and a big-endian payload. Byte for byte what cr-sqlite writes.
/// </summary>
public static class PackedPk
{
    /// <summary>Packs primary key values into cr-sqlite's format.</summary>
    /// <param name="columns">The key's values, in primary key order.</param>
    /// <returns>The packed key, as cr-sqlite stores it in <c>crsql_changes.pk</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="columns"/> is empty or holds more than 255 values.</exception>
    public static byte[] Pack(ReadOnlySpan<SqlValue> columns)
    {
        if (columns.Length is 0 or > 255)
        {
            throw new ArgumentException($"a packed key holds 1 to 255 columns, got {columns.Length}", nameof(columns));
        }

        var size = 1;
        foreach (var column in columns)
        {
            size += EncodedSize(column);
        }

        var buffer = new byte[size];
        buffer[0] = (byte)columns.Length;
        var offset = 1;
        foreach (var column in columns)
        {
            offset += Write(buffer.AsSpan(offset), column);
        }

        return buffer;
    }

    /// <summary>Reads the values back out of a packed primary key.</summary>
    /// <param name="packed">A key packed by cr-sqlite or <see cref="Pack"/>.</param>
    /// <returns>The key's values, in primary key order.</returns>
    /// <exception cref="FormatException"><paramref name="packed"/> is empty, truncated, has trailing bytes or an unknown type tag.</exception>
    public static SqlValue[] Unpack(ReadOnlySpan<byte> packed)
    {
        if (packed.IsEmpty)
        {
            throw new FormatException("packed primary key is empty");
        }

        var count = packed[0];
        var result = new SqlValue[count];
        var offset = 1;
        for (var i = 0; i < count; i++)
        {
            if (offset >= packed.Length)
            {
                throw new FormatException($"packed primary key ends before column {i + 1} of {count}");
            }

            var tag = packed[offset++];
            var type = tag & 0x07;
            var nbytes = tag >> 3;
            switch (type)
            {
                case 1:
                    if (nbytes > 8 || offset + nbytes > packed.Length)
                    {
                        throw new FormatException("packed integer is truncated or longer than 8 bytes");
                    }

                    result[i] = SqlValue.FromInteger(ReadBigEndian(packed.Slice(offset, nbytes)));
                    offset += nbytes;
                    break;
                case 2:
                    if (offset + 8 > packed.Length)
                    {
                        throw new FormatException("packed float is truncated");
                    }

                    result[i] = SqlValue.FromReal(BinaryPrimitives.ReadDoubleBigEndian(packed.Slice(offset, 8)));
                    offset += 8;
                    break;
                case 3:
                case 4:
                    if (nbytes > 4 || offset + nbytes > packed.Length)
                    {
                        throw new FormatException("packed length is truncated or longer than 4 bytes");
                    }

                    var length = ReadBigEndian(packed.Slice(offset, nbytes));
                    offset += nbytes;
                    if (length < 0 || offset + length > packed.Length)
                    {
                        throw new FormatException("packed text or blob is truncated");
                    }

                    var payload = packed.Slice(offset, (int)length);
                    result[i] = type == 3 ? SqlValue.FromText(Encoding.UTF8.GetString(payload)) : SqlValue.FromBlob(payload.ToArray());
                    offset += (int)length;
                    break;
                case 5:
                    result[i] = SqlValue.Null;
                    break;
                default:
                    throw new FormatException($"packed primary key has unknown type tag {type}");
            }
        }

        if (offset != packed.Length)
        {
            throw new FormatException($"packed primary key has {packed.Length - offset} trailing bytes");
        }

        return result;
    }

    private static int EncodedSize(SqlValue value) => value.Kind switch
    {
        SqlValueKind.Integer => IntegerSize(value.AsInteger),
        SqlValueKind.Real => RealSize,
        SqlValueKind.Text => LengthPrefixed(Encoding.UTF8.GetByteCount(value.AsText)),
        SqlValueKind.Blob => LengthPrefixed(value.AsBlob.Length),
        _ => NullSize,
    };

    private static int LengthPrefixed(int length) => 1 + IntegerBytes(length) + length;

    private static int Write(Span<byte> destination, SqlValue value)
    {
        switch (value.Kind)
        {
            case SqlValueKind.Integer:
                return WriteInteger(destination, value.AsInteger);
            case SqlValueKind.Real:
                return WriteReal(destination, value.AsReal);
            case SqlValueKind.Text:
            {
                var length = Encoding.UTF8.GetByteCount(value.AsText);
                var n = WriteLengthPrefix(destination, 3, length);
                Encoding.UTF8.GetBytes(value.AsText, destination[n..]);
                return n + length;
            }

            case SqlValueKind.Blob:
                return WriteBytes(destination, 4, value.AsBlob);
            default:
                return WriteNull(destination);
        }
    }

    internal static int IntegerSize(long value) => 1 + IntegerBytes(value);

    internal static int BytesSize(int length) => LengthPrefixed(length);

    internal const int RealSize = 9;

    internal const int NullSize = 1;

    internal static int WriteInteger(Span<byte> destination, long value)
    {
        var n = IntegerBytes(value);
        destination[0] = (byte)((n << 3) | 1);
        WriteBigEndian(destination.Slice(1, n), value);
        return 1 + n;
    }

    internal static int WriteReal(Span<byte> destination, double value)
    {
        destination[0] = 2;
        BinaryPrimitives.WriteDoubleBigEndian(destination[1..], value);
        return RealSize;
    }

    /// <summary>Text (type 3, UTF-8) or blob (type 4) bytes with their length prefix.</summary>
    internal static int WriteBytes(Span<byte> destination, int type, ReadOnlySpan<byte> bytes)
    {
        var n = WriteLengthPrefix(destination, type, bytes.Length);
        bytes.CopyTo(destination[n..]);
        return n + bytes.Length;
    }

    internal static int WriteNull(Span<byte> destination)
    {
        destination[0] = 5;
        return NullSize;
    }

    private static int WriteLengthPrefix(Span<byte> destination, int type, int length)
    {
        var n = IntegerBytes(length);
        destination[0] = (byte)((n << 3) | type);
        WriteBigEndian(destination.Slice(1, n), length);
        return 1 + n;
    }

    /// <summary>Minimal big-endian byte count of a two's-complement value; negatives take 8 bytes, 0 takes none.</summary>
    private static int IntegerBytes(long value)
    {
        if (value < 0)
        {
            return 8;
        }

        var n = 0;
        while (value != 0)
        {
            n++;
            value >>= 8;
        }

        return n;
    }

    private static void WriteBigEndian(Span<byte> destination, long value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)value;
            value >>= 8;
        }
    }

    // Zero-extends, as cr-sqlite's decoder does: one byte 0xFF reads as 255.
    private static long ReadBigEndian(ReadOnlySpan<byte> source)
    {
        long value = 0;
        foreach (var b in source)
        {
            value = (value << 8) | b;
        }

        return value;
    }
}
