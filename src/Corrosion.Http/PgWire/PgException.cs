namespace Corrosion.Http.PgWire;

/// <summary>A statement-level failure answered with an ErrorResponse; the connection keeps working.</summary>
internal sealed class PgException : Exception
{
    public PgException()
    {
        SqlState = PgSqlState.InternalError;
    }

    public PgException(string message)
        : base(message)
    {
        SqlState = PgSqlState.InternalError;
    }

    public PgException(string message, Exception innerException)
        : base(message, innerException)
    {
        SqlState = PgSqlState.InternalError;
    }

    public PgException(string sqlState, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        SqlState = sqlState;
    }

    /// <summary>The five-character SQLSTATE code.</summary>
    public string SqlState { get; }
}
