using System.Globalization;
using System.Text;
using Corrosion.Crdt;
using Corrosion.Storage;

namespace Corrosion.Subscriptions;

/// <summary>
/// The primary keys changed by one or more commits, per table. Built once per dispatch and shared, read-only, by
/// every matcher it is routed to, so that N subscriptions do not each re-hash and re-format the same keys.
/// </summary>
internal sealed class ChangedKeys
{
    // Above this many changed keys of one table a restricted re-run stops paying off (and its SQL grows): matchers
    // reading that table re-run everything.
    public const int MaxRestrictedKeys = 500;

    public Dictionary<string, TableKeys> Tables { get; } = new(StringComparer.OrdinalIgnoreCase);

    public void Add(IEnumerable<Change> changes)
    {
        foreach (var change in changes)
        {
            if (!Tables.TryGetValue(change.Table, out var keys))
            {
                Tables[change.Table] = keys = new TableKeys();
            }

            keys.Add(Convert.ToHexString(change.Pk));
        }
    }

    /// <summary>The union of several dispatches a matcher has not run yet (it was starting, or busy).</summary>
    public static ChangedKeys Merge(IReadOnlyList<ChangedKeys> parts)
    {
        var merged = new ChangedKeys();
        foreach (var part in parts)
        {
            foreach (var (table, keys) in part.Tables)
            {
                if (!merged.Tables.TryGetValue(table, out var into))
                {
                    merged.Tables[table] = into = new TableKeys();
                }

                into.AddAll(keys);
            }
        }

        return merged;
    }
}

/// <summary>The changed keys of one table (hex of the packed primary key), or just "too many".</summary>
internal sealed class TableKeys
{
    private string? _values;
    private string? _json;
    private bool _jsonDone;

    public HashSet<string> Hex { get; } = new(StringComparer.Ordinal);

    public bool Overflow { get; private set; }

    public void Add(string hex)
    {
        if (!Overflow && Hex.Add(hex) && Hex.Count > ChangedKeys.MaxRestrictedKeys)
        {
            Overflow = true;
            Hex.Clear();
        }
    }

    public void AddAll(TableKeys other)
    {
        if (other.Overflow)
        {
            Overflow = true;
            Hex.Clear();
            return;
        }

        foreach (var hex in other.Hex)
        {
            Add(hex);
        }
    }

    /// <summary>
    /// The keys as the row list of a <c>VALUES</c> clause, <c>(1), (2)</c> or <c>(1, 'a'), (2, 'b')</c>. The same for
    /// every matcher, so it is formatted once; concurrent first calls compute the same text, which is harmless.
    /// </summary>
    public string ValuesSql => _values ??= FormatValues();

    /// <summary>
    /// The keys as a JSON array of scalars, to bind as one parameter of <c>IN (SELECT value FROM json_each(?))</c>,
    /// so that the restricted SQL does not change with the keys: SQLite then parses a short statement instead of one
    /// VALUES row per key. Null when a key cannot be carried exactly by JSON (more than one column, a BLOB, a
    /// non-finite REAL, text with NUL, the one integer JSON parsers treat specially): use <see cref="ValuesSql"/>.
    /// Formatted once; concurrent first calls compute the same text, which is harmless.
    /// </summary>
    public string? Json
    {
        get
        {
            if (!Volatile.Read(ref _jsonDone))
            {
                _json = FormatJson();
                Volatile.Write(ref _jsonDone, true);
            }

            return _json;
        }
    }

    private string? FormatJson()
    {
        var builder = new StringBuilder("[");
        foreach (var hex in Hex)
        {
            var values = PackedPk.Unpack(Convert.FromHexString(hex));
            if (values.Length != 1)
            {
                return null;
            }

            builder.Append(builder.Length == 1 ? string.Empty : ",");
            var value = values[0];
            switch (value.Kind)
            {
                case SqlValueKind.Integer when value.AsInteger != long.MinValue:
                    builder.Append(value.AsInteger.ToString(CultureInfo.InvariantCulture));
                    break;
                case SqlValueKind.Real when double.IsFinite(value.AsReal):
                    var text = value.AsReal.ToString("R", CultureInfo.InvariantCulture);

                    // Keep it a REAL: "2" would be read as an integer.
                    builder.Append(text).Append(text.Any(c => c is '.' or 'E' or 'e') ? string.Empty : ".0");
                    break;
                case SqlValueKind.Text when !value.AsText.Contains('\0', StringComparison.Ordinal):
                    AppendJsonString(builder, value.AsText);
                    break;
                case SqlValueKind.Null:
                    builder.Append("null");
                    break;
                default:
                    return null;
            }
        }

        return builder.Append(']').ToString();
    }

    /// <summary>
    /// A JSON string escaping only what JSON requires, so that every other character (astral ones included)
    /// reaches SQLite as the same UTF-8 it would have as a SQL literal.
    /// </summary>
    private static void AppendJsonString(StringBuilder builder, string text)
    {
        builder.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case < ' ':
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        builder.Append('"');
    }

    private string FormatValues()
    {
        var builder = new StringBuilder();
        foreach (var hex in Hex)
        {
            builder.Append(builder.Length == 0 ? "(" : ", (");
            var values = PackedPk.Unpack(Convert.FromHexString(hex));
            for (var v = 0; v < values.Length; v++)
            {
                builder.Append(v == 0 ? string.Empty : ", ");
                AppendLiteral(builder, values[v]);
            }

            builder.Append(')');
        }

        return builder.ToString();
    }

    private static void AppendLiteral(StringBuilder builder, SqlValue value)
    {
        switch (value.Kind)
        {
            case SqlValueKind.Integer:
                builder.Append(value.AsInteger.ToString(CultureInfo.InvariantCulture));
                break;
            case SqlValueKind.Real:
                var real = value.AsReal;
                var text = double.IsPositiveInfinity(real) ? "9e999" : double.IsNegativeInfinity(real) ? "-9e999" : real.ToString("R", CultureInfo.InvariantCulture);

                // Keep it a REAL literal: "2" would be read as an integer.
                builder.Append(text).Append(text.Any(c => c is '.' or 'E' or 'e') ? string.Empty : ".0");
                break;
            case SqlValueKind.Text:
                builder.Append('\'').Append(value.AsText.Replace("'", "''", StringComparison.Ordinal)).Append('\'');
                break;
            case SqlValueKind.Blob:
                builder.Append("X'").Append(Convert.ToHexString(value.AsBlob)).Append('\'');
                break;
            default:
                builder.Append("NULL");
                break;
        }
    }
}
