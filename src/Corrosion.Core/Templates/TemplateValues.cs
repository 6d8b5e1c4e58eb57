using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Corrosion.Storage;

namespace Corrosion.Templates;

/// <summary>
/// The runtime values templates handle, besides the plain ones (<see cref="TemplateUnit"/>, long, double, bool,
/// string, <c>List&lt;object&gt;</c> arrays, <c>SortedDictionary&lt;string, object&gt;</c> maps, and
/// <see cref="SqlValue"/> cells), and how every value prints.
/// </summary>
internal static class TemplateValues
{
    // serde_json (the original's JSON writer) leaves non-ASCII and HTML characters alone; so do we.
    private static readonly JsonWriterOptions CompactJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private static readonly JsonWriterOptions PrettyJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true, Indented = true };

    internal sealed record RangeValue(long Start, long End, bool Inclusive)
    {
        public long Count => Math.Max(0, Inclusive ? End - Start + 1 : End - Start);
    }

    /// <summary>What <c>sql(...)</c> returns: iterable rows.</summary>
    internal sealed class QueryValue
    {
        public QueryValue(TemplateQueryResult result)
        {
            Result = result;
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < result.Columns.Count; i++)
            {
                index.TryAdd(result.Columns[i], i);
            }

            ColumnIndex = index;
        }

        public TemplateQueryResult Result { get; }

        public IReadOnlyDictionary<string, int> ColumnIndex { get; }

        public RowValue Row(int i) => new(this, Result.Rows[i]);
    }

    /// <summary>One result row: <c>row.col</c> or <c>row["col"]</c> gives a cell value; iterating gives <see cref="CellValue"/>s.</summary>
    internal sealed record RowValue(QueryValue Query, IReadOnlyList<SqlValue> Cells)
    {
        public bool TryGet(string column, out SqlValue value)
        {
            if (Query.ColumnIndex.TryGetValue(column, out var i) && i < Cells.Count)
            {
                value = Cells[i];
                return true;
            }

            value = default;
            return false;
        }
    }

    /// <summary>A cell met while iterating a row: <c>name()</c> and <c>value()</c>.</summary>
    internal sealed record CellValue(RowValue Row, int Index)
    {
        public string Name => Index < Row.Query.Result.Columns.Count ? Row.Query.Result.Columns[Index] : string.Empty;

        public SqlValue Value => Row.Cells[Index];
    }

    /// <summary><c>query.to_json(..)</c>: writes the rows as a JSON array when output.</summary>
    internal sealed record JsonOutput(QueryValue Query, bool Pretty, bool RowsAsArrays);

    /// <summary><c>query.to_csv()</c>: writes a header line and the rows as CSV when output.</summary>
    internal sealed record CsvOutput(QueryValue Query);

    /// <summary>A value's string form, as <c>&lt;%= %&gt;</c>, <c>write</c> and <c>to_string</c> produce it.</summary>
    public static string Display(object value) => value switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat(d),
        bool b => b ? "true" : "false",
        TemplateUnit => string.Empty,
        SqlValue v => DisplaySql(v),
        JsonOutput json => QueryJson(json),
        CsvOutput csv => QueryCsv(csv.Query),
        List<object> or SortedDictionary<string, object> or RangeValue => Debug(value),
        CellValue cell => DisplaySql(cell.Value),
        RowValue row => Debug(row),
        QueryValue => "<QueryResponse>",
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>A value's form inside arrays and maps: strings quoted.</summary>
    public static string Debug(object value) => value switch
    {
        string s => Quote(s),
        TemplateUnit => "()",
        List<object> list => "[" + string.Join(", ", list.Select(Debug)) + "]",
        SortedDictionary<string, object> map => "#{" + string.Join(", ", map.Select(kv => Quote(kv.Key) + ": " + Debug(kv.Value))) + "}",
        RangeValue r => $"{r.Start}..{(r.Inclusive ? "=" : string.Empty)}{r.End}",
        SqlValue { Kind: SqlValueKind.Text } v => Quote(v.AsText),
        RowValue row => "[" + string.Join(", ", row.Cells.Select(c => Debug(c))) + "]",
        _ => Display(value),
    };

    public static string TypeName(object value) => value switch
    {
        string => "string",
        long => "i64",
        double => "f64",
        bool => "bool",
        TemplateUnit => "()",
        List<object> => "array",
        SortedDictionary<string, object> => "map",
        RangeValue => "range",
        SqlValue => "SqliteValue",
        QueryValue => "QueryResponse",
        RowValue => "Row",
        CellValue => "Cell",
        JsonOutput => "SqlToJson",
        CsvOutput => "SqlToCsv",
        _ => value.GetType().Name,
    };

    /// <summary>A cell as a plain value for arithmetic and comparison: NULL is unit, blobs are their hex.</summary>
    public static object Plain(object value) => value switch
    {
        SqlValue v => v.Kind switch
        {
            SqlValueKind.Integer => v.AsInteger,
            SqlValueKind.Real => v.AsReal,
            SqlValueKind.Text => v.AsText,
            SqlValueKind.Blob => Convert.ToHexStringLower(v.AsBlob),
            _ => TemplateUnit.Value,
        },
        CellValue cell => Plain(cell.Value),
        _ => value,
    };

    /// <summary>A template value as a SQL parameter (the original's rules: unit is NULL, bool is 0/1, anything else unknown is its string form).</summary>
    public static SqlValue ToSql(object value) => value switch
    {
        TemplateUnit => SqlValue.Null,
        long l => SqlValue.FromInteger(l),
        double d => SqlValue.FromReal(d),
        bool b => SqlValue.FromInteger(b ? 1 : 0),
        string s => SqlValue.FromText(s),
        SqlValue v => v,
        CellValue c => c.Value,
        _ => SqlValue.FromText(Display(value)),
    };

    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d))
        {
            return "NaN";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        var s = Plain(d);
        // Rhai prints whole floats with a ".0" so they read as floats.
        return s.Contains('.', StringComparison.Ordinal) ? s : s + ".0";
    }

    /// <summary>
    /// The shortest round-trip digits of <paramref name="d"/> without an exponent, as Rust prints floats
    /// (<c>1e20</c> is <c>100000000000000000000</c>, <c>1e-7</c> is <c>0.0000001</c>).
    /// </summary>
    private static string Plain(double d)
    {
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var e = r.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return r;
        }

        var exponent = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = r[..e];
        var negative = mantissa.StartsWith('-');
        if (negative)
        {
            mantissa = mantissa[1..];
        }

        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var point = (dot < 0 ? mantissa.Length : dot) + exponent;
        string result;
        if (point <= 0)
        {
            result = "0." + new string('0', -point) + digits;
        }
        else if (point >= digits.Length)
        {
            result = digits + new string('0', point - digits.Length);
        }
        else
        {
            result = digits[..point] + "." + digits[point..];
        }

        return negative ? "-" + result : result;
    }

    /// <summary>A cell's string form (the original's Display): NULL is empty, blobs are lower-case hex.</summary>
    public static string DisplaySql(SqlValue v) => v.Kind switch
    {
        SqlValueKind.Integer => v.AsInteger.ToString(CultureInfo.InvariantCulture),
        SqlValueKind.Real => double.IsFinite(v.AsReal) ? Plain(v.AsReal) : FormatFloat(v.AsReal),
        SqlValueKind.Text => v.AsText,
        SqlValueKind.Blob => Convert.ToHexStringLower(v.AsBlob),
        _ => string.Empty,
    };

    /// <summary><c>to_json()</c> of a single value.</summary>
    public static string ToJson(object value, bool pretty)
    {
        if (value is JsonOutput json)
        {
            return QueryJson(json);
        }

        if (value is QueryValue query)
        {
            return QueryJson(new JsonOutput(query, pretty, RowsAsArrays: false));
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, pretty ? PrettyJson : CompactJson))
        {
            WriteJson(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteJson(Utf8JsonWriter writer, object value)
    {
        switch (value)
        {
            case TemplateUnit:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case double:
                writer.WriteNullValue();
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case SqlValue v:
                WriteSql(writer, v);
                break;
            case CellValue c:
                WriteSql(writer, c.Value);
                break;
            case List<object> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    WriteJson(writer, item);
                }

                writer.WriteEndArray();
                break;
            case SortedDictionary<string, object> map:
                writer.WriteStartObject();
                foreach (var (k, v) in map)
                {
                    writer.WritePropertyName(k);
                    WriteJson(writer, v);
                }

                writer.WriteEndObject();
                break;
            case RowValue row:
                WriteRow(writer, row.Query, row.Cells, asArray: false);
                break;
            default:
                writer.WriteStringValue(Display(value));
                break;
        }
    }

    private static void WriteSql(Utf8JsonWriter writer, SqlValue v)
    {
        switch (v.Kind)
        {
            case SqlValueKind.Integer:
                writer.WriteNumberValue(v.AsInteger);
                break;
            case SqlValueKind.Real when double.IsFinite(v.AsReal):
                writer.WriteNumberValue(v.AsReal);
                break;
            case SqlValueKind.Text:
                writer.WriteStringValue(v.AsText);
                break;
            case SqlValueKind.Blob:
                // The original writes bare hex (not JSON); a hex string keeps the document valid.
                writer.WriteStringValue(Convert.ToHexStringLower(v.AsBlob));
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static void WriteRow(Utf8JsonWriter writer, QueryValue query, IReadOnlyList<SqlValue> cells, bool asArray)
    {
        if (asArray)
        {
            writer.WriteStartArray();
            foreach (var cell in cells)
            {
                WriteSql(writer, cell);
            }

            writer.WriteEndArray();
            return;
        }

        writer.WriteStartObject();
        var columns = query.Result.Columns;
        for (var i = 0; i < columns.Count && i < cells.Count; i++)
        {
            writer.WritePropertyName(columns[i]);
            WriteSql(writer, cells[i]);
        }

        writer.WriteEndObject();
    }

    private static string QueryJson(JsonOutput json)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, json.Pretty ? PrettyJson : CompactJson))
        {
            writer.WriteStartArray();
            foreach (var row in json.Query.Result.Rows)
            {
                WriteRow(writer, json.Query, row, json.RowsAsArrays);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string QueryCsv(QueryValue query)
    {
        var sb = new StringBuilder();
        AppendCsvLine(sb, query.Result.Columns);
        foreach (var row in query.Result.Rows)
        {
            AppendCsvLine(sb, row.Select(DisplaySql));
        }

        return sb.ToString();
    }

    private static void AppendCsvLine(StringBuilder sb, IEnumerable<string> fields)
    {
        var first = true;
        foreach (var field in fields)
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                sb.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                sb.Append(field);
            }
        }

        sb.Append('\n');
    }

    private static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        }

        return sb.Append('"').ToString();
    }
}
