namespace Corrosion.Storage;

/// <summary>Quoting for SQL text we generate.</summary>
internal static class SqlText
{
    /// <summary>A double-quoted identifier.</summary>
    public static string Id(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A single-quoted string literal.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
