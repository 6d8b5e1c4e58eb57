using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Corrosion.Storage;

namespace Corrosion.Http.PgWire;

/// <summary>A result column as the client sees it: its name and PostgreSQL type OID.</summary>
internal sealed record PgColumn(string Name, uint TypeOid);

/// <summary>
/// The mapping between SQLite values and PostgreSQL types: which type OID a column gets, how a value is written in
/// text or binary format, and how a parameter in either format becomes a <see cref="SqlValue"/>. docs/pg-wire.md
/// documents the same table; keep them in step.
/// </summary>
internal static class PgTypes
{
    public const uint Bool = 16;
    public const uint Bytea = 17;
    public const uint Char = 18;
    public const uint Name = 19;
    public const uint Int8 = 20;
    public const uint Int2 = 21;
    public const uint Int4 = 23;
    public const uint Text = 25;
    public const uint Oid = 26;
    public const uint Json = 114;
    public const uint Float4 = 700;
    public const uint Float8 = 701;
    public const uint Unknown = 705;
    public const uint BpChar = 1042;
    public const uint Varchar = 1043;
    public const uint Numeric = 1700;

    /// <summary>
    /// The type a declared column type maps to, by SQLite's affinity rules: INT → int8, CHAR/CLOB/TEXT → text,
    /// BLOB → bytea, REAL/FLOA/DOUB → float8, BOOL → bool. Null for no declared type or NUMERIC affinity (whose
    /// values may be integers, reals or text): the caller then looks at a value.
    /// </summary>
    public static uint? FromDeclaredType(string? declared)
    {
        if (string.IsNullOrWhiteSpace(declared))
        {
            return null;
        }

        var upper = declared.ToUpperInvariant();
        if (upper.Contains("BOOL", StringComparison.Ordinal))
        {
            return Bool;
        }

        if (upper.Contains("INT", StringComparison.Ordinal))
        {
            return Int8;
        }

        if (upper.Contains("CHAR", StringComparison.Ordinal) || upper.Contains("CLOB", StringComparison.Ordinal) || upper.Contains("TEXT", StringComparison.Ordinal))
        {
            return Text;
        }

        if (upper.Contains("BLOB", StringComparison.Ordinal))
        {
            return Bytea;
        }

        if (upper.Contains("REAL", StringComparison.Ordinal) || upper.Contains("FLOA", StringComparison.Ordinal) || upper.Contains("DOUB", StringComparison.Ordinal))
        {
            return Float8;
        }

        return null;
    }

    /// <summary>The type of a value's storage class: INTEGER → int8, REAL → float8, TEXT → text, BLOB → bytea, NULL → text.</summary>
    public static uint FromValue(SqlValue value) => value.Kind switch
    {
        SqlValueKind.Integer => Int8,
        SqlValueKind.Real => Float8,
        SqlValueKind.Blob => Bytea,
        _ => Text,
    };

    /// <summary>The fixed size of a type (RowDescription's typlen), or -1 for variable length.</summary>
    public static short TypeSize(uint oid) => oid switch
    {
        Bool or Char => 1,
        Int2 => 2,
        Int4 or Oid or Float4 => 4,
        Int8 or Float8 => 8,
        Name => 64,
        _ => -1,
    };

    /// <summary>Writes one non-NULL cell for <paramref name="column"/>; returns the bytes written.</summary>
    public static int Encode(SqlValue value, PgColumn column, bool binary, IBufferWriter<byte> output)
    {
        var oid = column.TypeOid;
        return binary ? EncodeBinary(value, column, oid, output) : EncodeText(value, column, oid, output);
    }

    private static int EncodeText(SqlValue value, PgColumn column, uint oid, IBufferWriter<byte> output)
    {
        string text;
        switch (oid)
        {
            case Bool:
                text = ToBool(value, column) ? "t" : "f";
                break;
            case Int8 or Int4 or Int2 or Oid:
                text = ToInteger(value, column).ToString(CultureInfo.InvariantCulture);
                break;
            case Float8 or Float4:
                text = FormatReal(ToReal(value, column));
                break;
            case Bytea:
                text = "\\x" + Convert.ToHexStringLower(ToBytes(value));
                break;
            default:
                text = value.Kind switch
                {
                    SqlValueKind.Integer => value.AsInteger.ToString(CultureInfo.InvariantCulture),
                    SqlValueKind.Real => FormatReal(value.AsReal),
                    SqlValueKind.Blob => "\\x" + Convert.ToHexStringLower(value.AsBlob),
                    _ => value.AsText,
                };
                break;
        }

        var count = Encoding.UTF8.GetByteCount(text);
        Encoding.UTF8.GetBytes(text, output.GetSpan(count));
        output.Advance(count);
        return count;
    }

    private static int EncodeBinary(SqlValue value, PgColumn column, uint oid, IBufferWriter<byte> output)
    {
        switch (oid)
        {
            case Bool:
                output.GetSpan(1)[0] = ToBool(value, column) ? (byte)1 : (byte)0;
                output.Advance(1);
                return 1;
            case Int8:
                BinaryPrimitives.WriteInt64BigEndian(output.GetSpan(8), ToInteger(value, column));
                output.Advance(8);
                return 8;
            case Int4 or Oid:
                BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), checked((int)ToInteger(value, column)));
                output.Advance(4);
                return 4;
            case Int2:
                BinaryPrimitives.WriteInt16BigEndian(output.GetSpan(2), checked((short)ToInteger(value, column)));
                output.Advance(2);
                return 2;
            case Float8:
                BinaryPrimitives.WriteDoubleBigEndian(output.GetSpan(8), ToReal(value, column));
                output.Advance(8);
                return 8;
            case Float4:
                BinaryPrimitives.WriteSingleBigEndian(output.GetSpan(4), (float)ToReal(value, column));
                output.Advance(4);
                return 4;
            case Bytea:
            {
                var bytes = ToBytes(value);
                bytes.CopyTo(output.GetSpan(bytes.Length));
                output.Advance(bytes.Length);
                return bytes.Length;
            }

            default:
                // text, varchar, name, json and anything else sent as its text: binary is the UTF-8 bytes.
                return EncodeText(value, column, Text, output);
        }
    }

    private static bool ToBool(SqlValue value, PgColumn column) => value.Kind switch
    {
        SqlValueKind.Integer => value.AsInteger != 0,
        SqlValueKind.Real => value.AsReal != 0,
        SqlValueKind.Text when value.AsText is "t" or "true" or "1" or "TRUE" or "T" => true,
        SqlValueKind.Text when value.AsText is "f" or "false" or "0" or "FALSE" or "F" => false,
        _ => throw Mismatch(value, column, "bool"),
    };

    private static long ToInteger(SqlValue value, PgColumn column) => value.Kind switch
    {
        SqlValueKind.Integer => value.AsInteger,
        SqlValueKind.Real when Math.Floor(value.AsReal) == value.AsReal && Math.Abs(value.AsReal) < 9.2e18 => (long)value.AsReal,
        SqlValueKind.Text when long.TryParse(value.AsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw Mismatch(value, column, "int8"),
    };

    private static double ToReal(SqlValue value, PgColumn column) => value.Kind switch
    {
        SqlValueKind.Real => value.AsReal,
        SqlValueKind.Integer => value.AsInteger,
        SqlValueKind.Text when double.TryParse(value.AsText, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw Mismatch(value, column, "float8"),
    };

    private static byte[] ToBytes(SqlValue value) => value.Kind switch
    {
        SqlValueKind.Blob => value.AsBlob,
        SqlValueKind.Text => Encoding.UTF8.GetBytes(value.AsText),
        SqlValueKind.Integer => Encoding.UTF8.GetBytes(value.AsInteger.ToString(CultureInfo.InvariantCulture)),
        _ => Encoding.UTF8.GetBytes(FormatReal(value.AsReal)),
    };

    private static PgException Mismatch(SqlValue value, PgColumn column, string type) =>
        new(PgSqlState.DatatypeMismatch, $"column \"{column.Name}\" was described as {type} but a row holds a {value.Kind.ToString().ToUpperInvariant()} value it cannot be sent as");

    /// <summary>PostgreSQL's float8 output: shortest round-trip digits, <c>Infinity</c>, <c>-Infinity</c>, <c>NaN</c>.</summary>
    public static string FormatReal(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads one Bind parameter. Binary format is understood for bool, int2/4/8, oid, float4/8, text-like types and
    /// bytea; text format for any type (numbers parse to INTEGER/REAL, bool to 1/0, bytea from <c>\x</c> hex, the
    /// rest is TEXT). An untyped (OID 0) binary parameter is taken as a BLOB.
    /// </summary>
    public static SqlValue DecodeParameter(byte[]? data, bool binary, uint oid, int index)
    {
        if (data is null)
        {
            return SqlValue.Null;
        }

        return binary ? DecodeBinary(data, oid, index) : DecodeText(Encoding.UTF8.GetString(data), oid, index);
    }

    private static SqlValue DecodeBinary(byte[] data, uint oid, int index)
    {
        switch (oid)
        {
            case Bool when data.Length == 1:
                return SqlValue.FromInteger(data[0] != 0 ? 1 : 0);
            case Int2 when data.Length == 2:
                return SqlValue.FromInteger(BinaryPrimitives.ReadInt16BigEndian(data));
            case Int4 when data.Length == 4:
                return SqlValue.FromInteger(BinaryPrimitives.ReadInt32BigEndian(data));
            case Oid when data.Length == 4:
                return SqlValue.FromInteger(BinaryPrimitives.ReadUInt32BigEndian(data));
            case Int8 when data.Length == 8:
                return SqlValue.FromInteger(BinaryPrimitives.ReadInt64BigEndian(data));
            case Float4 when data.Length == 4:
                return SqlValue.FromReal(BinaryPrimitives.ReadSingleBigEndian(data));
            case Float8 when data.Length == 8:
                return SqlValue.FromReal(BinaryPrimitives.ReadDoubleBigEndian(data));
            case Text or Varchar or BpChar or Name or Unknown or Json or Char:
                return SqlValue.FromText(Encoding.UTF8.GetString(data));
            case Bytea or 0:
                return SqlValue.FromBlob(data);
            case Bool or Int2 or Int4 or Oid or Int8 or Float4 or Float8:
                throw new PgException(PgSqlState.InvalidBinaryRepresentation, $"parameter ${index + 1}: {data.Length} byte(s) is not a valid binary value of type OID {oid}");
            default:
                throw new PgException(PgSqlState.FeatureNotSupported, $"parameter ${index + 1}: binary format for type OID {oid} is not supported; send it as text or as int2/4/8, float4/8, bool, text or bytea");
        }
    }

    private static SqlValue DecodeText(string text, uint oid, int index)
    {
        switch (oid)
        {
            case Int2 or Int4 or Int8 or Oid:
                return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer)
                    ? SqlValue.FromInteger(integer)
                    : throw new PgException(PgSqlState.InvalidTextRepresentation, $"parameter ${index + 1}: invalid input syntax for type integer: \"{text}\"");
            case Float4 or Float8 or Numeric:
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole) && oid == Numeric)
                {
                    return SqlValue.FromInteger(whole);
                }

                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
                    ? SqlValue.FromReal(real)
                    : throw new PgException(PgSqlState.InvalidTextRepresentation, $"parameter ${index + 1}: invalid input syntax for type double precision: \"{text}\"");
            case Bool:
                return text.ToLowerInvariant() switch
                {
                    "t" or "true" or "1" or "yes" or "on" or "y" => SqlValue.FromInteger(1),
                    "f" or "false" or "0" or "no" or "off" or "n" => SqlValue.FromInteger(0),
                    _ => throw new PgException(PgSqlState.InvalidTextRepresentation, $"parameter ${index + 1}: invalid input syntax for type boolean: \"{text}\""),
                };
            case Bytea when text.StartsWith("\\x", StringComparison.Ordinal):
                try
                {
                    return SqlValue.FromBlob(Convert.FromHexString(text.AsSpan(2)));
                }
                catch (FormatException)
                {
                    throw new PgException(PgSqlState.InvalidTextRepresentation, $"parameter ${index + 1}: invalid hexadecimal bytea");
                }

            case Bytea:
                return SqlValue.FromBlob(Encoding.UTF8.GetBytes(text));
            default:
                return SqlValue.FromText(text);
        }
    }
}
