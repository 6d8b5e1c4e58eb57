using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Corrosion.Storage;

namespace Corrosion.Http;

/// <summary>
/// The one place where JSON values and SQLite values are converted, for statement parameters (JSON to
/// <see cref="SqlValue"/>) and for query cells (<see cref="SqlValue"/> to JSON). docs/http-api.md documents the same
/// table; keep them in step.
/// </summary>
/// <remarks>
/// <para>Parameters (JSON to SQLite), as Corrosion's own untagged parameter type reads them:</para>
/// <list type="table">
///   <item><term><c>null</c></term><description>NULL</description></item>
///   <item><term><c>true</c> / <c>false</c></term><description>INTEGER 1 / 0</description></item>
///   <item><term>a number without fraction or exponent that fits in Int64</term><description>INTEGER</description></item>
///   <item><term>any other number (<c>1.5</c>, <c>2.0</c>, <c>1e3</c>, integers beyond Int64)</term><description>REAL</description></item>
///   <item><term>a string</term><description>TEXT</description></item>
///   <item><term>an array whose elements are all integers 0..255 (including <c>[]</c>)</term><description>BLOB of those bytes</description></item>
///   <item><term>any other array, or an object</term><description>TEXT holding the value's compact JSON (for SQLite's JSON functions)</description></item>
/// </list>
/// <para>Cells (SQLite to JSON): INTEGER is a JSON integer; REAL is a JSON number that always carries a fraction or an
/// exponent, laid out as serde_json writes floats (<c>2.0</c>, <c>1e20</c>, <c>5e-8</c>), so it reads back as REAL, and a non-finite REAL (SQLite can hold infinities) is
/// <c>null</c>; TEXT is a string; NULL is <c>null</c>; BLOB is an array of its bytes as numbers 0..255 (what serde
/// writes for Corrosion's <c>Vec&lt;u8&gt;</c>). Every finite value round-trips: a cell sent back as a parameter
/// binds the same storage class and value.</para>
/// </remarks>
internal static class JsonValueMapping
{
    /// <summary>
    /// Writer options for every JSON the API sends: compact, and non-ASCII text as UTF-8 rather than <c>\uXXXX</c>
    /// escapes (responses are <c>application/json</c> or NDJSON, never embedded in HTML).
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    /// <summary>Reads one parameter. Never throws for well-formed JSON: every JSON value maps to something.</summary>
    public static SqlValue ToSqlValue(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                return SqlValue.Null;
            case JsonValueKind.True:
                return SqlValue.FromInteger(1);
            case JsonValueKind.False:
                return SqlValue.FromInteger(0);
            case JsonValueKind.Number:
                return IsPlainInteger(element) && element.TryGetInt64(out var integer)
                    ? SqlValue.FromInteger(integer)
                    : SqlValue.FromReal(element.GetDouble());
            case JsonValueKind.String:
                return SqlValue.FromText(element.GetString()!);
            case JsonValueKind.Array when TryReadBytes(element, out var bytes):
                return SqlValue.FromBlob(bytes);
            default:
                return SqlValue.FromText(ToCompactJson(element));
        }
    }

    /// <summary>Writes one cell as a JSON value.</summary>
    public static void WriteSqlValue(Utf8JsonWriter writer, SqlValue value)
    {
        switch (value.Kind)
        {
            case SqlValueKind.Integer:
                writer.WriteNumberValue(value.AsInteger);
                break;
            case SqlValueKind.Real:
                WriteReal(writer, value.AsReal);
                break;
            case SqlValueKind.Text:
                writer.WriteStringValue(value.AsText);
                break;
            case SqlValueKind.Blob:
                writer.WriteStartArray();
                foreach (var b in value.AsBlob)
                {
                    writer.WriteNumberValue(b);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static void WriteReal(Utf8JsonWriter writer, double real)
    {
        if (!double.IsFinite(real))
        {
            writer.WriteNullValue();
            return;
        }

        WriteFloat(writer, real);
    }

    /// <summary>
    /// Writes a finite double the way the original's serde_json (ryu) does, so responses read like the spec's:
    /// the shortest digits that round-trip, in plain notation while the decimal point stays within 16 digits and
    /// no more than 4 zeros follow it (<c>2.0</c>, <c>0.000027208</c>, <c>0.00001</c>, <c>1000000000000000.0</c>), else in
    /// scientific notation with a lower-case <c>e</c> and no padding (<c>5e-8</c>, <c>1e20</c>, <c>1.5e-7</c>).
    /// A fraction or exponent is always there, so the number reads back as REAL.
    /// </summary>
    internal static void WriteFloat(Utf8JsonWriter writer, double value)
    {
        Span<byte> buffer = stackalloc byte[48];
        writer.WriteRawValue(buffer[..FormatFloat(value, buffer)], skipInputValidation: true);
    }

    /// <summary>Formats as <see cref="WriteFloat"/> into <paramref name="destination"/> (48 bytes is enough) and returns the length.</summary>
    internal static int FormatFloat(double value, Span<byte> destination)
    {
        // "R" gives the shortest round-trip digits, as ryu does; only the layout differs ("7.37E-05" vs "0.0000737").
        Span<byte> shortest = stackalloc byte[32];
        _ = Math.Abs(value).TryFormat(shortest, out var written, "R", CultureInfo.InvariantCulture);
        shortest = shortest[..written];

        var exponentAt = shortest.IndexOf((byte)'E');
        var mantissa = exponentAt < 0 ? shortest : shortest[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(shortest[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var pointAt = mantissa.IndexOf((byte)'.');
        Span<byte> digits = stackalloc byte[32];
        var length = 0;
        foreach (var c in mantissa)
        {
            if (c != (byte)'.')
            {
                digits[length++] = c;
            }
        }

        // The value is 0.<digits> x 10^point.
        var point = (pointAt < 0 ? mantissa.Length : pointAt) + exponent;
        var leading = 0;
        while (leading < length - 1 && digits[leading] == (byte)'0')
        {
            leading++;
            point--;
        }

        digits = digits[leading..length];
        length = digits.Length;
        while (length > 1 && digits[length - 1] == (byte)'0')
        {
            length--;
        }

        digits = digits[..length];
        var at = 0;
        if (double.IsNegative(value))
        {
            destination[at++] = (byte)'-';
        }

        if (digits is [(byte)'0'])
        {
            "0.0"u8.CopyTo(destination[at..]);
            return at + 3;
        }

        if (length <= point && point <= 16)
        {
            // 1234e2 -> 123400.0
            digits.CopyTo(destination[at..]);
            at += length;
            destination.Slice(at, point - length).Fill((byte)'0');
            at += point - length;
            ".0"u8.CopyTo(destination[at..]);
            return at + 2;
        }

        if (0 < point && point <= 16)
        {
            // 1234e-2 -> 12.34
            digits[..point].CopyTo(destination[at..]);
            at += point;
            destination[at++] = (byte)'.';
            digits[point..].CopyTo(destination[at..]);
            return at + length - point;
        }

        if (-5 < point && point <= 0)
        {
            // 1234e-6 -> 0.001234
            "0."u8.CopyTo(destination[at..]);
            at += 2;
            destination.Slice(at, -point).Fill((byte)'0');
            at -= point;
            digits.CopyTo(destination[at..]);
            return at + length;
        }

        destination[at++] = digits[0];
        if (length > 1)
        {
            destination[at++] = (byte)'.';
            digits[1..].CopyTo(destination[at..]);
            at += length - 1;
        }

        destination[at++] = (byte)'e';
        _ = (point - 1).TryFormat(destination[at..], out var exponentLength, provider: CultureInfo.InvariantCulture);
        return at + exponentLength;
    }

    /// <summary>True when the number's text has no fraction and no exponent (so <c>2.0</c> and <c>1e3</c> stay REAL).</summary>
    private static bool IsPlainInteger(JsonElement element) => IsPlainInteger(JsonMarshal.GetRawUtf8Value(element));

    /// <summary>The same for a number's raw text: the one rule for which JSON numbers are INTEGER parameters.</summary>
    internal static bool IsPlainInteger(ReadOnlySpan<byte> number) => number.IndexOfAny(".eE"u8) < 0;

    private static bool TryReadBytes(JsonElement array, out byte[] bytes)
    {
        var length = array.GetArrayLength();
        bytes = length == 0 ? [] : new byte[length];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !IsPlainInteger(item) || !item.TryGetByte(out var b))
            {
                bytes = [];
                return false;
            }

            bytes[i++] = b;
        }

        return true;
    }

    private static string ToCompactJson(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            element.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
