using System.Globalization;
using System.Text.Json;

namespace Corrosion.Host.Cli;

/// <summary>Prints JSON cell values the way the <c>sqlite3</c> shell prints column values in list mode.</summary>
internal static class SqliteText
{
    /// <summary>
    /// A real as sqlite3's <c>%!.15g</c>: 15 significant digits, always with a decimal point (<c>1.0</c>,
    /// <c>1.0e+20</c>, <c>0.333333333333333</c>).
    /// </summary>
    public static string FormatReal(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsPositiveInfinity(value))
        {
            return "Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        if (value == 0)
        {
            return "0.0";
        }

        var text = value.ToString("G15", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        var mantissa = e < 0 ? text : text[..e];
        var exponent = e < 0 ? string.Empty : "e" + text[(e + 1)..];
        if (!mantissa.Contains('.', StringComparison.Ordinal))
        {
            mantissa += ".0";
        }

        return mantissa + exponent;
    }

    /// <summary>
    /// Writes one cell: NULL as nothing, integers plainly, reals as <see cref="FormatReal"/>, text as is, blobs (a
    /// JSON array of byte values) as their raw bytes, booleans as 1/0, anything else as its JSON.
    /// </summary>
    public static void WriteCell(CliConsole console, JsonElement cell)
    {
        switch (cell.ValueKind)
        {
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                break;
            case JsonValueKind.String:
                console.Write(cell.GetString()!);
                break;
            case JsonValueKind.Number:
                console.Write(FormatNumber(cell));
                break;
            case JsonValueKind.True:
                console.Write("1");
                break;
            case JsonValueKind.False:
                console.Write("0");
                break;
            case JsonValueKind.Array when TryGetBytes(cell, out var bytes):
                console.WriteBytes(bytes);
                break;
            default:
                console.Write(cell.GetRawText());
                break;
        }
    }

    /// <summary>Seconds for <c>--timer</c>, always in plain decimal notation (<c>0.000061839</c>, never <c>6.1839E-05</c>).</summary>
    public static string FormatSeconds(double seconds)
    {
        if (!double.IsFinite(seconds))
        {
            return seconds.ToString(CultureInfo.InvariantCulture);
        }

        var text = seconds.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('E', StringComparison.Ordinal) && Math.Abs(seconds) < 7.9e28
            ? ((decimal)seconds).ToString(CultureInfo.InvariantCulture)
            : text;
    }

    /// <summary>Integers (no fraction or exponent in the JSON) plainly; everything else as a real.</summary>
    public static string FormatNumber(JsonElement number)
    {
        var raw = number.GetRawText();
        if (raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && number.TryGetInt64(out var integer))
        {
            return integer.ToString(CultureInfo.InvariantCulture);
        }

        return FormatReal(number.GetDouble());
    }

    private static bool TryGetBytes(JsonElement array, out byte[] bytes)
    {
        bytes = new byte[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetByte(out var b))
            {
                return false;
            }

            bytes[i++] = b;
        }

        return true;
    }
}
