using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Corrosion.Storage;
using static Corrosion.Templates.TemplateValues;

namespace Corrosion.Templates;

/// <summary>
/// The helper functions, callable as <c>f(x, y)</c> or as methods <c>x.f(y)</c> (Rhai passes the receiver as the
/// first argument). <c>sql</c> and <c>write</c> live in the interpreter because they touch the source and the output.
/// </summary>
internal static class TemplateFunctions
{
    /// <summary>
    /// Calls <paramref name="name"/>. Returns false with a null <paramref name="failure"/> when no helper of that name
    /// takes these arguments, or with a message when the helper exists but the call failed.
    /// </summary>
    public static bool TryCall(string name, List<object> args, TemplateRenderOptions options, [NotNullWhen(true)] out object? result, out string? failure)
    {
        failure = null;
        try
        {
            result = Call(name, args, options);
            return result is not null;
        }
        catch (HelperException ex)
        {
            result = null;
            failure = ex.Message;
            return false;
        }
    }

    private static object? Call(string name, List<object> args, TemplateRenderOptions options)
    {
        var plain = args.Select(Plain).ToArray();
        return (name, args.Count) switch
        {
            ("hostname", 0) => options.HostName,
            ("to_string", 1) => Display(args[0]),
            ("to_json", 1) => args[0] is QueryValue q ? new JsonOutput(q, false, false) : ToJson(args[0], pretty: false),
            ("to_json", 2) when args[0] is QueryValue q && args[1] is SortedDictionary<string, object> o =>
                new JsonOutput(q, Flag(o, "pretty"), Flag(o, "row_values_as_array")),
            ("to_json", 2) when args[1] is SortedDictionary<string, object> o => ToJson(args[0], Flag(o, "pretty")),
            ("to_csv", 1) when args[0] is QueryValue q => new CsvOutput(q),
            ("is_null", 1) => args[0] switch
            {
                SqlValue v => v.IsNull,
                CellValue c => c.Value.IsNull,
                TemplateUnit => true,
                _ => false,
            },
            ("name", 1) when args[0] is CellValue c => c.Name,
            ("value", 1) when args[0] is CellValue c => c.Value,
            ("columns", 1) when args[0] is QueryValue q => q.Result.Columns.Select(c => (object)c).ToList(),
            ("len", 1) => Length(args[0]),
            ("is_empty", 1) => Length(args[0]) is long n ? n == 0 : null,
            ("type_of", 1) => TypeName(args[0]),
            ("contains", 2) => (plain[0], args[0]) switch
            {
                (string s, _) => s.Contains(Display(plain[1]), StringComparison.Ordinal),
                (List<object> list, _) => list.Any(item => TemplateInterpreter.ValuesEqual(Plain(item), plain[1])),
                (SortedDictionary<string, object> map, _) => map.ContainsKey(Display(plain[1])),
                (_, RowValue row) => row.Query.ColumnIndex.ContainsKey(Display(plain[1])),
                _ => null,
            },
            ("to_upper", 1) when plain[0] is string s => s.ToUpperInvariant(),
            ("to_lower", 1) when plain[0] is string s => s.ToLowerInvariant(),
            ("trim", 1) when plain[0] is string s => s.Trim(),
            ("starts_with", 2) when plain[0] is string s => s.StartsWith(Display(plain[1]), StringComparison.Ordinal),
            ("ends_with", 2) when plain[0] is string s => s.EndsWith(Display(plain[1]), StringComparison.Ordinal),
            ("index_of", 2) when plain[0] is string s => (long)s.IndexOf(Display(plain[1]), StringComparison.Ordinal),
            ("replace", 3) when plain[0] is string s => s.Replace(Display(plain[1]), Display(plain[2]), StringComparison.Ordinal),
            ("split", 2) when plain[0] is string s => s.Split(Display(plain[1])).Select(p => (object)p).ToList(),
            ("sub_string", 2 or 3) when plain[0] is string s && plain[1] is long start => SubString(s, start, args.Count == 3 ? plain[2] : null),
            ("join", 2) when args[0] is List<object> list => string.Join(Display(plain[1]), list.Select(Display)),
            ("push", 2) when args[0] is List<object> list => Push(list, args[1]),
            ("keys", 1) when args[0] is SortedDictionary<string, object> map => map.Keys.Select(k => (object)k).ToList(),
            ("values", 1) when args[0] is SortedDictionary<string, object> map => map.Values.ToList(),
            ("range", 2) when plain[0] is long from && plain[1] is long to => new RangeValue(from, to, Inclusive: false),
            ("to_int", 1) => plain[0] switch
            {
                long l => (object)l,
                double d when double.IsFinite(d) && Math.Abs(d) < 9.2e18 => (long)d,
                bool b => b ? 1L : 0L,
                _ => null,
            },
            ("to_float", 1) => plain[0] switch
            {
                long l => (object)(double)l,
                double d => d,
                _ => null,
            },
            ("parse_int", 1) when plain[0] is string s => long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                ? l : throw new HelperException($"parse_int: '{s}' is not an integer"),
            ("parse_float", 1) when plain[0] is string s => double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? d : throw new HelperException($"parse_float: '{s}' is not a number"),
            ("abs", 1) => plain[0] switch
            {
                long l => l == long.MinValue ? throw new HelperException("integer overflow") : (object)Math.Abs(l),
                double d => Math.Abs(d),
                _ => null,
            },
            ("min" or "max", 2) => MinMax(name == "min", plain[0], plain[1]),
            _ => null,
        };
    }

    private static bool Flag(SortedDictionary<string, object> options, string name) =>
        options.TryGetValue(name, out var value) && Plain(value) is true;

    private static object? Length(object value) => value switch
    {
        string s => (long)s.EnumerateRunes().Count(),
        List<object> list => (long)list.Count,
        SortedDictionary<string, object> map => (long)map.Count,
        QueryValue q => (long)q.Result.Rows.Count,
        RowValue row => (long)row.Cells.Count,
        RangeValue range => range.Count,
        SqlValue { Kind: SqlValueKind.Text } v => (long)v.AsText.EnumerateRunes().Count(),
        _ => null,
    };

    private static object SubString(string s, long start, object? length)
    {
        var runes = s.EnumerateRunes().ToArray();
        var from = (int)Math.Clamp(start < 0 ? runes.Length + start : start, 0, runes.Length);
        var count = length switch
        {
            long l => (int)Math.Clamp(l, 0, runes.Length - from),
            null => runes.Length - from,
            _ => throw new HelperException("sub_string: the length must be an integer"),
        };
        return string.Concat(runes.Skip(from).Take(count).Select(r => r.ToString()));
    }

    private static object Push(List<object> list, object value)
    {
        list.Add(value);
        return TemplateUnit.Value;
    }

    private static object? MinMax(bool min, object a, object b) => (a, b) switch
    {
        (long x, long y) => (object)(min ? Math.Min(x, y) : Math.Max(x, y)),
        (long or double, long or double) => min
            ? Math.Min(Convert.ToDouble(a, CultureInfo.InvariantCulture), Convert.ToDouble(b, CultureInfo.InvariantCulture))
            : Math.Max(Convert.ToDouble(a, CultureInfo.InvariantCulture), Convert.ToDouble(b, CultureInfo.InvariantCulture)),
        (string x, string y) => (string.CompareOrdinal(x, y) <= 0) == min ? x : y,
        _ => null,
    };

    /// <summary>A helper that exists for these arguments but failed; the interpreter adds the position.</summary>
    private sealed class HelperException(string message) : Exception(message);
}
