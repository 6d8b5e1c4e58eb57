namespace Corrosion;

/// <summary>The base of errors the engine reports to callers with a message naming the problem.</summary>
public class CorrosionException : Exception
{
    public CorrosionException()
    {
    }

    public CorrosionException(string message)
        : base(message)
    {
    }

    public CorrosionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A statement of a transaction or query failed; nothing was committed.</summary>
public sealed class StatementException : CorrosionException
{
    public StatementException(int statementIndex, string sql, string message, Exception? innerException = null)
        : base($"statement {statementIndex + 1} failed: {message}", innerException ?? new InvalidOperationException(message))
    {
        StatementIndex = statementIndex;
        Sql = sql;
        Reason = message;
    }

    public StatementException()
    {
        Sql = string.Empty;
        Reason = string.Empty;
    }

    public StatementException(string message)
        : base(message)
    {
        Sql = string.Empty;
        Reason = message;
    }

    public StatementException(string message, Exception innerException)
        : base(message, innerException)
    {
        Sql = string.Empty;
        Reason = message;
    }

    /// <summary>Zero-based index of the failing statement.</summary>
    public int StatementIndex { get; }

    public string Sql { get; }

    /// <summary>SQLite's message or our refusal, without the statement prefix.</summary>
    public string Reason { get; }
}

/// <summary>A schema file broke a rule or asked for a destructive change; nothing was changed.</summary>
public sealed class SchemaException : CorrosionException
{
    public SchemaException()
    {
    }

    public SchemaException(string message)
        : base(message)
    {
    }

    public SchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
