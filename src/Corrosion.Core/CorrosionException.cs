namespace Corrosion;

/// <summary>The base of errors the engine reports to callers with a message naming the problem.</summary>
public class CorrosionException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public CorrosionException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CorrosionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public CorrosionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A statement of a transaction or query failed; nothing was committed.</summary>
public sealed class StatementException : CorrosionException
{
    /// <summary>Reports the failure of one statement of a batch; the message reads <c>statement N failed: reason</c> (N 1-based).</summary>
    /// <param name="statementIndex">Zero-based index of the failing statement.</param>
    /// <param name="sql">The failing statement's SQL.</param>
    /// <param name="message">SQLite's message or the refusal (becomes <see cref="Reason"/>).</param>
    /// <param name="innerException">The cause; when <see langword="null"/>, an <see cref="InvalidOperationException"/> carrying <paramref name="message"/>.</param>
    public StatementException(int statementIndex, string sql, string message, Exception? innerException = null)
        : base($"statement {statementIndex + 1} failed: {message}", innerException ?? new InvalidOperationException(message))
    {
        StatementIndex = statementIndex;
        Sql = sql;
        Reason = message;
    }

    /// <summary>Creates the exception with the default message. <see cref="Sql"/> and <see cref="Reason"/> are empty.</summary>
    public StatementException()
    {
        Sql = string.Empty;
        Reason = string.Empty;
    }

    /// <summary>Creates the exception with a message. <see cref="Reason"/> is the message; <see cref="Sql"/> is empty.</summary>
    public StatementException(string message)
        : base(message)
    {
        Sql = string.Empty;
        Reason = message;
    }

    /// <summary>Creates the exception with a message and the exception that caused it. <see cref="Reason"/> is the message; <see cref="Sql"/> is empty.</summary>
    public StatementException(string message, Exception innerException)
        : base(message, innerException)
    {
        Sql = string.Empty;
        Reason = message;
    }

    /// <summary>Zero-based index of the failing statement.</summary>
    public int StatementIndex { get; }

    /// <summary>The failing statement's SQL; empty when the exception was not created for a statement.</summary>
    public string Sql { get; }

    /// <summary>SQLite's message or our refusal, without the statement prefix.</summary>
    public string Reason { get; }
}

/// <summary>A schema file broke a rule or asked for a destructive change; nothing was changed.</summary>
public sealed class SchemaException : CorrosionException
{
    /// <summary>Creates the exception with the default message.</summary>
    public SchemaException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SchemaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public SchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
