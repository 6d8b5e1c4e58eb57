using System.Text;
using Corrosion.Schema;

namespace Corrosion.Subscriptions;

/// <summary>
/// Reads the top level of a SELECT with the SQL tokenizer to decide how a subscription can be matched: which base
/// tables of the FROM clause give each result row an identity (their primary keys, appended as hidden columns), and
/// whether a change can be matched by re-running the query for the changed keys only. Anything it does not fully
/// understand falls back to the always-correct path: identify rows by value and re-run the whole query.
/// </summary>
internal static class SubscriptionQueryAnalyzer
{
    public const string HiddenPrefix = "__corro_pk_";

    private static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase)
    {
        "count", "sum", "total", "avg", "min", "max", "group_concat", "string_agg", "json_group_array", "json_group_object",
    };

    private static readonly HashSet<string> FromEnd = new(StringComparer.OrdinalIgnoreCase)
    {
        "WHERE", "GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT", "UNION", "EXCEPT", "INTERSECT",
    };

    private static readonly HashSet<string> JoinWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "NATURAL", "LEFT", "RIGHT", "FULL", "INNER", "CROSS", "JOIN", "OUTER",
    };

    /// <param name="sql">The user's SELECT.</param>
    /// <param name="tablesRead">Tables SQLite reports the statement reads.</param>
    /// <param name="primaryKeyOf">Primary key columns of a base table in key order; empty for a view or unknown name.</param>
    public static QueryShape Analyze(string sql, IReadOnlySet<string> tablesRead, Func<string, IReadOnlyList<string>> primaryKeyOf)
    {
        var tokens = SqlTokenizer.Tokenize(sql);
        while (tokens.Count > 0 && tokens[^1].IsPunctuation(';'))
        {
            tokens.RemoveAt(tokens.Count - 1);
        }

        // The matcher wraps the query as a subquery: a trailing ';' or "-- comment" would break or swallow the wrapper.
        if (tokens.Count > 0)
        {
            sql = sql[..tokens[^1].End];
        }

        if (tokens.Count == 0 || !tokens[0].IsKeyword("SELECT"))
        {
            return QueryShape.ByValue(sql, "not a plain SELECT (WITH, VALUES)");
        }

        if (tokens.Count > 1 && tokens[1].IsKeyword("DISTINCT"))
        {
            return QueryShape.ByValue(sql, "SELECT DISTINCT");
        }

        // One pass over the tokens: depth, subqueries, top-level clauses, aggregates outside subqueries.
        var depth = 0;
        var subqueryDepths = new Stack<int>();
        var hasSubquery = false;
        var hasWindow = false;
        var hasAggregate = false;
        var hasLimit = false;
        var fromIndex = -1;
        var fromEnd = tokens.Count;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.IsPunctuation('('))
            {
                depth++;
                if (i + 1 < tokens.Count && (tokens[i + 1].IsKeyword("SELECT") || tokens[i + 1].IsKeyword("WITH") || tokens[i + 1].IsKeyword("VALUES")))
                {
                    hasSubquery = true;
                    subqueryDepths.Push(depth);
                }

                continue;
            }

            if (token.IsPunctuation(')'))
            {
                if (subqueryDepths.Count > 0 && subqueryDepths.Peek() == depth)
                {
                    subqueryDepths.Pop();
                }

                depth--;
                continue;
            }

            if (token.Kind != SqlTokenKind.Word)
            {
                continue;
            }

            if (token.IsKeyword("OVER"))
            {
                hasWindow = true;
            }

            if (subqueryDepths.Count == 0 && Aggregates.Contains(token.Text) && i + 1 < tokens.Count && tokens[i + 1].IsPunctuation('('))
            {
                hasAggregate = true;
            }

            if (depth != 0)
            {
                continue;
            }

            if (token.IsKeyword("UNION") || token.IsKeyword("EXCEPT") || token.IsKeyword("INTERSECT"))
            {
                return QueryShape.ByValue(sql, "compound SELECT");
            }

            if (token.IsKeyword("GROUP") || token.IsKeyword("HAVING"))
            {
                return QueryShape.ByValue(sql, "GROUP BY or HAVING");
            }

            if (token.IsKeyword("LIMIT"))
            {
                hasLimit = true;
            }

            if (fromIndex < 0 && token.IsKeyword("FROM"))
            {
                fromIndex = i;
            }
            else if (fromIndex >= 0 && fromEnd == tokens.Count && FromEnd.Contains(token.Text))
            {
                fromEnd = i;
            }
        }

        if (hasAggregate)
        {
            return QueryShape.ByValue(sql, "aggregate function");
        }

        if (hasWindow)
        {
            return QueryShape.ByValue(sql, "window function");
        }

        if (fromIndex < 0)
        {
            return QueryShape.ByValue(sql, "no FROM clause");
        }

        var items = ParseFrom(tokens, fromIndex + 1, fromEnd, out var hasOuterJoin, out var failure);
        if (items is null)
        {
            return QueryShape.ByValue(sql, failure!);
        }

        var sources = new List<IdentitySource>();
        var hidden = new StringBuilder();
        var hiddenCount = 0;
        var fromTables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (table, reference) in items)
        {
            var key = primaryKeyOf(table);
            if (key.Count == 0)
            {
                return QueryShape.ByValue(sql, $"'{table}' is not a table with a primary key");
            }

            sources.Add(new IdentitySource(table, hiddenCount, key.Count));
            fromTables.Add(table);
            foreach (var column in key)
            {
                hidden.Append(", ").Append(Quote(reference)).Append('.').Append(Quote(column))
                    .Append(" AS ").Append(HiddenPrefix).Append(hiddenCount);
                hiddenCount++;
            }
        }

        var insertAt = tokens[fromIndex].Start;
        var rewritten = string.Concat(sql.AsSpan(0, insertAt).TrimEnd(), hidden.ToString(), " ", sql.AsSpan(insertAt));

        string? reason = hasOuterJoin ? "outer join" :
            hasSubquery ? "subquery" :
            hasLimit ? "LIMIT" :
            !tablesRead.All(fromTables.Contains) ? "reads tables outside its FROM clause" :
            null;
        return new QueryShape(rewritten, sources, hiddenCount, reason is null, reason);
    }

    /// <summary>The base tables of a FROM clause as (table, name to reference it by), or null when it holds anything else.</summary>
    private static List<(string Table, string Reference)>? ParseFrom(List<SqlToken> tokens, int start, int end, out bool hasOuterJoin, out string? failure)
    {
        hasOuterJoin = false;
        failure = null;
        var items = new List<(string, string)>();
        var i = start;
        while (i < end)
        {
            // Join operator before every item but the first.
            if (items.Count > 0)
            {
                if (tokens[i].IsPunctuation(','))
                {
                    i++;
                }
                else
                {
                    var sawJoin = false;
                    while (i < end && tokens[i].Kind == SqlTokenKind.Word && JoinWords.Contains(tokens[i].Text))
                    {
                        hasOuterJoin |= tokens[i].IsKeyword("LEFT") || tokens[i].IsKeyword("RIGHT") || tokens[i].IsKeyword("FULL");
                        sawJoin |= tokens[i].IsKeyword("JOIN");
                        i++;
                    }

                    if (!sawJoin)
                    {
                        failure = "FROM clause not understood";
                        return null;
                    }
                }
            }

            if (i >= end || !tokens[i].IsName)
            {
                failure = "FROM clause holds a subquery or a parenthesized join";
                return null;
            }

            var table = tokens[i].Name;
            i++;
            if (i + 1 < end && tokens[i].IsPunctuation('.') && tokens[i + 1].IsName)
            {
                table = tokens[i + 1].Name;
                i += 2;
            }

            if (i < end && tokens[i].IsPunctuation('('))
            {
                failure = "FROM clause holds a table-valued function";
                return null;
            }

            var reference = table;
            if (i < end && tokens[i].IsKeyword("AS"))
            {
                i++;
            }

            if (i < end && tokens[i].IsName && !IsClauseWord(tokens[i]))
            {
                reference = tokens[i].Name;
                i++;
            }

            if (i + 1 < end && tokens[i].IsKeyword("INDEXED") && tokens[i + 1].IsKeyword("BY"))
            {
                i += 3;
            }
            else if (i + 1 < end && tokens[i].IsKeyword("NOT") && tokens[i + 1].IsKeyword("INDEXED"))
            {
                i += 2;
            }

            items.Add((table, reference));

            // Skip an ON expression or USING list up to the next join operator.
            if (i < end && (tokens[i].IsKeyword("ON") || tokens[i].IsKeyword("USING")))
            {
                var depth = 0;
                i++;
                while (i < end)
                {
                    var token = tokens[i];
                    if (token.IsPunctuation('('))
                    {
                        depth++;
                    }
                    else if (token.IsPunctuation(')'))
                    {
                        depth--;
                    }
                    else if (depth == 0 && (token.IsPunctuation(',') || (token.Kind == SqlTokenKind.Word && JoinWords.Contains(token.Text) && !token.IsKeyword("OUTER"))))
                    {
                        break;
                    }

                    i++;
                }
            }
        }

        if (items.Count == 0)
        {
            failure = "empty FROM clause";
            return null;
        }

        return items;
    }

    private static bool IsClauseWord(SqlToken token) =>
        token.Kind == SqlTokenKind.Word && (JoinWords.Contains(token.Text) || FromEnd.Contains(token.Text)
            || token.IsKeyword("ON") || token.IsKeyword("USING") || token.IsKeyword("INDEXED") || token.IsKeyword("NOT"));

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
