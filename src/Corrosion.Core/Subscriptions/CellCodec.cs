using System.Buffers.Binary;
using System.Text;
using Corrosion.Storage;

namespace Corrosion.Subscriptions;

/// <summary>
/// Encodes a row of cells for the subscription store: a 4-byte count, then per cell a kind byte and its payload
/// (8 bytes for numbers, a 4-byte length and the bytes for text and blobs). Exact for every storage class.
/// </summary>
internal static class CellCodec
{
    public static byte[] Encode(IReadOnlyList<SqlValue> cells)
    {
        var size = 4;
        foreach (var cell in cells)
        {
            size += 1 + cell.Kind switch
            {
                SqlValueKind.Integer or SqlValueKind.Real => 8,
                SqlValueKind.Text => 4 + Encoding.UTF8.GetByteCount(cell.AsText),
                SqlValueKind.Blob => 4 + cell.AsBlob.Length,
                _ => 0,
            };
        }

        var buffer = new byte[size];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, cells.Count);
        var offset = 4;
        foreach (var cell in cells)
        {
            span[offset++] = (byte)cell.Kind;
            switch (cell.Kind)
            {
                case SqlValueKind.Integer:
                    BinaryPrimitives.WriteInt64LittleEndian(span[offset..], cell.AsInteger);
                    offset += 8;
                    break;
                case SqlValueKind.Real:
                    BinaryPrimitives.WriteDoubleLittleEndian(span[offset..], cell.AsReal);
                    offset += 8;
                    break;
                case SqlValueKind.Text:
                    var written = Encoding.UTF8.GetBytes(cell.AsText, span[(offset + 4)..]);
                    BinaryPrimitives.WriteInt32LittleEndian(span[offset..], written);
                    offset += 4 + written;
                    break;
                case SqlValueKind.Blob:
                    BinaryPrimitives.WriteInt32LittleEndian(span[offset..], cell.AsBlob.Length);
                    cell.AsBlob.CopyTo(span[(offset + 4)..]);
                    offset += 4 + cell.AsBlob.Length;
                    break;
            }
        }

        return buffer;
    }

    public static SqlValue[] Decode(ReadOnlySpan<byte> data)
    {
        var count = BinaryPrimitives.ReadInt32LittleEndian(data);
        var cells = new SqlValue[count];
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            var kind = (SqlValueKind)data[offset++];
            switch (kind)
            {
                case SqlValueKind.Integer:
                    cells[i] = SqlValue.FromInteger(BinaryPrimitives.ReadInt64LittleEndian(data[offset..]));
                    offset += 8;
                    break;
                case SqlValueKind.Real:
                    cells[i] = SqlValue.FromReal(BinaryPrimitives.ReadDoubleLittleEndian(data[offset..]));
                    offset += 8;
                    break;
                case SqlValueKind.Text:
                {
                    var length = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
                    cells[i] = SqlValue.FromText(Encoding.UTF8.GetString(data.Slice(offset + 4, length)));
                    offset += 4 + length;
                    break;
                }

                case SqlValueKind.Blob:
                {
                    var length = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
                    cells[i] = SqlValue.FromBlob(data.Slice(offset + 4, length).ToArray());
                    offset += 4 + length;
                    break;
                }

                default:
                    cells[i] = SqlValue.Null;
                    break;
            }
        }

        return cells;
    }
}
