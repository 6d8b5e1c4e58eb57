namespace Corrosion.Storage;

/// <summary>An error reported by SQLite, with its result code and message.</summary>
public sealed class SqliteException : Exception
{
    public SqliteException(string message, int resultCode)
        : base(message)
    {
        ResultCode = resultCode;
    }

    public SqliteException(string message, int resultCode, Exception? innerException)
        : base(message, innerException)
    {
        ResultCode = resultCode;
    }

    public SqliteException()
    {
    }

    public SqliteException(string message)
        : base(message)
    {
    }

    public SqliteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>SQLite's (extended) result code.</summary>
    public int ResultCode { get; }

    /// <summary>True for SQLITE_BUSY / SQLITE_LOCKED.</summary>
    public bool IsBusy => (ResultCode & 0xff) is 5 or 6;

    /// <summary>True for a constraint violation (SQLITE_CONSTRAINT).</summary>
    public bool IsConstraint => (ResultCode & 0xff) == 19;
}
