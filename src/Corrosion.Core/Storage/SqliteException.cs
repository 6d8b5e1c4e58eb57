namespace Corrosion.Storage;

/// <summary>An error reported by SQLite, with its result code and message.</summary>
public sealed class SqliteException : Exception
{
    /// <summary>Creates the exception with SQLite's message and result code.</summary>
    /// <param name="message">SQLite's error message.</param>
    /// <param name="resultCode">SQLite's (extended) result code.</param>
    public SqliteException(string message, int resultCode)
        : base(message)
    {
        ResultCode = resultCode;
    }

    /// <summary>Creates the exception with SQLite's message, result code and the exception that caused it.</summary>
    /// <param name="message">SQLite's error message.</param>
    /// <param name="resultCode">SQLite's (extended) result code.</param>
    /// <param name="innerException">The cause, if any.</param>
    public SqliteException(string message, int resultCode, Exception? innerException)
        : base(message, innerException)
    {
        ResultCode = resultCode;
    }

    /// <summary>Creates the exception with the default message. <see cref="ResultCode"/> is 0.</summary>
    public SqliteException()
    {
    }

    /// <summary>Creates the exception with a message. <see cref="ResultCode"/> is 0.</summary>
    public SqliteException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it. <see cref="ResultCode"/> is 0.</summary>
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
