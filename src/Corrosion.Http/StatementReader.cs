using System.Text.Json;
using Corrosion.Storage;
using Microsoft.AspNetCore.Http;

namespace Corrosion.Http;

/// <summary>
/// Reads the statement shapes the API accepts from a parsed request body. A statement is one of:
/// <c>"sql"</c>, <c>["sql", [params]]</c>, <c>["sql", {named params}]</c> or
/// <c>{"query": "sql", "params": [...], "named_params": {...}}</c> (both keys optional, at most one of them).
/// Wrong shapes throw <see cref="HttpApiRequestException"/> with a message naming the statement and the problem.
/// </summary>
internal static class StatementReader
{
    private const string Shapes =
        "a string, [sql, [params]], [sql, {named params}] or {\"query\": sql, \"params\": [...], \"named_params\": {...}}";

    /// <summary>Reads a transaction body: a non-empty JSON array of statements.</summary>
    public static IReadOnlyList<Statement> ReadTransaction(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw BadRequest($"expected a JSON array of statements, got {Describe(root)}");
        }

        var count = root.GetArrayLength();
        if (count == 0)
        {
            throw BadRequest("at least 1 statement is required");
        }

        var statements = new Statement[count];
        var i = 0;
        string? previousSql = null;
        foreach (var element in root.EnumerateArray())
        {
            statements[i] = ReadStatement(element, i + 1, previousSql);
            previousSql = statements[i].Sql;
            i++;
        }

        return statements;
    }

    /// <summary>Reads a query body: one statement.</summary>
    public static Statement ReadQuery(JsonElement root) => ReadStatement(root, 0, previousSql: null);

    /// <param name="number">The statement's position in the transaction, from 1; 0 for a query.</param>
    /// <param name="previousSql">The SQL of the statement before, whose string is reused when this one's is the same.</param>
    private static Statement ReadStatement(JsonElement element, int number, string? previousSql)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return new Statement(ReadSql(element, previousSql));

            case JsonValueKind.Array:
            {
                if (element.GetArrayLength() != 2)
                {
                    throw BadRequest($"{What(number)}: an array statement is [sql, params] with exactly 2 elements, got {element.GetArrayLength()}; expected {Shapes}");
                }

                var sql = element[0];
                if (sql.ValueKind != JsonValueKind.String)
                {
                    throw BadRequest($"{What(number)}: the first element must be the SQL string, got {Describe(sql)}");
                }

                var parameters = element[1];
                return parameters.ValueKind switch
                {
                    JsonValueKind.Array => new Statement(ReadSql(sql, previousSql), ReadPositional(parameters)),
                    JsonValueKind.Object => new Statement(ReadSql(sql, previousSql), ReadNamed(parameters)),
                    _ => throw BadRequest($"{What(number)}: params must be an array (positional) or an object (named), got {Describe(parameters)}"),
                };
            }

            case JsonValueKind.Object:
                return ReadVerbose(element, What(number));

            default:
                throw BadRequest($"{What(number)}: expected {Shapes}, got {Describe(element)}");
        }
    }

    private static string What(int number) => number == 0 ? "query" : $"statement {number}";

    /// <summary>
    /// The SQL string of a statement. Batches repeat one statement with different parameters: reusing the previous
    /// string saves allocating it again, and the engine finds its prepared statement by reference.
    /// </summary>
    private static string ReadSql(JsonElement sql, string? previousSql) =>
        previousSql is not null && sql.ValueEquals(previousSql) ? previousSql : sql.GetString()!;

    private static Statement ReadVerbose(JsonElement element, string what)
    {
        string? sql = null;
        JsonElement? positional = null;
        JsonElement? named = null;
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "query":
                    if (property.Value.ValueKind != JsonValueKind.String)
                    {
                        throw BadRequest($"{what}: \"query\" must be the SQL string, got {Describe(property.Value)}");
                    }

                    sql = property.Value.GetString();
                    break;
                case "params":
                    if (property.Value.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
                    {
                        throw BadRequest($"{what}: \"params\" must be an array, got {Describe(property.Value)}");
                    }

                    positional = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value;
                    break;
                case "named_params":
                    if (property.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                    {
                        throw BadRequest($"{what}: \"named_params\" must be an object, got {Describe(property.Value)}");
                    }

                    named = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value;
                    break;
                default:
                    throw BadRequest($"{what}: unknown key \"{property.Name}\"; expected \"query\", \"params\" or \"named_params\"");
            }
        }

        if (sql is null)
        {
            throw BadRequest($"{what}: \"query\" is required in the object form");
        }

        if (positional is { } p && named is { } n && p.GetArrayLength() > 0 && n.EnumerateObject().Any())
        {
            throw BadRequest($"{what}: give \"params\" or \"named_params\", not both");
        }

        if (named is { } namedParams && namedParams.EnumerateObject().Any())
        {
            return new Statement(sql, ReadNamed(namedParams));
        }

        return positional is { } positionalParams ? new Statement(sql, ReadPositional(positionalParams)) : new Statement(sql);
    }

    private static SqlValue[] ReadPositional(JsonElement array)
    {
        var values = new SqlValue[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            values[i++] = JsonValueMapping.ToSqlValue(item);
        }

        return values;
    }

    private static Dictionary<string, SqlValue> ReadNamed(JsonElement obj)
    {
        var values = new Dictionary<string, SqlValue>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            values[property.Name] = JsonValueMapping.ToSqlValue(property.Value);
        }

        return values;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static HttpApiRequestException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
}
