namespace Corrosion.Storage;

/// <summary>
/// Binds a <see cref="Statement"/>'s positional or named parameters to a prepared statement. Positional parameters
/// must match the statement's placeholders in number; every named placeholder needs a value.
/// </summary>
internal static class ParameterBinder
{
    /// <param name="prepared">The prepared statement.</param>
    /// <param name="statement">The values.</param>
    /// <param name="parameterCount">
    /// How many of the prepared statement's parameters are the statement's (the first ones), when the SQL was
    /// extended with parameters of its own after the statement's text; all of them when null.
    /// </param>
    public static void Bind(SqliteStatement prepared, Statement statement, int? parameterCount = null)
    {
        var expected = parameterCount ?? prepared.ParameterCount;
        if (statement.NamedParameters is { Count: > 0 } named)
        {
            for (var i = 1; i <= expected; i++)
            {
                var name = prepared.ParameterName(i)
                    ?? throw new ArgumentException($"parameter {i} is positional but only named parameters were given");
                if (!named.TryGetValue(name, out var value) && !named.TryGetValue(name[1..], out value))
                {
                    throw new ArgumentException($"no value given for parameter '{name}'");
                }

                prepared.Bind(i, value);
            }

            return;
        }

        var parameters = statement.Parameters;
        if (parameters.Count == 0 && expected > 0 && prepared.ParameterName(1) is { } firstName)
        {
            // Named placeholders and no values at all: name the first one rather than counting.
            throw new ArgumentException($"no value given for parameter '{firstName}'");
        }

        if (parameters.Count != expected)
        {
            // Too few is refused too (as rusqlite does for the original): SQLite would bind NULL to the rest,
            // silently writing NULL where the caller forgot a value.
            throw new ArgumentException($"the statement takes {expected} parameter(s) but {parameters.Count} were given");
        }

        for (var i = 0; i < parameters.Count; i++)
        {
            prepared.Bind(i + 1, parameters[i]);
        }
    }
}
