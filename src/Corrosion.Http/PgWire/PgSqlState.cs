namespace Corrosion.Http.PgWire;

/// <summary>The SQLSTATE codes the listener sends, and the mapping of SQLite's messages onto them.</summary>
internal static class PgSqlState
{
    public const string ProtocolViolation = "08P01";
    public const string FeatureNotSupported = "0A000";
    public const string DatatypeMismatch = "42804";
    public const string SyntaxError = "42601";
    public const string UndefinedTable = "42P01";
    public const string UndefinedColumn = "42703";
    public const string UndefinedFunction = "42883";
    public const string UniqueViolation = "23505";
    public const string NotNullViolation = "23502";
    public const string ForeignKeyViolation = "23503";
    public const string CheckViolation = "23514";
    public const string ReadOnlyTransaction = "25006";
    public const string InFailedTransaction = "25P02";
    public const string InvalidTextRepresentation = "22P02";
    public const string InvalidBinaryRepresentation = "22P03";
    public const string InvalidSqlStatementName = "26000";
    public const string InvalidCursorName = "34000";
    public const string QueryCanceled = "57014";
    public const string InternalError = "XX000";

    /// <summary>The SQLSTATE that best matches a SQLite error message.</summary>
    public static string FromSqliteMessage(string message)
    {
        if (message.Contains("syntax error", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("incomplete input", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("unrecognized token", StringComparison.OrdinalIgnoreCase))
        {
            return SyntaxError;
        }

        if (message.Contains("no such table", StringComparison.OrdinalIgnoreCase))
        {
            return UndefinedTable;
        }

        if (message.Contains("no such column", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("has no column named", StringComparison.OrdinalIgnoreCase))
        {
            return UndefinedColumn;
        }

        if (message.Contains("no such function", StringComparison.OrdinalIgnoreCase))
        {
            return UndefinedFunction;
        }

        if (message.Contains("UNIQUE constraint failed", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("PRIMARY KEY", StringComparison.OrdinalIgnoreCase) && message.Contains("constraint failed", StringComparison.OrdinalIgnoreCase))
        {
            return UniqueViolation;
        }

        if (message.Contains("NOT NULL constraint failed", StringComparison.OrdinalIgnoreCase))
        {
            return NotNullViolation;
        }

        if (message.Contains("FOREIGN KEY constraint failed", StringComparison.OrdinalIgnoreCase))
        {
            return ForeignKeyViolation;
        }

        if (message.Contains("CHECK constraint failed", StringComparison.OrdinalIgnoreCase))
        {
            return CheckViolation;
        }

        return InternalError;
    }
}
