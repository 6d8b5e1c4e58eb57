namespace Corrosion.Storage;

/// <summary>Quoting for SQL text we generate.</summary>
internal static class SqlText
{
    /// <summary>A double-quoted identifier.</summary>
    public static string Id(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A single-quoted string literal.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// The VALUES rows of a multi-row INSERT: <paramref name="rows"/> groups of <paramref name="columns"/> anonymous
    /// parameters, <c>(?, ?), (?, ?)</c>.
    /// </summary>
    public static string ValuesRows(int columns, int rows) =>
        string.Join(", ", Enumerable.Repeat("(" + string.Join(", ", Enumerable.Repeat("?", columns)) + ")", rows));
}
