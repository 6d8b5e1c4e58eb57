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
/// exponent (<c>2.0</c>, <c>1E+20</c>), so it reads back as REAL, and a non-finite REAL (SQLite can hold infinities) is
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

        // "R" is the shortest text that parses back to the same double. Integral values print without a fraction
        // ("2"), which would read back as INTEGER; add ".0" so the storage class survives the trip.
        Span<byte> buffer = stackalloc byte[40];
        if (!real.TryFormat(buffer, out var written, "R", CultureInfo.InvariantCulture))
        {
            writer.WriteNumberValue(real);
            return;
        }

        var text = buffer[..written];
        if (text.IndexOfAny(".eE"u8) < 0)
        {
            ".0"u8.CopyTo(buffer[written..]);
            text = buffer[..(written + 2)];
        }

        writer.WriteRawValue(text, skipInputValidation: true);
    }

    /// <summary>True when the number's text has no fraction and no exponent (so <c>2.0</c> and <c>1e3</c> stay REAL).</summary>
    private static bool IsPlainInteger(JsonElement element)
    {
        return JsonMarshal.GetRawUtf8Value(element).IndexOfAny(".eE"u8) < 0;
    }

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
