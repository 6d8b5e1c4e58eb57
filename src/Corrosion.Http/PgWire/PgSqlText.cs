using System.Globalization;
using System.Text;
using Corrosion.Schema;

namespace Corrosion.Http.PgWire;

/// <summary>What the listener does with a statement before SQLite sees it.</summary>
internal enum PgStatementKind
{
    /// <summary>Only whitespace or comments: EmptyQueryResponse.</summary>
    Empty,

    /// <summary><c>BEGIN</c>, <c>START TRANSACTION</c>.</summary>
    Begin,

    /// <summary><c>COMMIT</c>, <c>END</c>.</summary>
    Commit,

    /// <summary><c>ROLLBACK</c>, <c>ABORT</c>.</summary>
    Rollback,

    /// <summary>Session commands with no meaning here (<c>SET</c>, <c>RESET</c>, <c>DISCARD</c>, ...): acknowledged, no effect.</summary>
    Ignored,

    /// <summary>A query answered by <see cref="PgCatalog"/> (<c>version()</c>, Npgsql's type loading).</summary>
    Catalog,

    /// <summary>Any other query of PostgreSQL's catalog (psql's <c>\d</c>): refused with SQLSTATE 0A000.</summary>
    UnsupportedCatalog,

    /// <summary>Anything else: SQLite-flavoured SQL run by the node.</summary>
    Sql,
}

/// <summary>
/// The little SQL lexing the listener needs: splitting a simple query into statements, rewriting PostgreSQL's
/// <c>$n</c> placeholders to SQLite's <c>?n</c>, and reading the leading keywords, all over Core's SQLite-flavoured
/// <see cref="SqlTokenizer"/> (quotes and comments are units there).
/// </summary>
internal static class PgSqlText
{
    /// <summary>Splits on top-level semicolons; statements that are only whitespace or comments are dropped.</summary>
    public static List<string> Split(string sql)
    {
        var statements = new List<string>();
        var start = 0;
        foreach (var token in SqlTokenizer.Tokenize(sql))
        {
            if (token.IsPunctuation(';'))
            {
                Add(sql[start..token.Start]);
                start = token.End;
            }
        }

        Add(sql[start..]);
        return statements;

        void Add(string statement)
        {
            if (!IsBlank(statement))
            {
                statements.Add(statement.Trim());
            }
        }
    }

    /// <summary>True when <paramref name="sql"/> holds only whitespace, comments and semicolons.</summary>
    public static bool IsBlank(string sql) => SqlTokenizer.Tokenize(sql).All(t => t.IsPunctuation(';'));

    /// <summary>
    /// Rewrites <c>$1</c>..<c>$n</c> outside quotes and comments to <c>?1</c>..<c>?n</c> (SQLite would read <c>$1</c>
    /// as a named parameter numbered by first appearance). <paramref name="maxIndex"/> is the highest n used.
    /// </summary>
    public static string RewritePlaceholders(string sql, out int maxIndex)
    {
        maxIndex = 0;
        StringBuilder? rewritten = null;
        var copied = 0;
        foreach (var token in SqlTokenizer.Tokenize(sql))
        {
            if (token.Kind != SqlTokenKind.Parameter || token.Text[0] != '$' ||
                !int.TryParse(token.Text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                continue;
            }

            maxIndex = Math.Max(maxIndex, index);
            rewritten ??= new StringBuilder(sql.Length);
            rewritten.Append(sql, copied, token.Start - copied).Append('?');
            copied = token.Start + 1;
        }

        return rewritten is null ? sql : rewritten.Append(sql, copied, sql.Length - copied).ToString();
    }

    /// <summary>Classifies one statement by its leading keywords (and <see cref="PgCatalog"/> by its text).</summary>
    public static PgStatementKind Classify(string sql)
    {
        var words = Words(sql, 2);
        if (words.Count == 0)
        {
            return PgStatementKind.Empty;
        }

        switch (words[0])
        {
            case "BEGIN":
                return PgStatementKind.Begin;
            case "START" when words.Count > 1 && words[1] == "TRANSACTION":
                return PgStatementKind.Begin;
            case "COMMIT" or "END":
                return PgStatementKind.Commit;
            case "ROLLBACK" or "ABORT":
                return PgStatementKind.Rollback;
            case "SET" or "RESET" or "DISCARD" or "DEALLOCATE" or "UNLISTEN" or "CLOSE":
                return PgStatementKind.Ignored;
        }

        if (PgCatalog.Handles(sql))
        {
            return PgStatementKind.Catalog;
        }

        return PgCatalog.IsUnsupportedCatalogQuery(sql) ? PgStatementKind.UnsupportedCatalog : PgStatementKind.Sql;
    }

    /// <summary>
    /// The CommandComplete tag of a statement with no rows: <c>INSERT 0 n</c>, <c>UPDATE n</c>, <c>DELETE n</c>, or
    /// its leading keyword(s) (<c>SET</c>, <c>CREATE TABLE</c>, ...).
    /// </summary>
    public static string CommandTag(string sql, int rowsAffected)
    {
        var words = Words(sql, 2);
        var verb = words.Count == 0 ? string.Empty : words[0];
        if (verb == "WITH")
        {
            // A write with a common table expression: the verb follows the CTEs; report it as an UPDATE count.
            verb = Words(sql, 64).FirstOrDefault(w => w is "INSERT" or "UPDATE" or "DELETE" or "REPLACE") ?? "UPDATE";
        }

        return verb switch
        {
            "INSERT" or "REPLACE" => $"INSERT 0 {rowsAffected}",
            "UPDATE" or "DELETE" => $"{verb} {rowsAffected}",
            "CREATE" or "DROP" or "ALTER" when words.Count > 1 => $"{verb} {words[1]}",
            "START" => "START TRANSACTION",
            _ => verb,
        };
    }

    /// <summary>The first <paramref name="count"/> words and numbers in upper case, outside quotes and comments.</summary>
    public static List<string> Words(string sql, int count) =>
        [.. SqlTokenizer.Tokenize(sql)
            .Where(t => t.Kind is SqlTokenKind.Word or SqlTokenKind.Number)
            .Take(count)
            .Select(t => t.Text.ToUpperInvariant())];
}
