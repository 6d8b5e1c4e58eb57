using System.Diagnostics.CodeAnalysis;
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

    /// <summary>
    /// Reads a transaction body in one pass over its bytes, without building a document, when every statement has
    /// one of the common shapes: <c>"sql"</c> or <c>["sql", [scalars]]</c>. Returns false for anything else (named
    /// or verbose statements, arrays or objects as parameters, malformed JSON), which
    /// <see cref="ReadTransaction(JsonElement)"/> then reads, or refuses with its message. Both give the same statements.
    /// </summary>
    public static bool TryReadTransaction(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out IReadOnlyList<Statement>? statements)
    {
        statements = null;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = RequestJson.MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            var read = new List<Statement>();
            var values = new List<SqlValue>();
            string? previousSql = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.EndArray:
                        // Anything after the array is malformed (Read throws); a body that ends here is whole.
                        if (read.Count == 0 || reader.Read())
                        {
                            return false;
                        }

                        statements = read;
                        return true;

                    case JsonTokenType.String:
                        previousSql = ReadSql(ref reader, previousSql);
                        read.Add(new Statement(previousSql));
                        break;

                    case JsonTokenType.StartArray:
                        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                        {
                            return false;
                        }

                        var sql = ReadSql(ref reader, previousSql);
                        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                        {
                            return false;
                        }

                        values.Clear();
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            if (!TryReadScalar(ref reader, out var value))
                            {
                                return false;
                            }

                            values.Add(value);
                        }

                        // The params array closed, then the statement's array must close: exactly 2 elements.
                        if (reader.TokenType != JsonTokenType.EndArray || !reader.Read() || reader.TokenType != JsonTokenType.EndArray)
                        {
                            return false;
                        }

                        previousSql = sql;
                        read.Add(new Statement(sql, values.ToArray()));
                        break;

                    default:
                        return false;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string ReadSql(ref Utf8JsonReader reader, string? previousSql) =>
        previousSql is not null && reader.ValueTextEquals(previousSql) ? previousSql : reader.GetString()!;

    /// <summary>A parameter as <see cref="JsonValueMapping.ToSqlValue"/> maps it; false for arrays and objects (blobs, JSON text).</summary>
    private static bool TryReadScalar(ref Utf8JsonReader reader, out SqlValue value)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                value = SqlValue.FromText(reader.GetString()!);
                return true;
            case JsonTokenType.Number:
                if (JsonValueMapping.IsPlainInteger(reader.ValueSpan) && reader.TryGetInt64(out var integer))
                {
                    value = SqlValue.FromInteger(integer);
                    return true;
                }

                var isReal = reader.TryGetDouble(out var real);
                value = SqlValue.FromReal(real);
                return isReal;
            case JsonTokenType.True:
                value = SqlValue.FromInteger(1);
                return true;
            case JsonTokenType.False:
                value = SqlValue.FromInteger(0);
                return true;
            case JsonTokenType.Null:
                value = SqlValue.Null;
                return true;
            default:
                value = SqlValue.Null;
                return false;
        }
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
