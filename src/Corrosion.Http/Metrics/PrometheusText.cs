using System.Globalization;
using System.Text;

namespace Corrosion.Http.Metrics;

/// <summary>Prometheus text format 0.0.4: names, label sets, escaping and sample lines.</summary>
internal static class PrometheusText
{
    /// <summary>An instrument name as a metric name: <c>corro.changes.committed</c> → <c>corro_changes_committed</c>.</summary>
    public static string MetricName(string name) => Sanitize(name, allowColon: true);

    public static string LabelName(string name) => Sanitize(name, allowColon: false);

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' || (c == ':' && allowColon) || (i > 0 && c is >= '0' and <= '9');
            if (!ok)
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    /// <summary>A label value with <c>\</c>, <c>"</c> and newlines escaped.</summary>
    public static string EscapeLabelValue(string value)
    {
        if (value.AsSpan().IndexOfAny("\\\"\n") < 0)
        {
            return value;
        }

        return value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>HELP text with <c>\</c> and newlines escaped.</summary>
    public static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>A rendered label set, <c>{a="1",b="2"}</c>, sorted by name.</summary>
    public static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            var value = tags[i].Value switch
            {
                null => string.Empty,
                string s => s,
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var other => other.ToString() ?? string.Empty,
            };
            pairs[i] = new KeyValuePair<string, string>(LabelName(tags[i].Key), value);
        }

        Array.Sort(pairs, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder("{");
        for (var i = 0; i < pairs.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(pairs[i].Key).Append("=\"").Append(EscapeLabelValue(pairs[i].Value)).Append('"');
        }

        return text.Append('}').ToString();
    }

    /// <summary>A rendered label set with <c>le</c> added last (histogram buckets).</summary>
    public static string WithLe(string labels, string le) =>
        labels.Length == 0 ? $"{{le=\"{le}\"}}" : $"{labels[..^1]},le=\"{le}\"}}";

    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        // Shortest round-trip, with Go's lower-case exponent (5e-05), as Prometheus' own clients write it.
        _ => value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e'),
    };

    public static void WriteHeader(StringBuilder text, string name, string? description, string type)
    {
        if (!string.IsNullOrEmpty(description))
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(description)).Append('\n');
        }

        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public static void WriteSample(StringBuilder text, string name, string labels, double value) =>
        text.Append(name).Append(labels).Append(' ').Append(FormatValue(value)).Append('\n');
}
