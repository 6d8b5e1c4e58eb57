using System.Text;

namespace Corrosion.Schema;

/// <summary>
/// A small SQLite-flavoured tokenizer: enough to tell what kind of statement a schema file holds, find the names
/// it declares and compare statements regardless of layout. Whitespace and comments are skipped; SQLite itself
/// remains the judge of whether the SQL is valid.
/// </summary>
internal static class SqlTokenizer
{
    public static List<SqlToken> Tokenize(string sql)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && At(sql, i + 1) == '-')
            {
                var newline = sql.IndexOf('\n', i);
                i = newline < 0 ? sql.Length : newline + 1;
            }
            else if (c == '/' && At(sql, i + 1) == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
            }
            else if (c is '\'' or '"' or '`')
            {
                var end = QuotedEnd(sql, i, c);
                tokens.Add(new SqlToken(c == '\'' ? SqlTokenKind.String : SqlTokenKind.QuotedIdentifier, sql[i..end], i, end));
                i = end;
            }
            else if (c == '[')
            {
                var close = sql.IndexOf(']', i + 1);
                var end = close < 0 ? sql.Length : close + 1;
                tokens.Add(new SqlToken(SqlTokenKind.QuotedIdentifier, sql[i..end], i, end));
                i = end;
            }
            else if (c is 'x' or 'X' && At(sql, i + 1) == '\'')
            {
                var end = QuotedEnd(sql, i + 1, '\'');
                tokens.Add(new SqlToken(SqlTokenKind.Blob, sql[i..end], i, end));
                i = end;
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(At(sql, i + 1))))
            {
                var end = i + 1;
                while (end < sql.Length && (char.IsAsciiLetterOrDigit(sql[end]) || sql[end] is '.' or '_'
                    || (sql[end] is '+' or '-' && sql[end - 1] is 'e' or 'E' && !IsHex(sql, i))))
                {
                    end++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Number, sql[i..end], i, end));
                i = end;
            }
            else if (IsWordStart(c))
            {
                var end = i + 1;
                while (end < sql.Length && IsWordPart(sql[end]))
                {
                    end++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Word, sql[i..end], i, end));
                i = end;
            }
            else if (c is '?' or ':' or '@' or '$')
            {
                var end = i + 1;
                while (end < sql.Length && IsWordPart(sql[end]))
                {
                    end++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Parameter, sql[i..end], i, end));
                i = end;
            }
            else
            {
                tokens.Add(new SqlToken(SqlTokenKind.Punctuation, sql[i..(i + 1)], i, i + 1));
                i++;
            }
        }

        return tokens;
    }

    /// <summary>
    /// A canonical form for comparing statements: tokens joined by one space, bare words upper-cased (keywords and
    /// unquoted names are case-insensitive in SQLite), comments and a trailing semicolon dropped.
    /// </summary>
    public static string Normalize(string sql)
    {
        var tokens = Tokenize(sql);
        var count = tokens.Count;
        while (count > 0 && tokens[count - 1].IsPunctuation(';'))
        {
            count--;
        }

        var builder = new StringBuilder(sql.Length);
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                builder.Append(' ');
            }

            builder.Append(tokens[i].Kind == SqlTokenKind.Word ? tokens[i].Text.ToUpperInvariant() : tokens[i].Text);
        }

        return builder.ToString();
    }

    private static char At(string sql, int index) => index < sql.Length ? sql[index] : '\0';

    private static bool IsHex(string sql, int start) => sql[start] == '0' && At(sql, start + 1) is 'x' or 'X';

    private static bool IsWordStart(char c) => char.IsAsciiLetter(c) || c == '_' || c > 127;

    private static bool IsWordPart(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '$' || c > 127;

    /// <summary>End (exclusive) of a quoted run starting at <paramref name="start"/>; a doubled quote is an escape.</summary>
    private static int QuotedEnd(string sql, int start, char quote)
    {
        var i = start + 1;
        while (i < sql.Length)
        {
            if (sql[i] == quote)
            {
                if (At(sql, i + 1) == quote)
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return sql.Length;
    }
}
